"""`fazhan training`: the trainings of those who do the work (通知六), the untrained report and each org's
negative list (通知四) from the console, through the same services and selectors as the pages; each write
names the user it is done as, so the trail holds who did it.

    fazhan training sessions [--org C]
    fazhan training add --org C --topic T --date D --hours H --attend PID:ROLE [--attend ...] --user U
        (ROLE: branch_secretary | contact | introducer)
    fazhan training untrained --user U [--as-of D] [--xlsx FILE]
    fazhan training negative show --org C
    fazhan training negative set --org C --item 情形 [--item ...] --user U
    fazhan training negative inherit --org C --user U
"""

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from fazhan.accounts.models import User
from fazhan.core.excel import workbook_bytes
from fazhan.organizations.models import Org
from fazhan.training.models import TrainingSession
from fazhan.training.reports import untrained_tables
from fazhan.training.selectors import negative_keyed, negative_list_of, untrained_report
from fazhan.training.services import negative_list_inherit, negative_list_set, session_create


def _date(text: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--{name}: {text} is not a date (YYYY-MM-DD)") from None


def _org(code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"--org: no org with code {code}")
    return org


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--user: no active user {username}")
    return user


def _attendance(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        pid, sep, role = item.partition(":")
        if not sep:
            raise CommandError(f"--attend: {item} is not PID:ROLE")
        out.append((pid, role))
    return out


class Command(BaseCommand):
    help = "Trainings of branch secretaries, contacts and introducers; the untrained report; negative lists."

    def add_arguments(self, parser):
        parts = parser.add_subparsers(dest="part", required=True)
        listing = parts.add_parser("sessions", help="the trainings recorded (of an org's subtree)")
        listing.add_argument("--org")
        add = parts.add_parser("add", help="record a training and who attended it")
        for name in ("org", "topic", "date", "hours", "user"):
            add.add_argument(f"--{name}", required=True)
        add.add_argument("--attend", action="append", default=[], help="PID:ROLE, once per attendee")
        report = parts.add_parser(
            "untrained", help="per branch, the untrained secretaries, contacts, introducers"
        )
        report.add_argument("--user", required=True)
        report.add_argument("--as-of", dest="as_of")
        report.add_argument("--xlsx", help="also write the workbook to this file")
        negative = parts.add_parser("negative", help="an org's negative list").add_subparsers(
            dest="action", required=True
        )
        negative.add_parser("show").add_argument("--org", required=True)
        put = negative.add_parser("set", help="give an org its own list, the items in order")
        put.add_argument("--org", required=True)
        put.add_argument("--user", required=True)
        put.add_argument("--item", action="append", default=[])
        back = negative.add_parser("inherit", help="drop an org's own list: it uses its parent's again")
        back.add_argument("--org", required=True)
        back.add_argument("--user", required=True)

    def handle(self, *args, part, **options):
        try:
            getattr(self, f"_{part}")(**options)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None

    def _sessions(self, *, org=None, **options):
        sessions = TrainingSession.objects.select_related("org").prefetch_related("attendance__person")
        if org:
            sessions = sessions.filter(org__path__startswith=_org(org).path)
        for s in sessions:
            people = "、".join(f"{a.person.name}（{a.get_role_display()}）" for a in s.attendance.all())
            self.stdout.write(f"{s.date.isoformat()}\t{s.org.name}\t{s.topic}\t{s.hours} 学时\t{people}")

    def _add(self, *, org, topic, date, hours, attend, user, **options):
        session = session_create(
            actor=_user(user),
            org=_org(org),
            topic=topic,
            date=_date(date, "date"),
            hours=hours,
            attendance=_attendance(attend),
        )
        self.stdout.write(f"recorded training {session.pk}: {session.attendance.count()} attended")

    def _untrained(self, *, user, as_of=None, xlsx=None, **options):
        report = untrained_report(_user(user), as_of=_date(as_of, "as-of") if as_of else None)
        self.stdout.write(
            f"截至 {report.as_of.isoformat()}\t书记 人数/未参训\t联系人 人数/未参训\t介绍人 人数/未参训"
        )
        for line in report.orgs:
            cells = [
                f"{line.total[r]}/{line.untrained[r]}" for r in ("branch_secretary", "contact", "introducer")
            ]
            self.stdout.write("\t".join([line.org.name, *cells]))
        for s in report.untrained:
            self.stdout.write(
                f"未参训\t{s.org.name}\t{s.role_label}\t{s.name}（{s.pid}）\t{'、'.join(s.cases)}"
            )
        if xlsx:
            Path(xlsx).write_bytes(workbook_bytes(untrained_tables(report)))
            self.stdout.write(f"wrote {xlsx}")

    def _negative(self, *, action, org, user=None, item=(), **options):
        target = _org(org)
        if action == "set":
            negative_list_set(actor=_user(user), org=target, items=negative_keyed(target, list(item)))
        elif action == "inherit":
            negative_list_inherit(actor=_user(user), org=target)
        listed = negative_list_of(target)
        source = listed.source.name if listed.source else "通知所列（默认）"
        self.stdout.write(f"{target.name} 负面清单（{source}）")
        for n, (_key, label) in enumerate(listed.items, start=1):
            self.stdout.write(f"{n}. {label}")
