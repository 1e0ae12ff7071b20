import time

from django.core.management.base import BaseCommand, CommandError

from fazhan.auditlog.selectors import trail_verify


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain; exit 1 at the first broken link, naming the event's id."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args, chunk_size: int, **options):
        started = time.monotonic()
        check = trail_verify(
            chunk_size=chunk_size, progress=lambda n: self.stderr.write(f"… {n} events checked")
        )
        if check.broken is not None:
            raise CommandError(
                f"Trail broken at event #{check.broken.event_id}: {check.broken.reason} "
                f"({check.count} events before it are intact).",
                returncode=1,
            )
        self.stdout.write(
            f"Trail intact: {check.count} events checked in {time.monotonic() - started:.1f} s."
        )
