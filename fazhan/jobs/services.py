"""The writer of jobs on the request side: start one. The thread side (progress, done, failed) is runner's."""

from typing import Any

from django.db import transaction

from fazhan.auditlog.services import audit_record
from fazhan.jobs.models import Job, JobKind
from fazhan.jobs.runner import job_launch
from fazhan.organizations.models import Org


@transaction.atomic
def job_start(*, actor, kind: JobKind, org: Org, title: str, params: dict[str, Any]) -> Job:
    """Queue a job and start its thread once this transaction commits. The trail gets the start here; the
    work's own service records what it changed (inspection.run, interchange.import) when it is done."""
    job = Job.objects.create(kind=kind, org=org, started_by=actor, title=title[:200], params=params)
    audit_record(
        actor=actor, action="job.start", target=job, org=org, data={"kind": kind, "title": title, **params}
    )
    job_launch(job.pk)
    return job
