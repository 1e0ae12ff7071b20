"""The writers of the self-inspection task (2018 notice 七): the district sets it for every township, each
township prepares its report (an inspection run over its subtree for the task's period and its own two
texts) and hands it in (上报), the district may return a report with its reason, and the township prepares
and hands it in again. Every move is declared in ASSIGNMENT_MOVES, checked in one place, written with its
audit event in the same transaction."""

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.inspection.report import REPORT_SINCE, report_build, report_docx
from fazhan.inspection.services import REPORT_TEXT_MAX, inspection_run, run_report_text_save
from fazhan.organizations.models import Org, OrgCategory, OrgKind
from fazhan.selfcheck.checks import default_due
from fazhan.selfcheck.models import AssignmentStatus, SelfCheckAssignment, SelfCheckSubmission, SelfCheckTask

S = AssignmentStatus
# A township's part of the task, declared (style.md: a dict of allowed moves per status field): for each
# status, the actions that may leave it and the status each leads to. A returned report is prepared again
# (a new run sees the corrections made since) before it is handed in again; a handed-in one waits for the
# district.
ASSIGNMENT_MOVES: dict[str, dict[str, str]] = {
    S.NOT_STARTED: {"prepare": S.PREPARED},
    S.PREPARED: {"prepare": S.PREPARED, "hand_in": S.HANDED_IN},
    S.HANDED_IN: {"return": S.RETURNED},
    S.RETURNED: {"prepare": S.PREPARED},
}
# Who takes each move: the township's organizer prepares and hands in (it starts the run); the district's
# reviewer sets the task and returns a report.
TASK_ROLES = frozenset({"district_reviewer"})
ASSIGNMENT_ACTORS: dict[str, frozenset[str]] = {
    "prepare": frozenset({"township_organizer"}),
    "hand_in": frozenset({"township_organizer"}),
    "return": TASK_ROLES,
}
ACTION_LABELS = {"prepare": "准备自查报告", "hand_in": "上报", "return": "退回"}
TITLE_MAX = 120

ERR_TASK_ROLE = "只有区委组织部审核人可以布置自查任务。"
ERR_DISTRICT = "自查任务由区委布置，请选择区委。"
ERR_NO_TOWNSHIP = "该区委下没有乡镇党委，无法布置自查任务。"
ERR_TITLE = "请填写任务名称（不超过 %(n)d 字）。"
ERR_PERIOD = "自查期间的起始日不能晚于截止日。"
ERR_PERIOD_DUE = "自查期间的截止日不能晚于上报截止日期。"
ERR_ROLE = {
    "prepare": "只有本乡镇党委的组织委员可以准备自查报告。",
    "hand_in": "只有本乡镇党委的组织委员可以上报自查报告。",
    "return": "只有布置任务的区委组织部审核人可以退回自查报告。",
}
ERR_MOVE = "该乡镇自查现为“%(s)s”，不能%(a)s。"
ERR_SUMMARY = "请填写自查情况。"
ERR_RECTIFICATION = "请填写整改措施和下一步打算。"
ERR_LONG = "不能超过 %(n)d 字（现 %(m)d 字）。"
ERR_REASON = "请填写退回理由。"


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


def task_townships(district: Org) -> list[Org]:
    """The townships a district's task goes to: the township committees (乡镇党委) under it."""
    return list(
        Org.objects.filter(
            path__startswith=district.path, kind=OrgKind.COMMITTEE, category=OrgCategory.TOWNSHIP
        ).order_by("path")
    )


