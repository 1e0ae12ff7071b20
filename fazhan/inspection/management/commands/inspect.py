import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.inspection.run import inspect
from fazhan.inspection.services import inspection_run
from fazhan.organizations.models import Org


class Command(BaseCommand):
    help = "Every rule over every record of a subtree: findings on stdout, progress on stderr."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="org code of the subtree (default: the whole tree)")
        parser.add_argument(
            "--as-of", dest="as_of", help="judge the records as they stood that day (YYYY-MM-DD)"
        )
        parser.add_argument("--format", choices=("json", "text"), default="json")
        parser.add_argument("--save", action="store_true", help="also store the run and its findings")

    def progress(self, message: str) -> None:
        self.stderr.write(message)
        self.stderr.flush()

    def handle(self, *args, **options):
        root = None
        if options["org"]:
            root = Org.objects.filter(code=options["org"]).first()
            if root is None:
                raise CommandError(f"--org: no org with code {options['org']}")
        try:
            as_of = (
                datetime.date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
            )
        except ValueError:
            raise CommandError(f"--as-of: {options['as_of']} is not a date (YYYY-MM-DD)") from None
        result = inspect(root=root, as_of=as_of, progress=self.progress)
        if options["save"]:
            run = inspection_run(actor=None, org=root, as_of=as_of, result=result)
            self.progress(f"saved as run {run.pk}")
        if options["format"] == "json":
            self.stdout.write(json.dumps([i.as_json() for i in result.issues], ensure_ascii=False, indent=1))
            return
        for i in result.issues:
            self.stdout.write(f"{i.severity:5} {i.rule:16} {i.org:14} {i.person or '-':10} {i.message}")
        self.stdout.write(
            f"{len(result.issues)} findings in {result.cases} cases ({result.records} step records)"
        )
