import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from fazhan.auditlog.services import audit_record
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
    audit_record(
        actor=actor,
        action="step.record",
        target=record,
        org=case.person.org,
        data={"case": case.pk, "step": step, "date": date.isoformat()},
    )
    return record
