import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.interchange.files import path_sources
from fazhan.interchange.reader import where_text
from fazhan.interchange.services import ImportReport, interchange_check, interchange_import


class Command(BaseCommand):
    help = (
        "Import a whole file or nothing: fazhan import FILE.jsonl|FILE.xlsx|.xls|.et|.ods. Exit 0 with the "
        "counts and what "
        "changed, or exit 1 with every problem as `line N: field: reason`. --dry-run writes nothing and also "
        "lists the findings the file's records would raise."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help="FILE.jsonl (the record interchange format) or a workbook, .xlsx, .xls, .et or .ods "
            "(the ledger or a roster)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check and show what would change, and what the rules would find, without writing",
        )

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        parsed = path_sources(path)
        progress(f"read {len(parsed.sources)} records")
        if dry_run:
            report, _plan = interchange_check(
                parsed.sources, parsed.problems, notes=parsed.notes, judge=True, progress=progress
            )
        else:
            report = interchange_import(
                actor=None,
                sources=parsed.sources,
                problems=parsed.problems,
                notes=parsed.notes,
                filename=path.name,
                progress=progress,
            )
        if not report.ok:
            for problem in report.problems:
                self.stdout.write(str(problem))
            self.stderr.write(f"{len(report.problems)} problems: nothing imported")
            sys.exit(1)
        self.write_report(report, dry_run=dry_run)

    def write_report(self, report: ImportReport, *, dry_run: bool) -> None:
        for kind, c in report.counts.items():
            self.stdout.write(f"{kind}: created {c['create']}, updated {c['update']}, unchanged {c['same']}")
        for change in report.changes:
            self.stdout.write(str(change))
        for note in report.notes:
            self.stdout.write(f"说明：{note}")
        if not dry_run:
            return
        for change in report.created:
            self.stdout.write(str(change))
        for f in report.findings:
            self.stdout.write(f"finding: {f.rule} {f.severity} ×{f.count}: {f.title}")
            for line, unit, who, message in f.places:
                self.stdout.write(f"  {where_text(unit, line)}: {who} {message}")
            if f.more:
                self.stdout.write(f"  … {f.more} more")
        self.stdout.write("dry run: nothing was written")
