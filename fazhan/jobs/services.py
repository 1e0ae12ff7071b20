"""The writer of jobs on the request side: start one. The thread side (progress, done, failed) is runner's."""

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.auditlog.services import audit_record
from fazhan.jobs.models import ACTIVE_STATES, Job, JobKind, JobState
from fazhan.jobs.runner import job_launch
from fazhan.jobs.selectors import ERR_INTERRUPTED, job_as_now
from fazhan.organizations.models import Org


def job_key(*, actor, kind: str, org: Org, params: dict[str, Any]) -> str:
    """What makes two jobs the same work (Job.key)."""
    raw = json.dumps([kind, org.pk, getattr(actor, "pk", None), params], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def job_start(*, actor, kind: JobKind, org: Org, title: str, params: dict[str, Any]) -> Job:
    """Queue a job and start its thread once this transaction commits; the same work already queued or
    running (a second click) is that job, not another. The trail gets the start here; the work's own service
    records what it changed (inspection.run, interchange.import) when it is done."""
    key = job_key(actor=actor, kind=kind, org=org, params=params)
    if (same := _active(key)) is not None:
        return same
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, org=org, started_by=actor, title=title[:200], params=params, key=key
            )
    except IntegrityError:  # the same work queued meanwhile by a request beside this one
        if (same := _active(key)) is not None:
            return same
        raise
    audit_record(
        actor=actor, action="job.start", target=job, org=org, data={"kind": kind, "title": title, **params}
    )
    job_launch(job.pk)
    return job


def _active(key: str) -> Job | None:
    """The active job doing this work, if any. One whose process is gone (interrupted) is marked failed in its
    row, so the work can be started again."""
    job = Job.objects.select_for_update().filter(key=key, state__in=ACTIVE_STATES).first()
    if job is None or job_as_now(job).state in ACTIVE_STATES:
        return job
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error=_(ERR_INTERRUPTED), finished_at=timezone.now()
    )
    return None
