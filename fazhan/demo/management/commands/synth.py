import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.demo.synth import SCALES, synth_build
from fazhan.organizations.models import Org


class Command(BaseCommand):
    help = "Write a realistic township or district with planted violations into the database (and a file)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="township")
        parser.add_argument("--out", help="also write the records as an interchange file (JSON Lines)")
        parser.add_argument("--seed", type=int, default=2018)
        parser.add_argument("--cases", type=int, help="number of candidates (default: the scale's)")
        parser.add_argument("--today", help="the as-of date the records are dated against (YYYY-MM-DD)")

    def handle(self, *args, **options):
        if Org.objects.filter(code="SZQ").exists():
            raise CommandError("the database already holds org SZQ: synth writes into an empty database")
        today = datetime.date.fromisoformat(options["today"]) if options["today"] else None
        out = Path(options["out"]) if options["out"] else None
        synth = synth_build(
            scale=options["scale"], today=today, seed=options["seed"], cases=options["cases"], out=out
        )
        for key, value in synth.counts.items():
            self.stderr.write(f"{key}: {value}")
        self.stderr.write(f"planted violations: {len(synth.planted)}")
        for p in synth.planted:
            self.stdout.write(f"{p.rule}\t{p.org}\t{p.person or '-'}")
