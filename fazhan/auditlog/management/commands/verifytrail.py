import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.auditlog.selectors import trail_verify
from fazhan.backup.services import BackupError, backup_manifest, trail_since_backup


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain; exit 1 at the first broken link, naming the event's id. "
        "--against BACKUP also checks that no event the backup holds has since been cut off the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=5000)
        parser.add_argument("--against", metavar="BACKUP", help="a file written by fazhan backup")

    def handle(self, *args, chunk_size: int, against: str | None, **options):
        started = time.monotonic()
        manifest = None
        if against:
            try:
                manifest = backup_manifest(Path(against))
            except BackupError as error:
                raise CommandError(f"--against: {error}") from None
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
        if manifest is None:
            return
        since = trail_since_backup(manifest)
        if since is None:
            raise CommandError(
                f"The trail lacks the last event of the backup of {manifest['created']}: "
                "events were removed from its end since that backup.",
                returncode=1,
            )
        self.stdout.write(f"It holds every event of the backup of {manifest['created']}, and {since} since.")
