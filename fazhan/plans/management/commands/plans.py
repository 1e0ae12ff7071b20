"""`fazhan plans`: the reserve plan (储量计划) and the yearly cycle from the console, through the same
services as the pages (they refuse what the rules forbid, whoever calls): each write names the user it is
done as, so the trail holds who did it.

    fazhan plans reserve show --org C --year Y
    fazhan plans reserve set --org C --year Y --applicants N --activists N --targets N
        [--young-farmers N] --user U
    fazhan plans reserve take-in --pid P --year Y [--date D] --user U
    fazhan plans cycle show --org C --year Y
    fazhan plans cycle record --org C --year Y --step request|guide|division [--date D] [--number N] --user U
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.accounts.models import User
from fazhan.organizations.models import Org
from fazhan.plans.models import CycleStep
from fazhan.plans.selectors import cycle_rows, reserve_report
from fazhan.plans.services import cycle_record, reserve_set, reserve_take_in
from fazhan.procedure.models import Case


def _date(text: str | None, name: str) -> datetime.date:
    if not text:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--{name}: {text} is not a date (YYYY-MM-DD)") from None


def _year(text: str) -> int:
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise CommandError(f"--year: {text} is not a year between 2000 and 2100")
    return int(text)


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


class Command(BaseCommand):
    help = "The reserve plan (储量计划) and the yearly planning cycle: show, set, take in, record."

    def add_arguments(self, parser):
        parts = parser.add_subparsers(dest="part", required=True)
        reserve = parts.add_parser("reserve", help="an org's reserve plan").add_subparsers(
            dest="action", required=True
        )
        show = reserve.add_parser(
            "show", help="the reserve against the pool by month, and the cases taken in"
        )
        show.add_argument("--org", required=True)
        show.add_argument("--year", required=True)
        put = reserve.add_parser("set", help="set an org's reserve plan for a year")
        for name in ("org", "year", "user"):
            put.add_argument(f"--{name}", required=True)
        for name in ("applicants", "activists", "targets"):
            put.add_argument(f"--{name}", type=int, required=True)
        put.add_argument("--young-farmers", dest="young_farmers", type=int, default=0)
        take = reserve.add_parser("take-in", help="take a person's open case into a year's plan (纳入计划)")
        for name in ("pid", "year", "user"):
            take.add_argument(f"--{name}", required=True)
        take.add_argument("--date", help="the day taken in (default: today)")
        cycle = parts.add_parser("cycle", help="the yearly cycle").add_subparsers(
            dest="action", required=True
        )
        state = cycle.add_parser("show", help="where an org and those below it stand in the cycle")
        state.add_argument("--org", required=True)
        state.add_argument("--year", required=True)
        act = cycle.add_parser("record", help="record a request, a guiding plan or a division")
        for name in ("org", "year", "user"):
            act.add_argument(f"--{name}", required=True)
        act.add_argument("--step", required=True, choices=CycleStep.values)
        act.add_argument("--date", help="the day of the act (default: today)")
        act.add_argument("--number", type=int, help="the number requested (a request)")
        act.add_argument("--note", default="")

    def handle(self, *args, part: str, action: str, **options):
        try:
            getattr(self, f"_{part}_{action.replace('-', '_')}")(**options)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            text = "; ".join(
                f"{field}: {' '.join(m)}" if field else " ".join(m) for field, m in errors.items()
            )
            raise CommandError(text) from None
        except PermissionDenied as exc:
            raise CommandError(f"--user: {exc}") from None

    def _reserve_show(self, *, org, year, **options):
        report = reserve_report(_org(org), _year(year), today=timezone.localdate())
        months = " ".join(f"{m.day.month:>4}月" for m in report.months)
        self.stdout.write(
            f"{report.org.code} {report.org.name} {report.year} 年度储量计划（至 {report.as_of}）"
        )
        self.stdout.write(f"{'':<8}{'计划':>6} {months}")
        for _stage, label, planned, counts in report.rows():
            shown = "—" if planned is None else str(planned)
            self.stdout.write(f"{label!s:<8}{shown:>6} " + " ".join(f"{n:>5}" for n in counts))
        if report.reserve is not None:
            self.stdout.write(
                f"青年农民党员：计划 {report.reserve.young_farmers}，已发展 {report.young_farmers}"
            )
        if report.below:
            self.stdout.write(f"低于储量计划：{report.below_text}")
        for row in report.entries:
            person = row.entry.case.person
            self.stdout.write(
                f"纳入计划 {person.pid} {person.name} {row.stage_label} {row.org.name} {row.entry.taken_on}"
            )

    def _reserve_set(self, *, org, year, user, applicants, activists, targets, young_farmers, **options):
        reserve = reserve_set(
            actor=_user(user),
            org=_org(org),
            year=_year(year),
            applicants=applicants,
            activists=activists,
            targets=targets,
            young_farmers=young_farmers,
        )
        self.stdout.write(
            f"{reserve.org.code} {reserve.year}: {reserve.applicants}/{reserve.activists}/{reserve.targets}"
        )

    def _reserve_take_in(self, *, pid, year, user, date, **options):
        case = (
            Case.objects.filter(person__pid=pid, closed_on__isnull=True).select_related("person__org").first()
        )
        if case is None:
            raise CommandError(f"--pid: no open case of {pid}")
        entry = reserve_take_in(actor=_user(user), case=case, year=_year(year), date=_date(date, "date"))
        self.stdout.write(f"{pid} 纳入 {entry.year} 年度计划（{entry.org.code}，{entry.taken_on}）")

    def _cycle_show(self, *, org, year, **options):
        for row in cycle_rows(_org(org), _year(year)):
            acts = [
                f"{act.get_step_display()} {act.date} {act.actor.username if act.actor else '—'}"
                + ("" if act.number is None else f" {act.number}")
                for act in row.ordered
                if act is not None
            ]
            self.stdout.write(f"{row.org.code:<14} {row.state!s:<8} " + "；".join(acts))

    def _cycle_record(self, *, org, year, user, step, date, number, note, **options):
        act = cycle_record(
            actor=_user(user),
            org=_org(org),
            year=_year(year),
            step=step,
            date=_date(date, "date"),
            number=number,
            note=note,
        )
        shown = "" if act.number is None else f" {act.number}"
        self.stdout.write(f"{act.org.code} {act.year} {act.get_step_display()} {act.date}{shown}")
