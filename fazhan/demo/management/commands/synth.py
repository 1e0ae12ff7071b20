import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.demo.synth import PROVINCE_DISTRICTS, SCALES, synth_build, synth_province
from fazhan.organizations.models import Org


class Command(BaseCommand):
    help = "Write a realistic township or district with planted violations into the database (and a file)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=[*sorted(SCALES), "province"], default="township")
        parser.add_argument(
            "--districts",
            type=int,
            default=PROVINCE_DISTRICTS,
            help=f"--scale province: the number of districts (default {PROVINCE_DISTRICTS})",
        )
        parser.add_argument("--out", help="also write the records as an interchange file (JSON Lines)")
        parser.add_argument("--seed", type=int, default=2018)
        parser.add_argument("--cases", type=int, help="number of candidates (default: the scale's)")
        parser.add_argument("--today", help="the as-of date the records are dated against (YYYY-MM-DD)")

    def handle(self, *args, **options):
        if Org.objects.filter(code="SZQ").exists():
            raise CommandError("the database already holds org SZQ: synth writes into an empty database")
        today = datetime.date.fromisoformat(options["today"]) if options["today"] else None
        out = Path(options["out"]) if options["out"] else None
        if options["scale"] == "province":
            synth = self._province(options, today, out)
        else:
            synth = synth_build(
                scale=options["scale"], today=today, seed=options["seed"], cases=options["cases"], out=out
            )
        for key, value in synth.counts.items():
            self.stderr.write(f"{key}: {value}")
        self.stderr.write(f"planted violations: {len(synth.planted)}")
        for p in synth.planted:
            self.stdout.write(f"{p.rule}\t{p.org}\t{p.person or '-'}")

    def _province(self, options, today, out):
        if out is not None:
            raise CommandError(
                "--out is for a township or a district: export a province with `fazhan export`"
            )
        if Org.objects.exists():
            raise CommandError("synth --scale province writes into an empty database: this one holds orgs")
        try:
            return synth_province(
                districts=options["districts"],
                today=today,
                seed=options["seed"],
                cases=options["cases"],
                progress=lambda n, counts: self.stderr.write(
                    f"district {n}/{options['districts']}: {counts['cases']} cases, {counts['steps']} steps"
                ),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