@transaction.atomic
def selfcheck_task_create(
    *,
    actor,
    district: Org,
    title: str,
    period_from: datetime.date | None = None,
    period_to: datetime.date | None = None,
    due_on: datetime.date | None = None,
) -> SelfCheckTask:
    """Set the task for every township under `district`, one assignment each. The period starts by default on
    2017-01-01 (the notice's 2017年以来), the due date is by default 31 August of this year (8月底前), and the
    period ends by default on the due date."""
    if district.kind != OrgKind.DISTRICT_COMMITTEE:
        raise ValidationError({"district": _(ERR_DISTRICT)})
    if actor is not None and not user_roles_at(actor, district) & TASK_ROLES:
        raise PermissionDenied(_(ERR_TASK_ROLE))
    title = (title or "").strip()
    due_on = due_on or default_due(timezone.localdate().year)
    period_from = period_from or REPORT_SINCE
    period_to = period_to or due_on
    errors = {}
    if not title or len(title) > TITLE_MAX:
        errors["title"] = _(ERR_TITLE) % {"n": TITLE_MAX}
    if period_from > period_to:
        errors["period_from"] = _(ERR_PERIOD)
    elif period_to > due_on:
        errors["period_to"] = _(ERR_PERIOD_DUE)
    if errors:
        raise ValidationError(errors)
    townships = task_townships(district)
    if not townships:
        raise ValidationError({"district": _(ERR_NO_TOWNSHIP)})
    task = SelfCheckTask.objects.create(
        district=district,
        title=title,
        period_from=period_from,
        period_to=period_to,
        due_on=due_on,
        created_by=_actor(actor),
    )
    made = SelfCheckAssignment.objects.bulk_create(
        [SelfCheckAssignment(task=task, township=t) for t in townships]
    )
    audit_record(
        actor=actor,
        action="selfcheck.task_create",
        target=task,
        org=district,
        data={
            "title": title,
            "period_from": period_from.isoformat(),
            "period_to": period_to.isoformat(),
            "due_on": due_on.isoformat(),
            "townships": [t.code for t in townships],
        },
        seal=made,
    )
    return task


def assignment_actions(user, assignment: SelfCheckAssignment) -> list[str]:
    """The moves `user` may make on `assignment` now, in ASSIGNMENT_MOVES' order (the pages offer only
    these)."""
    org = assignment.task.district if assignment.status == S.HANDED_IN else assignment.township
    roles = user_roles_at(user, org)
    return [a for a in ASSIGNMENT_MOVES[assignment.status] if roles & ASSIGNMENT_ACTORS[a]]


def _locked(assignment: SelfCheckAssignment) -> SelfCheckAssignment:
    return (
        SelfCheckAssignment.objects.select_for_update(of=("self",))
        .select_related("task__district", "township", "run")
        .get(pk=assignment.pk)
    )


def _check_move(actor, assignment: SelfCheckAssignment, action: str) -> None:
    """The one check of a move: the actor holds one of ASSIGNMENT_ACTORS' roles on the org that makes it (the
    township, or the task's district for a return), and ASSIGNMENT_MOVES allows it from the status."""
    org = assignment.task.district if action == "return" else assignment.township
    if actor is not None and not user_roles_at(actor, org) & ASSIGNMENT_ACTORS[action]:
        raise PermissionDenied(_(ERR_ROLE[action]))
    if action not in ASSIGNMENT_MOVES[assignment.status]:
        label = AssignmentStatus(assignment.status).label
        raise ValidationError({"status": _(ERR_MOVE) % {"s": label, "a": _(ACTION_LABELS[action])}})


def _texts(summary: str, rectification: str) -> tuple[str, str]:
    summary, rectification = (summary or "").strip(), (rectification or "").strip()
    errors = {}
    for name, text, empty in (
        ("summary", summary, ERR_SUMMARY),
        ("rectification", rectification, ERR_RECTIFICATION),
    ):
        if not text:
            errors[name] = _(empty)
        elif len(text) > REPORT_TEXT_MAX:
            errors[name] = _(ERR_LONG) % {"n": REPORT_TEXT_MAX, "m": len(text)}
    if errors:
        raise ValidationError(errors)
    return summary, rectification


