import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from fazhan.auditlog.services import audit_record
from fazhan.core.calendar import add_months
from fazhan.people.models import Person
from fazhan.procedure.definition import STAGE_ENTRY, STEPS_BY_CODE, CaseStage
from fazhan.procedure.models import Case, StepRecord


def case_stage_of(records: list[StepRecord]) -> str:
    """The stage the live (not superseded) records put a case in (procedure.md B0.3)."""
    for stage, step, required in STAGE_ENTRY:
        for record in records:
            if record.step != step:
                continue
            if required is None or record.details.get(required[0]) == required[1]:
                return stage
    return CaseStage.APPLICANT


def _first_date(records: list[StepRecord], step: str) -> datetime.date | None:
    return min((r.date for r in records if r.step == step), default=None)


def _person_follow_stage(person: Person, stage: str, live: list[StepRecord]) -> None:
    """Admission makes a member: 党籍 counts from the branch meeting (S15), full membership from the end of
    probation (procedure.md B.29, PRB-DATES)."""
    if stage == CaseStage.PROBATIONARY:
        person.party_status, person.joined_on, person.full_since = (
            "probationary",
            _first_date(live, "S15"),
            None,
        )
    elif stage == CaseStage.FULL:
        joined = _first_date(live, "S15")
        person.party_status, person.joined_on = "full", joined
        person.full_since = add_months(joined, 12) if joined else None
    else:
        return
    person.save(update_fields=["party_status", "joined_on", "full_since"])


@transaction.atomic
def case_open(*, actor, person: Person, opened_on: datetime.date) -> Case:
    case = Case.objects.create(person=person, opened_on=opened_on)
    audit_record(actor=actor, action="case.open", target=case, org=person.org, data={"person": person.pid})
    return case


@transaction.atomic
def case_record_step(
    *,
    actor,
    case: Case,
    step: str,
    date: datetime.date,
    details: dict[str, Any] | None = None,
    recorded_at: datetime.datetime | None = None,
) -> StepRecord:
    """Write one step record and move the case's stage. The rules of procedure.md B join here."""
    if step not in STEPS_BY_CODE:
        raise ValueError(step)
    case = Case.objects.select_for_update().get(pk=case.pk)
    record = StepRecord.objects.create(
        case=case,
        step=step,
        date=date,
        details=details or {},
        recorded_at=recorded_at or timezone.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    live = list(case.steps.filter(superseded_by__isnull=True))
    case.stage = case_stage_of(live)
    case.version += 1
    case.save(update_fields=["stage", "version"])
    _person_follow_stage(case.person, case.stage, live)
    audit_record(
        actor=actor,
        action="step.record",
        target=record,
        org=case.person.org,
        data={"case": case.pk, "step": step, "date": date.isoformat()},
    )
    return record
