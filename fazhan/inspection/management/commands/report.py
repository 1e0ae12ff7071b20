import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.inspection.models import InspectionRun
from fazhan.inspection.report import REPORT_FORMATS, REPORT_SINCE, report_build, report_file


class Command(BaseCommand):
    help = "The self-inspection report (自查报告) of a saved run as PDF or DOCX: fazhan report RUN --out FILE"

    def add_arguments(self, parser):
        parser.add_argument("run", type=int, help="the run's number (fazhan inspect --save prints it)")
        parser.add_argument("--out", required=True, help="the file to write (.pdf or .docx)")
        parser.add_argument(
            "--format", choices=REPORT_FORMATS, help="default: from the file's ending, else pdf"
        )
        parser.add_argument(
            "--since",
            help=f"the first day of the period inspected (default {REPORT_SINCE}, procedure.md G)",
        )

    def handle(self, *args, run, out, format, since, **options):
        found = InspectionRun.objects.select_related("org").filter(pk=run).first()
        if found is None:
            raise CommandError(f"run: no inspection run {run}")
        try:
            first = datetime.date.fromisoformat(since) if since else REPORT_SINCE
        except ValueError:
            raise CommandError(f"--since: {since} is not a date (YYYY-MM-DD)") from None
        path = Path(out)
        fmt = format or (
            path.suffix.lstrip(".").lower() if path.suffix.lower() in (".pdf", ".docx") else "pdf"
        )
        report = report_build(found, user=None, since=first)
        self.stderr.write(f"{len(report.findings)} findings; writing {fmt} …")
        _name, content = report_file(report, fmt, progress=self.stderr.write)
        path.write_bytes(content)
        self.stderr.write(f"{path}: {len(content)} bytes")
