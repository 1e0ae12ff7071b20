"""Inspection runs and their findings, and the rectification moves (explain, correct, assign, verify): read
through the inspection's scoped selectors, moved through its transition services (inspection.services
FINDING_MOVES: a move the finding's status or the user's role does not allow is refused there, 422 at
`status` naming the move, or 403), exactly as the pages do."""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from fazhan.accounts.models import User
from fazhan.api.cases import record_one
from fazhan.api.schemas import (
    KEY_PATTERN,
    MAX_ID,
    ORG_CODE_PATTERN,
    CorrectionIn,
    Reason,
    StepRecordOut,
    responses,
)
from fazhan.inspection.models import Finding, FindingStatus, InspectionRun
from fazhan.inspection.selectors import (
    finding_get_for_user,
    run_findings,
    run_get_for_user,
    run_list_for_user,
)
from fazhan.inspection.services import (
    finding_actions,
    finding_assign,
    finding_correct,
    finding_explain,
    finding_verify,
)
from fazhan.procedure.definition import RULES_BY_ID, SEVERITY_RANK

router = Router(tags=["inspection"])

ERR_ASSIGNEE = "没有该用户，或其账号已停用。"
Note = Field("", max_length=500, pattern=r"^[^\x00]*$")


class RunOut(Schema):
    id: int
    org: str
    org_name: str
    as_of: datetime.date = Field(description="检查基准日")
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    started_by: str | None
    tracks: bool = Field(description="是否用于整改跟踪（基准日为当天）；历史基准日的检查只作留存")
    cases: int
    records: int
    found: int
    opened: int
    closed: int


class RunPage(Schema):
    count: int
    items: list[RunOut]


class FindingOut(Schema):
    id: int
    rule: str
    rule_title: str
    severity: str
    org: str
    org_name: str
    person: str | None = Field(None, description="人员编号")
    step: str | None
    record: int | None = Field(None, description="问题针对的步骤记录")
    message: str
    evidence: dict[str, Any]
    status: str
    status_label: str
    assignee: str | None
    explanation: str
    correction: int | None = Field(None, description="为整改录入的更正记录")
    first_run: int
    last_run: int
    closed_run: int | None


class FindingPage(Schema):
    count: int
    items: list[FindingOut]


class FindingEventOut(Schema):
    at: datetime.datetime
    action: str
    actor: str | None
    note: str
    run: int | None


class FindingDetail(FindingOut):
    actions: list[str] = Field(description="您现在可以进行的整改操作（assign、explain、correct、verify）")
    events: list[FindingEventOut]


class AssignIn(Schema):
    assignee: str = Field(min_length=1, max_length=150, pattern=KEY_PATTERN, description="整改责任人的用户名")
    note: str = Note


class ExplainIn(Schema):
    explanation: Reason = Field(description="情况说明（必填）")


class VerifyIn(Schema):
    note: str = Note


def run_out(run: InspectionRun) -> dict:
    return {
        "id": run.pk,
        "org": run.org.code,
        "org_name": run.org.name,
        "as_of": run.as_of,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "started_by": run.started_by.username if run.started_by else None,
        "tracks": run.tracks,
        **{k: getattr(run, k) for k in ("cases", "records", "found", "opened", "closed")},
    }


def finding_out(f: Finding) -> dict:
    return {
        "id": f.pk,
        "rule": f.rule,
        "rule_title": str(RULES_BY_ID[f.rule].title) if f.rule in RULES_BY_ID else f.rule,
        "severity": f.severity,
        "org": f.org.code,
        "org_name": f.org.name,
        "person": f.person.pid if f.person else None,
        "step": f.step or None,
        "record": f.record_id,
        "message": f.message,
        "evidence": f.evidence,
        "status": f.status,
        "status_label": str(FindingStatus(f.status).label),
        "assignee": f.assignee.username if f.assignee else None,
        "explanation": f.explanation,
        "correction": f.correction_id,
        "first_run": f.first_run_id,
        "last_run": f.last_run_id,
        "closed_run": f.closed_run_id,
    }


def _detail(user, finding_id: int) -> dict:
    f = finding_get_for_user(user, finding_id)
    events = [
        {
            "at": e.at,
            "action": e.action,
            "actor": e.actor.username if e.actor else None,
            "note": e.note,
            "run": e.run_id,
        }
        for e in f.events.select_related("actor").order_by("at", "id")
    ]
    return {**finding_out(f), "actions": finding_actions(user, f), "events": events}


