"""The inspection run as a background job (jobs.runner): the page starts it, a thread of the web process runs
every rule (run.inspect, outside any transaction, as `fazhan inspect` does) and keeps the findings in one
short transaction (services.inspection_run), saying how far it got in Chinese."""

import datetime
import re

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.inspection.run import inspect
from fazhan.inspection.services import ERR_RUN_ROLE, RUN_ROLES, inspection_run
from fazhan.jobs.models import Job, JobKind
from fazhan.jobs.runner import Outcome, Report
from fazhan.jobs.services import job_start
from fazhan.organizations.models import Org

# run.inspect reports its progress in English for the command line; the job page says it in Chinese. A
# message not listed here is shown as it is.
SAID: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"loading records as of ([\d-]+)"), "正在读取截至 {0} 的档案…"),
    (re.compile(r"(\d+) cases, (\d+) step records; screening"), "共 {0} 份档案、{1} 条步骤记录；正在筛查…"),
    (re.compile(r"judging (\d+) cases"), "正在逐份判定 {0} 份档案…"),
    (re.compile(r"(\d+)/(\d+) cases"), "已判定 {0}/{1} 份档案"),
    (re.compile(r"^(\d+) findings"), "共发现 {0} 个问题，正在保存…"),
]
COUNTED = re.compile(r"(\d+)/(\d+) cases")


def inspection_run_start(*, actor, org: Org, as_of: datetime.date) -> Job:
    """Queue a run over `org`'s subtree; refused at once to a role that may not inspect it."""
    if not user_roles_at(actor, org) & RUN_ROLES:
        raise PermissionDenied(_(ERR_RUN_ROLE))
    return job_start(
        actor=actor,
        kind=JobKind.INSPECTION,
        org=org,
        title=_("检查 %(org)s（基准日 %(day)s）") % {"org": org.name, "day": as_of.isoformat()},
        params={"org": org.pk, "as_of": as_of.isoformat()},
    )


def inspection_job_work(job: Job, report: Report) -> Outcome:
    as_of = datetime.date.fromisoformat(job.params["as_of"])
    org = Org.objects.get(pk=job.params["org"])
    result = inspect(root=org, as_of=as_of, progress=lambda message: inspection_progress_say(report, message))
    run = inspection_run(actor=job.started_by, org=org, as_of=as_of, result=result)
    return Outcome(
        _("共发现 %(found)d 个问题（新发现 %(opened)d 个，关闭 %(closed)d 个）。")
        % {"found": run.found, "opened": run.opened, "closed": run.closed},
        url=reverse("inspection:run", args=[run.pk]),
    )


def inspection_progress_say(report: Report, message: str) -> None:
    counted = COUNTED.search(message)
    done, total = (int(counted[1]), int(counted[2])) if counted else (None, None)
    for pattern, text in SAID:
        if found := pattern.search(message):
            report(_(text).format(*found.groups()), done, total)
            return
    report(message.strip(), done, total)
