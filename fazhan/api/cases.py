from ninja import Path, Query, Router, Status

from fazhan.api.schemas import (
    KEY_PATTERN,
    MAX_ID,
    CaseDetail,
    CasePage,
    CaseStageCode,
    CorrectionIn,
    StepIn,
    StepRecordOut,
    responses,
)
from fazhan.api.selectors import case_list_for_user, steprecord_get_for_user
from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.selectors import case_get_for_user
from fazhan.procedure.services import case_record_step, step_correct

router = Router(tags=["cases"])


def case_out(case: Case) -> dict:
    return {
        "id": case.pk,
        "person": case.person.pid,
        "person_name": case.person.name,
        "org": case.person.org.code,
        "stage": case.stage,
        "stage_label": str(case.get_stage_display()),
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "exit_reason": case.exit_reason,
        "version": case.version,
    }


def record_out(record: StepRecord, superseded_by: int | None) -> dict:
    return {
        "id": record.pk,
        "case": record.case_id,
        "step": record.step,
        "step_name": str(STEPS_BY_CODE[record.step].name),
        "date": record.date,
        "details": record.details,
        "recorded_at": record.recorded_at,
        "recorded_by": record.recorded_by.username
        if record.recorded_by
        else record.recorded_by_label or None,
        "supersedes": record.supersedes_id,
        "superseded_by": superseded_by,
        "reason": record.reason,
        "findings": [
            {"rule": f.rule, "severity": f.severity, "message": f.message} for f in record.findings.all()
        ],
    }


def case_records(case: Case) -> list[dict]:
    """Every record of the case in date order, corrections and the records they superseded included."""
    records = list(
        StepRecord.objects.filter(case=case).select_related("recorded_by").prefetch_related("findings")
    )
    superseded_by = {r.supersedes_id: r.pk for r in records if r.supersedes_id}
    return [record_out(r, superseded_by.get(r.pk)) for r in sorted(records, key=lambda r: (r.date, r.pk))]


def record_one(record: StepRecord) -> dict:
    later = StepRecord.objects.filter(supersedes=record).values_list("pk", flat=True).first()
    return record_out(record, later)


CaseId = Path(..., ge=1, le=MAX_ID)
STAGE_QUERY = Query(None, description="阶段")


@router.get("cases", response=responses({200: CasePage}), summary="发展档案列表（管辖范围内）")
def case_list(
    request,
    person: str | None = Query(None, max_length=40, pattern=KEY_PATTERN, description="人员编号"),
    stage: CaseStageCode | None = STAGE_QUERY,  # type: ignore[valid-type]
    open: bool | None = Query(None, description="true：在办；false：已终止"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    cases = case_list_for_user(request.user).order_by("person__org__path", "person__pid", "id")
    if person:
        cases = cases.filter(person__pid=person)
    if stage:
        cases = cases.filter(stage=stage.value)
    if open is not None:
        cases = cases.filter(closed_on__isnull=open)
    return {"count": cases.count(), "items": [case_out(c) for c in cases[offset : offset + limit]]}


@router.get(
    "cases/{int:case_id}", response=responses({200: CaseDetail}), summary="一份发展档案及其全部步骤记录"
)
def case_detail(request, case_id: int = CaseId):
    case = case_get_for_user(request.user, case_id)
    return {**case_out(case), "steps": case_records(case)}


@router.get(
    "cases/{int:case_id}/steps", response=responses({200: list[StepRecordOut]}), summary="一份档案的步骤记录"
)
def case_steps(request, case_id: int = CaseId):
    return case_records(case_get_for_user(request.user, case_id))


@router.post(
    "cases/{int:case_id}/steps",
    response=responses({201: StepRecordOut}),
    summary="录入一个步骤（与页面同一服务；违反程序的录入返回 422 及规则编号、条款和最早日期）",
)
def case_step_record(request, payload: StepIn, case_id: int = CaseId):
    case = case_get_for_user(request.user, case_id)
    record = case_record_step(
        actor=request.user,
        case=case,
        step=payload.step.value,
        date=payload.date,
        details=payload.details,
    )
    return Status(201, record_one(record))


@router.get("steps/{int:record_id}", response=responses({200: StepRecordOut}), summary="一条步骤记录")
def step_detail(request, record_id: int = Path(..., ge=1, le=MAX_ID)):
    return record_one(steprecord_get_for_user(request.user, record_id))


@router.post(
    "steps/{int:record_id}/corrections",
    response=responses({201: StepRecordOut}),
    summary="更正一条步骤记录（新记录取代旧记录，须说明原因）",
)
def step_correct_op(request, payload: CorrectionIn, record_id: int = Path(..., ge=1, le=MAX_ID)):
    record = steprecord_get_for_user(request.user, record_id)
    corrected = step_correct(
        actor=request.user, record=record, date=payload.date, details=payload.details, reason=payload.reason
    )
    return Status(201, record_one(corrected))
