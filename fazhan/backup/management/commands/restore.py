from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.backup.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `fazhan backup` into an empty database (--force replaces a non-empty "
        "one), check every part against the manifest and the audit trail's chain afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="replace a database that is not empty")

    def handle(self, *args, file: Path, force: bool, **options):
        try:
            result = backup_restore(file, force=force)
        except BackupError as error:
            raise CommandError(str(error), returncode=1) from error
        self.stdout.write(
            f"Restored {file} (written {result.manifest['created']}); "
            f"trail intact: {result.trail_count} events."
        )
