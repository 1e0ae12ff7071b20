from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.organizations.models import Org
from fazhan.plans.stats import stats_build, stats_xlsx


class Command(BaseCommand):
    help = "The 党内统计 tables of an org and year: fazhan stats --org CODE --year Y --out F.xlsx"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="the org's code (its subtree is counted)")
        parser.add_argument("--year", required=True, help="the calendar year counted")
        parser.add_argument("--out", help="the .xlsx file to write (default: the table's Chinese name)")

    def handle(self, *args, org, year, out, **options):
        found = Org.objects.filter(code=org).first()
        if found is None:
            raise CommandError(f"--org: no org {org}")
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            raise CommandError(f"--year: {year} is not a year between 2000 and 2100")
        stats = stats_build(found, int(year), today=timezone.localdate())
        path = Path(out or stats.filename)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"--out: {path} must end in .xlsx")
        path.write_bytes(stats_xlsx(stats))
        counts = f"{stats.total(0)} admissions, {stats.total(2)} conversion decisions"
        self.stdout.write(f"{path}: {counts} ({found.code} {year})")