RunId = Path(..., ge=1, le=MAX_ID)
FindingId = Path(..., ge=1, le=MAX_ID)
STATUS_QUERY = Query(None, description="整改状态")


@router.get(
    "runs", response=responses({200: RunPage}), summary="检查列表（管辖范围内及其上级组织的检查，新的在前）"
)
def runs(request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    qs = run_list_for_user(request.user).order_by("-started_at", "-id")
    return {"count": qs.count(), "items": [run_out(r) for r in qs[offset : offset + limit]]}


@router.get("runs/{int:run_id}", response=responses({200: RunOut}), summary="一次检查")
def run_detail(request, run_id: int = RunId):
    return run_out(run_get_for_user(request.user, run_id))


@router.get(
    "runs/{int:run_id}/findings",
    response=responses({200: FindingPage}),
    summary="一次检查发现的问题（只含您管辖范围内的；按组织、规则、人员排序）",
)
def run_finding_list(
    request,
    run_id: int = RunId,
    rule: str = Query("", max_length=30, pattern=r"^([A-Z0-9][A-Z0-9.-]*)?$", description="规则编号"),
    severity: str = Query("", max_length=5, pattern=r"^(" + "|".join(SEVERITY_RANK) + r")?$"),
    org: str = Query("", max_length=40, pattern=r"^(" + ORG_CODE_PATTERN.strip("^$") + r")?$"),
    status: FindingStatus | None = STATUS_QUERY,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    run = run_get_for_user(request.user, run_id)
    filters = {"rule": rule, "severity": severity, "org": org, "status": status.value if status else ""}
    qs = run_findings(run, user=request.user, filters=filters).select_related("assignee")
    return {"count": qs.count(), "items": [finding_out(f) for f in qs[offset : offset + limit]]}


@router.get(
    "findings/{int:finding_id}", response=responses({200: FindingDetail}), summary="一个问题及其整改经过"
)
def finding_detail(request, finding_id: int = FindingId):
    return _detail(request.user, finding_id)


def _assignee(username: str) -> User:
    assignee = User.objects.filter(username=username, is_active=True).first()
    if assignee is None:
        raise ValidationError({"assignee": _(ERR_ASSIGNEE)})
    return assignee


def _move_endpoint(
    move: str, payload_type: type, summary: str, act: Callable[[Any, Finding, Any], Any]
) -> None:
    """One rectification move that answers with the finding and its history: the finding fetched within the
    user's scope (404 outside it) and `act` (the inspection's service, which refuses what the move's rules
    forbid), then the finding as it now stands. The endpoint keeps its own name (the operation's id)."""

    def endpoint(request, payload: payload_type, finding_id: int = FindingId):  # type: ignore[valid-type]
        act(request.user, finding_get_for_user(request.user, finding_id), payload)
        return _detail(request.user, finding_id)

    endpoint.__name__ = endpoint.__qualname__ = f"finding_{move}_op"
    router.post(
        f"findings/{{int:finding_id}}/{move}", response=responses({200: FindingDetail}), summary=summary
    )(endpoint)


_move_endpoint(
    "assign",
    AssignIn,
    "交办整改（督查员、区委组织部审核人）",
    lambda user, finding, p: finding_assign(
        actor=user, finding=finding, assignee=_assignee(p.assignee), note=p.note
    ),
)
_move_endpoint(
    "explain",
    ExplainIn,
    "说明情况（问题所在党组织）",
    lambda user, finding, p: finding_explain(actor=user, finding=finding, explanation=p.explanation),
)
_move_endpoint(
    "verify",
    VerifyIn,
    "核实整改（督查员、区委组织部审核人；须先说明情况或更正记录）",
    lambda user, finding, p: finding_verify(actor=user, finding=finding, note=p.note),
)


@router.post(
    "findings/{int:finding_id}/correct",
    response=responses({201: StepRecordOut}),
    summary="更正问题针对的步骤记录（问题所在党组织；新记录取代旧记录，与页面同一服务）",
)
def finding_correct_op(request, payload: CorrectionIn, finding_id: int = FindingId):
    finding = finding_get_for_user(request.user, finding_id)
    correction = finding_correct(
        actor=request.user, finding=finding, date=payload.date, details=payload.details, reason=payload.reason
    )
    return Status(201, record_one(correction))
