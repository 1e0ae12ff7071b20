import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhan.auditlog.checkpoints import checkpoints_verify, signing_key_is_development
from fazhan.auditlog.selectors import trail_verify
from fazhan.backup.services import BackupError, backup_manifest, trail_since_backup


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain; exit 1 at the first broken link, naming the event's id. Then "
        "check every step record, case, person, form (every model registered with the trail) against the "
        "last digest the trail holds for it; exit 1 naming the first that does not match or that the trail "
        "does not hold. Every signed checkpoint in FAZHAN_CHECKPOINT_DIR is checked too (its signature, the "
        "event it names with that hash, the number of events up to it); exit 1 naming each that fails. "
        "--against BACKUP also checks that no event the backup holds has since been cut off "
        "the end."
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
        if signing_key_is_development():
            self.stderr.write(
                "Checkpoints are signed with the development key: set FAZHAN_TRAIL_SIGNING_KEY."
            )
        checkpoints, failed = checkpoints_verify()
        check = trail_verify(chunk_size=chunk_size, progress=lambda text: self.stderr.write(f"… {text}"))
        if failed:
            for problem in failed[1:]:
                self.stderr.write(f"also: {problem.message}")
            if check.broken is not None:
                self.stderr.write(f"also: the chain is broken at event #{check.broken.event_id}")
            more = len(failed) - 1
            raise CommandError(
                f"Trail not as signed: {failed[0].message}"
                + (f" (and {more} more checkpoint{'s' if more > 1 else ''})" if more else "")
                + f"; {checkpoints} checkpoints checked.",
                returncode=1,
            )
        if check.broken is not None:
            raise CommandError(
                f"Trail broken at event #{check.broken.event_id}: {check.broken.reason} "
                f"({check.count} events before it are intact).",
                returncode=1,
            )
        if check.problem_count:
            for record in check.problems[1:]:
                self.stderr.write(f"also: {record.text}")
            more = check.problem_count - 1
            raise CommandError(
                f"Record not as the trail holds it: {check.problems[0].text}"
                + (f" (and {more} more record{'s' if more > 1 else ''})" if more else "")
                + f". The chain of {check.count} events is intact.",
                returncode=1,
            )
        self.stdout.write(
            f"Trail intact: {check.count} events checked, {checkpoints} signed checkpoints hold, and "
            f"{check.records} records match it, in {time.monotonic() - started:.1f} s."
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
