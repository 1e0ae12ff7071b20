"""`fazhan floating`: the registers of persons flowing out and in, and the migrant-worker report, from the
console through the same services and selectors as the pages (they refuse what the rules forbid, whoever
calls; the lists read what the named user may see): each write names the user it is done as.

    fazhan floating out --pid P --place X --since D [--to-org C | --org-name N] [--contact T] --user U
    fazhan floating in --pid P --place X --since D [--home-org C | --org-name N] [--contact T] [--migrant]
        --user U
    fazhan floating close --id N --until D [--note T] --user U
    fazhan floating list --user U [--all]
    fazhan floating migrants --user U [--day D] [--xlsx PATH]
"""

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.accounts.models import User
from fazhan.core.dates import date_cn
from fazhan.core.excel import workbook_bytes
from fazhan.floating.models import FloatingRecord
from fazhan.floating.reports import migrant_table
from fazhan.floating.selectors import floating_list_for_user, floating_sides, migrant_report
from fazhan.floating.services import floating_record_close, floating_record_open
from fazhan.organizations.models import Org
from fazhan.people.models import Person


def _date(text: str | None, name: str) -> datetime.date:
    if not text:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--{name}: {text} 不是日期（YYYY-MM-DD）") from None


def _org(code: str | None, name: str) -> Org | None:
    if not code:
        return None
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"--{name}: 没有组织代码为 {code} 的党组织")
    return org


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--user: 没有启用的用户 {username}")
    return user


def _person(pid: str) -> Person:
    person = Person.objects.filter(pid=pid).first()
    if person is None:
        raise CommandError(f"--pid: 没有人员编号为 {pid} 的人员")
    return person


class Command(BaseCommand):
    help = "流出和流入人员登记、流入农民工统计：登记、结束、列表、报表。"

    def add_arguments(self, parser):
        parts = parser.add_subparsers(dest="action", required=True)
        for direction, org_option, help_text in (
            ("out", "to-org", "register a person flowing out (流出)"),
            ("in", "home-org", "register a person flowing in (流入)"),
        ):
            p = parts.add_parser(direction, help=help_text)
            for name in ("pid", "place", "since", "user"):
                p.add_argument(f"--{name}", required=True)
            p.add_argument(f"--{org_option}", dest="other_org", help="the org there, in the district (code)")
            p.add_argument("--org-name", dest="other_org_name", default="", help="the org there, outside")
            p.add_argument("--contact", default="")
            if direction == "in":
                p.add_argument("--migrant", action="store_true", help="a migrant worker (农民工)")
        close = parts.add_parser("close", help="end a record: the person returned or moved on")
        for name in ("id", "until", "user"):
            close.add_argument(f"--{name}", required=True)
        close.add_argument("--note", default="")
        listing = parts.add_parser("list", help="the open records the user may see")
        listing.add_argument("--user", required=True)
        listing.add_argument("--all", action="store_true", help="the ended records too")
        report = parts.add_parser("migrants", help="migrant workers flowing in, and those in the procedure")
        report.add_argument("--user", required=True)
        report.add_argument("--day", help="as of this day (default: today)")
        report.add_argument("--xlsx", help="also write the report to this workbook")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            text = "; ".join(
                f"{field}: {' '.join(m)}" if field else " ".join(m) for field, m in errors.items()
            )
            raise CommandError(text) from None
        except PermissionDenied as exc:
            raise CommandError(f"--user: {exc}") from None

    def _register(self, direction: str, *, pid, place, since, user, other_org, other_org_name, contact, **o):
        record = floating_record_open(
            actor=_user(user),
            person=_person(pid),
            direction=direction,
            place=place,
            since=_date(since, "since"),
            other_org=_org(other_org, "to-org" if direction == "out" else "home-org"),
            other_org_name=other_org_name,
            contact=contact,
            migrant_worker=bool(o.get("migrant", False)),
        )
        self.stdout.write(f"已登记 #{record.pk} {self._line(record)}")

    def _out(self, **options):
        self._register("out", **options)

    def _in(self, **options):
        self._register("in", **options)

    def _close(self, *, id, until, user, note, **options):
        actor = _user(user)
        record = floating_list_for_user(actor).filter(pk=int(id) if id.isdigit() else 0).first()
        if record is None:
            raise CommandError(f"--id: 用户 {user} 的管辖范围内没有编号为 {id} 的流动登记")
        record = floating_record_close(actor=actor, record=record, until=_date(until, "until"), note=note)
        self.stdout.write(f"已结束 #{record.pk} {self._line(record)}")

    def _list(self, *, user, all, **options):
        records = floating_list_for_user(_user(user)).order_by("org__path", "since", "pk")
        if not all:
            records = records.filter(until__isnull=True)
        for record in records:
            self.stdout.write(f"#{record.pk} {self._line(record)}")

    def _migrants(self, *, user, day, xlsx, **options):
        on = _date(day, "day")
        table = migrant_table(migrant_report(_user(user), on), on)
        self.stdout.write(table.title)
        self.stdout.write("\t".join(table.headers))
        for row in table.rows:
            self.stdout.write("\t".join(str(cell) for cell in row))
        if xlsx:
            Path(xlsx).write_bytes(workbook_bytes([table]))

    @staticmethod
    def _line(record: FloatingRecord) -> str:
        sides = floating_sides(record)
        until = f" 至 {date_cn(record.until)}" if record.until else ""
        migrant = " 农民工" if record.migrant_worker else ""
        return (
            f"{record.person.pid} {record.person.name} {record.get_direction_display()}{migrant} "
            f"{record.place} 自 {date_cn(record.since)}{until} "
            f"户籍地：{sides['home_name']} 居住地：{sides['residence_name']}"
        )
