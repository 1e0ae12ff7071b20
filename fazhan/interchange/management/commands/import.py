import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.interchange.ledger import ledger_sources
from fazhan.interchange.reader import jsonl_sources
from fazhan.interchange.services import interchange_import


class Command(BaseCommand):
    help = (
        "Import a whole file or nothing: fazhan import FILE.jsonl|FILE.xlsx. Exit 0 with the counts, or "
        "exit 1 with every problem as `line N: field: reason`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="FILE.jsonl (the record interchange format) or FILE.xlsx (the ledger)"
        )

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        if path.suffix.lower() == ".xlsx":
            sources, problems = ledger_sources(path.read_bytes())
        else:
            with path.open(encoding="utf-8", errors="replace") as lines:
                sources, problems = jsonl_sources(lines)
        progress(f"read {len(sources)} records")
        report = interchange_import(
            actor=None, sources=sources, problems=problems, filename=path.name, progress=progress
        )
        if not report.ok:
            for problem in report.problems:
                self.stdout.write(str(problem))
            self.stderr.write(f"{len(report.problems)} problems: nothing imported")
            sys.exit(1)
        for kind, c in report.counts.items():
            self.stdout.write(f"{kind}: created {c['create']}, updated {c['update']}, unchanged {c['same']}")