def _moved(
    *, actor, assignment: SelfCheckAssignment, action: str, data: dict, seal: tuple = ()
) -> SelfCheckAssignment:
    """The assignment moved, in the trail; `seal`, the submission the move wrote (handed in, returned), is
    sealed by the same event, so `fazhan verifytrail` finds a report swapped behind the application's back."""
    assignment.status = ASSIGNMENT_MOVES[assignment.status][action]
    assignment.save()
    audit_record(
        actor=actor,
        action=f"selfcheck.{action}",
        target=assignment,
        org=assignment.township,
        data={"task": assignment.task_id, "status": assignment.status, **data},
        seal=seal,
    )
    return assignment


@transaction.atomic
def assignment_prepare(
    *, actor, assignment: SelfCheckAssignment, summary: str, rectification: str
) -> SelfCheckAssignment:
    """Prepare the township's report: run every rule over its subtree as the record stands on the period's
    last day (today, if that has not come: a run that tracks rectification), and keep its texts with the run
    (the report prints them as 二、主要做法 and 五、下一步打算). Prepared again, it runs again."""
    assignment = _locked(assignment)
    _check_move(actor, assignment, "prepare")
    summary, rectification = _texts(summary, rectification)
    task = assignment.task
    as_of = min(task.period_to, timezone.localdate())
    run = inspection_run(actor=actor, org=assignment.township, as_of=as_of)
    run_report_text_save(actor=actor, run=run, practice=summary, next_steps=rectification)
    assignment.run = run
    assignment.summary, assignment.rectification = summary, rectification
    assignment.prepared_at, assignment.prepared_by = timezone.now(), _actor(actor)
    return _moved(
        actor=actor, assignment=assignment, action="prepare", data={"run": run.pk, "as_of": as_of.isoformat()}
    )


def submission_filename(assignment: SelfCheckAssignment) -> str:
    return f"{assignment.township.name}自查报告（{assignment.task.title}）.docx"


@transaction.atomic
def assignment_hand_in(*, actor, assignment: SelfCheckAssignment) -> SelfCheckSubmission:
    """Hand the prepared report in (上报): the 自查报告 of the prepared run over the task's period, laid out
    as DOCX now and kept as it is, dated and signed by who handed it in."""
    assignment = _locked(assignment)
    _check_move(actor, assignment, "hand_in")
    run = assignment.run
    assert run is not None  # a prepared assignment has its run (assignment_prepare)
    report = report_build(run, user=actor, since=assignment.task.period_from)
    content = report_docx(report)
    now = timezone.now()
    submission = SelfCheckSubmission.objects.create(
        assignment=assignment,
        run=run,
        handed_in_at=now,
        handed_in_on=timezone.localdate(now),
        handed_in_by=_actor(actor),
        summary=assignment.summary,
        rectification=assignment.rectification,
        findings=len(report.findings),
        filename=submission_filename(assignment),
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    _moved(
        actor=actor,
        assignment=assignment,
        action="hand_in",
        data={"submission": submission.pk, "sha256": submission.sha256, "findings": submission.findings},
        seal=(submission,),
    )
    return submission


@transaction.atomic
def assignment_return(*, actor, assignment: SelfCheckAssignment, reason: str) -> SelfCheckSubmission:
    """The district returns the report handed in, with its reason; the township prepares it again."""
    assignment = _locked(assignment)
    _check_move(actor, assignment, "return")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(ERR_REASON)})
    if len(reason) > REPORT_TEXT_MAX:
        raise ValidationError({"reason": _(ERR_LONG) % {"n": REPORT_TEXT_MAX, "m": len(reason)}})
    submission = assignment.submissions.select_for_update().order_by("-handed_in_at", "-id").first()
    assert submission is not None  # a handed-in assignment has its submission (assignment_hand_in)
    submission.returned_at, submission.returned_by = timezone.now(), _actor(actor)
    submission.return_reason = reason
    submission.save(update_fields=["returned_at", "returned_by", "return_reason"])
    _moved(
        actor=actor,
        assignment=assignment,
        action="return",
        data={"submission": submission.pk, "reason": reason},
        seal=(submission,),
    )
    return submission
