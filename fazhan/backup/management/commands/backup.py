from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.backup.services import BackupError, backup_write


class Command(BaseCommand):
    help = "Write a backup (database snapshot, stored files, manifest with SHA-256) to FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            manifest = backup_write(file)
        except BackupError as error:
            raise CommandError(str(error), returncode=1) from error
        self.stdout.write(
            f"Backup written to {file}: {manifest['engine']} database, "
            f"{manifest['media']['files']} stored files."
        )
