from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.interchange.ledger import ledger_export_write
from fazhan.interchange.selectors import interchange_export_streamed, interchange_lines
from fazhan.organizations.models import Org


class Command(BaseCommand):
    help = "Write the complete record of a subtree: fazhan export FILE.jsonl|FILE.xlsx [--org CODE]"

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="FILE.jsonl (the record interchange format) or FILE.xlsx (the ledger)"
        )
        parser.add_argument("--org", default=None, help="org code of the subtree (default: everything)")

    def handle(self, *args, file: str, org: str | None = None, **options):
        root = None
        if org:
            root = Org.objects.filter(code=org).first()
            if root is None:
                raise CommandError(f"--org: no org with code {org!r}")
        path = Path(file)
        if path.suffix.lower() == ".xlsx":
            ledger_export_write(path, root=root)  # streamed: constant memory
            self.stderr.write(f"ledger written to {path}")
            return
        if path.suffix.lower() != ".jsonl":
            raise CommandError("FILE must end in .jsonl or .xlsx")
        counts: dict[str, int] = {}

        def counted(records):
            for record in records:
                counts[record["type"]] = counts.get(record["type"], 0) + 1
                yield record

        # Streamed: read in chunks and written as read, in constant memory at any size.
        with path.open("w", encoding="utf-8") as out:
            out.writelines(interchange_lines(counted(interchange_export_streamed(root=root))))
        self.stdout.write(" ".join(f"{k}: {v}" for k, v in counts.items()))
