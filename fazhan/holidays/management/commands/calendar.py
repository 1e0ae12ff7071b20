import datetime
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.core.calendar import calendar_refresh, provisional_years, working_days_between
from fazhan.core.selectors import calendar_years
from fazhan.holidays.services import calendar_load


def _date(name: str, text: str) -> datetime.date:
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise CommandError(f"{name}: {text!r} is not a date (YYYY-MM-DD)")


class Command(BaseCommand):
    help = (
        "The official calendar of working days: `load FILE` (a year's arrangement, a CSV of date,kind with "
        "kind holiday or workday), `count FROM TO` (working days, both ends included), `years`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load a year's official arrangement (replaces what it held)")
        load.add_argument("file", help="FILE.csv: date,kind a line, one year a file")
        count = sub.add_parser("count", help="the working days from FROM to TO, both included")
        count.add_argument("first", metavar="FROM")
        count.add_argument("last", metavar="TO")
        sub.add_parser("years", help="each year: official (loaded) or provisional (statutory holidays only)")

    def handle(self, *args, action: str, **options):
        calendar_refresh()  # this process counts by the table as it is now
        if action == "load":
            self._load(Path(options["file"]))
        elif action == "count":
            self._count(_date("FROM", options["first"]), _date("TO", options["last"]))
        else:
            self._years()

    def _count(self, first: datetime.date, last: datetime.date) -> None:
        if last < first:
            raise CommandError("TO: before FROM")
        days = working_days_between(first, last)
        line = f"{days.count} working days"
        if days.provisional:
            years = ", ".join(map(str, provisional_years(first, last)))
            line += f", provisional: {years} not loaded (the statutory holidays only)"
        self.stdout.write(line)

    def _load(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            loaded = calendar_load(actor=None, data=path.read_bytes(), filename=path.name)
        except ValidationError as exc:
            problems = exc.messages
            for problem in problems:
                self.stdout.write(problem)
            self.stderr.write(f"{len(problems)} problems: nothing loaded")
            sys.exit(1)
        was = f" (replacing {loaded.replaced})" if loaded.replaced else ""
        self.stdout.write(
            f"{loaded.year}: {loaded.holidays} holidays, {loaded.workdays} make-up workdays loaded{was}"
        )
        for r in loaded.recounts:
            if r.changed or r.short:
                mark = f"  SHORT: needs {r.needed}" if r.short else ""
                self.stdout.write(f"  {r.label}: {r.before.count} → {r.after.count} working days{mark}")
        changed = sum(r.changed for r in loaded.recounts)
        self.stdout.write(
            f"{len(loaded.recounts)} open notices in {loaded.year} recounted, {changed} changed, "
            f"{len(loaded.short)} now short"
        )

    def _years(self) -> None:
        for y in calendar_years(today=timezone.localdate()):
            state = "official" if y.official else "provisional"
            source = f"  {y.source}" if y.source else "  the statutory holidays only"
            self.stdout.write(
                f"{y.year}  {state:<11} {len(y.holidays):>3} holidays  {len(y.workdays)} make-up{source}"
            )
