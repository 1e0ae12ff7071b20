from django.core.management.base import BaseCommand

from fazhan.interchange.uploads import UPLOAD_KEEP, import_uploads_purge


class Command(BaseCommand):
    help = (
        "Delete the content of uploaded import files whose import has ended, or that were uploaded more than "
        f"{UPLOAD_KEEP.days} day ago and never confirmed (run it daily; every upload runs it too)"
    )

    def handle(self, *args, **options):
        n = import_uploads_purge(actor=None)
        self.stdout.write(f"{n} uploaded file(s) deleted")
