"""Which jobs a user may see, and each as it stands now (live progress, interrupted)."""

import datetime
from functools import reduce

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_assignments
from fazhan.jobs.models import ACTIVE_STATES, Job, JobState
from fazhan.jobs.runner import STALE_AFTER, job_live

ERR_INTERRUPTED = "中断：运行该任务的服务进程已停止，任务没有完成，也没有写入任何结果。请重新发起。"
# Roles that follow the jobs of their whole subtree; anyone else sees the jobs they started.
OVERSEE_ROLES = frozenset(
    {Role.TOWNSHIP_ORGANIZER, Role.TOWNSHIP_APPROVER, Role.DISTRICT_REVIEWER, Role.INSPECTOR}
)


def job_list_for_user(user) -> QuerySet[Job]:
    """The jobs the user started inside their subtrees, and every job in the subtrees they oversee."""
    paths = [a.org.path for a in user_assignments(user)]
    overseen = [a.org.path for a in user_assignments(user) if a.role in OVERSEE_ROLES]
    own = Q(started_by=user.pk) & _under(paths)
    return (
        Job.objects.filter(own | _under(overseen))
        .select_related("org", "started_by")
        .order_by("-created_at", "-pk")
    )


def _under(paths: list[str]) -> Q:
    return reduce(lambda acc, p: acc | Q(org__path__startswith=p), paths, Q(pk__in=[]))


def job_get_for_user(user, pk: int) -> Job:
    return job_as_now(get_object_or_404(job_list_for_user(user), pk=pk))


def job_as_now(job: Job, *, now: datetime.datetime | None = None) -> Job:
    """The job as it stands: the live progress of a job running in this process (its row may lag behind
    while the work holds the database), and an active job nothing has heard from in STALE_AFTER shown as
    interrupted. Changes the instance in memory only."""
    if job.state not in ACTIVE_STATES:
        return job
    live = job_live(job.pk)
    if live is not None:
        if live.version:
            job.message, job.done, job.total = live.message, live.done, live.total
        return job
    if job.state == JobState.QUEUED and settings.FAZHAN_JOBS == "queue":
        return job  # waiting for the worker, which may be busy with a long job ahead of it
    if job.progress_at < (now or timezone.now()) - STALE_AFTER:
        job.state, job.error = JobState.FAILED, _(ERR_INTERRUPTED)
    return job


def job_recent_for_user(user, *, limit: int = 50) -> list[Job]:
    now = timezone.now()
    return [job_as_now(job, now=now) for job in job_list_for_user(user)[:limit]]
