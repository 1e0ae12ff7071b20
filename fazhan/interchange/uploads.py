"""How long an uploaded import file is kept: its content (clear ID numbers, and in every backup while it is
there) is deleted as soon as its import job has ended, written or failed, and a day after the upload if it
was never confirmed. The cleanup runs on every upload and as `fazhan purgeuploads` for the daily job."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fazhan.auditlog.services import audit_record
from fazhan.interchange.models import ImportUpload
from fazhan.jobs.models import ACTIVE_STATES, Job, JobKind
from fazhan.jobs.selectors import STALE_AFTER

# An upload never confirmed is kept this long for its preview and confirmation.
UPLOAD_KEEP = datetime.timedelta(days=1)


@transaction.atomic
def upload_content_delete(*, actor, upload: ImportUpload) -> None:
    """The stored file of an upload whose import ended: gone; its name, SHA-256 and dates stay."""
    deleted = ImportUpload.objects.filter(pk=upload.pk, content_deleted_at__isnull=True).update(
        content=b"", content_deleted_at=timezone.now()
    )
    if deleted:
        audit_record(actor=actor, action="interchange.uploads_purge", data={"uploads": [upload.pk]})


def _uploads_being_imported(now: datetime.datetime) -> set[int]:
    """Uploads an import job works on now (a job silent for STALE_AFTER ran in a process that is gone)."""
    jobs = Job.objects.filter(
        kind=JobKind.IMPORT, state__in=ACTIVE_STATES, progress_at__gte=now - STALE_AFTER
    )
    return {
        int(p["upload"]) for p in jobs.values_list("params", flat=True) if str(p.get("upload", "")).isdigit()
    }


@transaction.atomic
def import_uploads_purge(*, actor=None, now: datetime.datetime | None = None) -> int:
    """Delete the content of every upload that is imported, or older than UPLOAD_KEEP and not being imported
    right now; the number deleted (one trail event says how many, and which)."""
    now = now or timezone.now()
    due = ImportUpload.objects.filter(content_deleted_at__isnull=True).filter(
        Q(imported_at__isnull=False) | Q(uploaded_at__lte=now - UPLOAD_KEEP)
    )
    ids = sorted(set(due.values_list("pk", flat=True)) - _uploads_being_imported(now))
    if not ids:
        return 0
    ImportUpload.objects.filter(pk__in=ids).update(content=b"", content_deleted_at=now)
    audit_record(actor=actor, action="interchange.uploads_purge", data={"uploads": ids})
    return len(ids)
