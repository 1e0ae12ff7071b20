import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.inspection.run import Phase, Progress, inspect
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

    def progress(self, p: Progress) -> None:
        self.say(in_english(p))

    def say(self, message: str) -> None:
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
            self.say(f"saved as run {run.pk}")
        if options["format"] == "json":
            self.stdout.write(json.dumps([i.as_json() for i in result.issues], ensure_ascii=False, indent=1))
            return
        for i in result.issues:
            self.stdout.write(f"{i.severity:5} {i.rule:16} {i.org:14} {i.person or '-':10} {i.message}")
        self.stdout.write(
            f"{len(result.issues)} findings in {result.cases} cases ({result.records} step records)"
        )


def in_english(p: Progress) -> str:
    """A run's progress as the command line says it on stderr."""
    if p.phase == Phase.LOAD:
        return f"loading records as of {p.as_of.isoformat()} …"
    if p.phase == Phase.SCREEN:
        return f"{p.cases} cases, {p.records} step records; screening …"
    if p.phase == Phase.JUDGE:
        if not p.done:
            return f"{p.cases} cases, {p.records} step records; judging {p.total} cases …"
        workers = f" on {p.workers} workers" if p.workers > 1 else ""
        return f"  {p.done}/{p.total} cases judged{workers}"
    if p.phase == Phase.ORG:
        return "the org-level rules over the tree …"
    return f"{p.findings} findings"
