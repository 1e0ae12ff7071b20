from django.core.management.base import BaseCommand, CommandError

from fazhan.auditlog.checkpoints import checkpoint_write, signing_key_is_development


class Command(BaseCommand):
    help = (
        "Sign the audit trail's head (last event, its hash and time, the number of events) into a checkpoint "
        "file in FAZHAN_CHECKPOINT_DIR, and POST it to FAZHAN_CHECKPOINT_URL when set. For a daily job."
    )

    def handle(self, *args, **options):
        written = checkpoint_write("daily")
        if written is None:
            self.stdout.write("The trail is empty: no checkpoint written.")
            return
        c = written.checkpoint
        self.stdout.write(
            f"Checkpoint of event #{c['event_id']} ({c['count']} events) written to {written.path}."
        )
        if signing_key_is_development():
            self.stderr.write("Signed with the development key: set FAZHAN_TRAIL_SIGNING_KEY in production.")
        if written.sent is not None:
            self.stdout.write(f"The district's copy: {written.sent}.")
            if written.sent.startswith("NOT"):
                raise CommandError(f"The checkpoint was written but not sent: {written.sent}", returncode=1)
