"""The inspection's long jobs (jobs.runner), each started from its page and run on a thread of the web
process, saying how far it got in Chinese:
- the run: every rule (run.inspect, outside any transaction, as `fazhan inspect` does), its findings kept in
  one short transaction (services.inspection_run);
- the self-inspection report of a run as a PDF or DOCX (report.report_file; a district's PDF is some two
  hundred pages), kept on the job for download."""

import datetime
from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.inspection.models import InspectionRun
from fazhan.inspection.report import REPORT_FORMATS, report_build, report_file
from fazhan.inspection.run import Phase, Progress, inspect
from fazhan.inspection.selectors import run_list_for_user
from fazhan.inspection.services import ERR_RUN_ROLE, RUN_ROLES, inspection_run
from fazhan.jobs.models import Job, JobKind
from fazhan.jobs.runner import JobFailed, Outcome, Report
from fazhan.jobs.services import job_start
from fazhan.organizations.models import Org

# What the job page says as each phase of a run begins (run.Progress); JUDGE has its count.
SAID: dict[Phase, str] = {
    Phase.LOAD: "正在读取截至 %(as_of)s 的档案…",
    Phase.SCREEN: "共 %(cases)d 份档案、%(records)d 条步骤记录；正在筛查…",
    Phase.JUDGE: "已判定 %(done)d/%(total)d 份档案",
    Phase.ORG: "正在按党组织核查计划、梯次比例和储备…",
    Phase.DONE: "共发现 %(findings)d 个问题，正在保存…",
}
ERR_FORMAT = "报告格式只能是 PDF 或 DOCX。"
ERR_RUN_GONE = "这次检查已不在您的范围内，报告没有生成。"


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
    result = inspect(root=org, as_of=as_of, progress=lambda p: inspection_progress_say(report, p))
    run = inspection_run(actor=job.started_by, org=org, as_of=as_of, result=result)
    return Outcome(
        _("共发现 %(found)d 个问题（新发现 %(opened)d 个，关闭 %(closed)d 个）。")
        % {"found": run.found, "opened": run.opened, "closed": run.closed},
        url=reverse("inspection:run", args=[run.pk]),
    )


def inspection_progress_say(report: Report, p: Progress) -> None:
    """The run's progress in Chinese on the job's row, with the count of cases judged for the bar."""
    report(_(SAID[p.phase]) % asdict(p), p.done, p.total)


def report_start(*, actor, run: InspectionRun, fmt: str, since: datetime.date) -> Job:
    """Queue the self-inspection report of a run the user may read (run_get_for_user), as they see it."""
    if fmt not in REPORT_FORMATS:
        raise ValidationError({"format": _(ERR_FORMAT)})
    return job_start(
        actor=actor,
        kind=JobKind.REPORT,
        org=run.org,
        title=_("自查报告 %(org)s（基准日 %(day)s，%(fmt)s）")
        % {"org": run.org.name, "day": run.as_of.isoformat(), "fmt": fmt.upper()},
        params={"run": run.pk, "format": fmt, "since": since.isoformat()},
    )


def report_job_work(job: Job, report: Report) -> Outcome:
    run = run_list_for_user(job.started_by).filter(pk=job.params["run"]).first()
    if run is None:
        raise JobFailed(_(ERR_RUN_GONE), url=reverse("inspection:index"))
    report(_("正在汇总问题…"))
    built = report_build(run, user=job.started_by, since=datetime.date.fromisoformat(job.params["since"]))
    report(_("正在排版报告：共 %(n)d 个问题…") % {"n": len(built.findings)})
    name, content = report_file(built, job.params["format"], progress=report)
    return Outcome(
        _("自查报告已生成：%(n)d 个问题。") % {"n": len(built.findings)},
        url=reverse("inspection:run", args=[run.pk]),
        file=(name, content),
    )
