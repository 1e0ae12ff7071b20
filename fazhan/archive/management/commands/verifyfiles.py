from django.core.management.base import BaseCommand, CommandError

from fazhan.archive.blobs import blob_intact, blob_path
from fazhan.archive.models import Attachment


class Command(BaseCommand):
    help = (
        "Re-hash every attached file on disk against its SHA-256: fazhan verifyfiles (exit 1 on any problem)"
    )

    def handle(self, *args, **options):
        hashes = sorted(set(Attachment.objects.values_list("sha256", flat=True)))
        problems = 0
        for sha256 in hashes:
            intact = blob_intact(sha256)
            if intact is not True:
                problems += 1
                state = "missing" if intact is None else "changed"
                self.stdout.write(f"{state}: {blob_path(sha256)}")
        if problems:
            raise CommandError(f"{problems} of {len(hashes)} files missing or changed")
        self.stdout.write(f"{len(hashes)} files intact")
