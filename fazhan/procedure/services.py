import datetime
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.people.models import Person
from fazhan.prereview.services import form_mark_used
from fazhan.procedure.definition import (
    EXIT_ACTORS,
    FIRST_DAY,
    STAGE_ENTRY,
    STEPS,
    STEPS_BY_CODE,
    Anchor,
    CaseStage,
)
from fazhan.procedure.details import details_clean, details_errors
from fazhan.procedure.engine import NEW, CaseFacts, Finding, Rec, blocking, evaluate_entry, refusal_text
from fazhan.procedure.models import Case, ExitReason, StepFinding, StepRecord
from fazhan.procedure.rules.probation import probation_end
from fazhan.procedure.selectors import case_facts

ERR_NOT_YOUR_STEP = "您的角色不能录入此步骤（%(step)s）。"
ERR_ALREADY = "该步骤已有记录；如需更改，请录入更正记录并说明原因。"
ERR_FUTURE = "日期不能晚于今天。"
ERR_REASON = "更正须说明原因。"


class StepRefused(ValidationError):
    """A step the rules forbid: carries the BLOCK findings (rule id, article, earliest possible date)."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__({"date": [refusal_text(f) for f in findings]})


def case_stage_of(records: Iterable[StepRecord | Rec]) -> str:
    """The stage the live (not superseded) records put a case in (procedure.md B0.3)."""
    for stage, step, required in STAGE_ENTRY:
        for record in records:
            if record.step != step:
                continue
            if required is None or record.details.get(required[0]) == required[1]:
                return stage
    return CaseStage.APPLICANT


def membership_from_stage(
    stage: str, facts: CaseFacts
) -> tuple[str, datetime.date | None, datetime.date | None] | None:
    """What admission makes of a person (procedure.md B.29, PRB-DATES): 党籍 counts from the branch meeting,
    full membership from the end of probation, extensions included. None: the stage says nothing. Live entry
    and the importer both ask this."""
    if stage == CaseStage.PROBATIONARY:
        return "probationary", facts.date_of(Anchor.BRANCH_MEETING), None
    if stage == CaseStage.FULL:
        return "full", facts.date_of(Anchor.BRANCH_MEETING), probation_end(facts)
    return None


def _person_follow_stage(person: Person, stage: str, facts: CaseFacts) -> None:
    membership = membership_from_stage(stage, facts)
    if membership is None:
        return
    person.party_status, person.joined_on, person.full_since = membership
    person.save(update_fields=["party_status", "joined_on", "full_since"])


ERR_OPEN_CASE = "该人员已有进行中的发展档案。"
ERR_MEMBER = "该人员已是党员。"


@transaction.atomic
def case_apply(*, actor, person: Person, date: datetime.date) -> Case:
    """A written application received: the case opens with its first step, or neither happens (ELIG-AGE,
    ELIG-NAT refuse it like any step)."""
    if person.cases.filter(closed_on__isnull=True).exists():
        raise ValidationError({"date": _(ERR_OPEN_CASE)})
    if person.party_status:
        raise ValidationError({"date": _(ERR_MEMBER)})
    case = case_open(actor=actor, person=person, opened_on=date)
    case_record_step(actor=actor, case=case, step=STEPS[0].code, date=date)
    return case


@transaction.atomic
def case_open(*, actor, person: Person, opened_on: datetime.date) -> Case:
    case = Case.objects.create(person=person, opened_on=opened_on)
    audit_record(actor=actor, action="case.open", target=case, org=person.org, data={"person": person.pid})
    return case


def _check_actor(actor, case: Case, step: str) -> None:
    """Who may record a step (definition.Step.actors); actor None is the system itself (demo, import)."""
    if actor is None:
        return
    if not user_roles_at(actor, case.person.org) & set(STEPS_BY_CODE[step].actors):
        raise PermissionDenied(_(ERR_NOT_YOUR_STEP) % {"step": step})


def _validated(step: str, date: datetime.date, details: dict[str, Any] | None) -> dict[str, Any]:
    if step not in STEPS_BY_CODE:
        raise ValidationError({"step": _("未知步骤：%(step)s") % {"step": step}})
    if date > timezone.localdate():
        raise ValidationError({"date": _(ERR_FUTURE)})
    if date < FIRST_DAY:
        raise ValidationError({"date": _("日期不能早于 %(d)s。") % {"d": FIRST_DAY}})
    details = details or {}
    errors = details_errors(step, details)
    if errors:
        raise ValidationError({f"details.{k}": v for k, v in errors.items()})
    return details_clean(step, details)


def _write(
    *,
    actor,
    case: Case,
    step: str,
    date: datetime.date,
    details: dict[str, Any],
    recorded_at: datetime.datetime | None,
    supersedes: StepRecord | None,
    reason: str,
    findings: list[Finding],
    facts: CaseFacts,
) -> StepRecord:
    """Write the record with its findings; the case's stage and the person's membership follow from the
    facts it was judged on (the live records but the one it corrects) with the new record among them."""
    record = StepRecord.objects.create(
        case=case,
        step=step,
        date=date,
        details=details,
        recorded_at=recorded_at or timezone.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        supersedes=supersedes,
        reason=reason,
    )
    StepFinding.objects.bulk_create(
        StepFinding(
            record=record, rule=f.rule, severity=f.severity, message=f.message, evidence=dict(f.evidence)
        )
        for f in findings
    )
    forms = [v for k, v in details.items() if STEPS_BY_CODE[step].details[k].kind == "form"]
    if forms:
        form_mark_used(actor=actor, person=case.person, numbers=forms)
    written = Rec(record.pk, step, date, details, record.recorded_at, getattr(supersedes, "pk", None))
    after = replace(facts, records=tuple(sorted([*facts.records, written], key=lambda r: (r.date, r.id))))
    case.stage = case_stage_of(after.records)
    case.version += 1
    case.save(update_fields=["stage", "version"])
    _person_follow_stage(case.person, case.stage, after)
    audit_record(
        actor=actor,
        action="step.correct" if supersedes else "step.record",
        target=record,
        org=case.person.org,
        data={
            "case": case.pk,
            "step": step,
            "date": date.isoformat(),
            "supersedes": getattr(supersedes, "pk", None),
            "findings": [f.rule for f in findings],
        },
        seal=[case.person],  # the membership follows the records
    )
    return record


@transaction.atomic
def case_record_step(
    *,
    actor,
    case: Case,
    step: str,
    date: datetime.date,
    details: dict[str, Any] | None = None,
    recorded_at: datetime.datetime | None = None,
    enforce: bool = True,
) -> StepRecord:
    """Record one step as it happened: validate, refuse what a BLOCK rule forbids (with the rule, the article
    and the earliest date), keep ERROR and WARN findings with the record, write the audit event — at once."""
    details = _validated(step, date, details)
    _check_actor(actor, case, step)
    case = (
        Case.objects.select_for_update().select_related("person__org").get(pk=case.pk)
    )  # one writer per case
    if not STEPS_BY_CODE[step].repeats and case.steps.filter(step=step, superseded_by__isnull=True).exists():
        raise ValidationError({"step": _(ERR_ALREADY)})
    pending = Rec(NEW, step, date, details)
    facts = case_facts(case, pending=pending)
    findings = evaluate_entry(facts, pending) if enforce else []
    if blocking(findings):
        raise StepRefused(blocking(findings))
    return _write(
        actor=actor,
        case=case,
        step=step,
        date=date,
        details=details,
        recorded_at=recorded_at,
        supersedes=None,
        reason="",
        findings=findings,
        facts=facts,
    )


@transaction.atomic
def step_correct(
    *, actor, record: StepRecord, date: datetime.date, details: dict[str, Any] | None, reason: str
) -> StepRecord:
    """A correction is a new record that supersedes the old one, with its reason; nothing is overwritten."""
    if not reason.strip():
        raise ValidationError({"reason": _(ERR_REASON)})
    details = _validated(record.step, date, details)
    case = Case.objects.select_for_update().select_related("person__org").get(pk=record.case_id)
    _check_actor(actor, case, record.step)
    record = StepRecord.objects.select_for_update().get(pk=record.pk)
    if StepRecord.objects.filter(supersedes=record).exists():
        raise ValidationError({"reason": _("该记录已被更正过，请更正最新的记录。")})
    pending = Rec(NEW, record.step, date, details)
    facts = case_facts(case, pending=pending)
    facts = facts.__class__(
        **{**facts.__dict__, "records": tuple(r for r in facts.records if r.id != record.pk)}
    )
    findings = evaluate_entry(facts, pending)
    if blocking(findings):
        raise StepRefused(blocking(findings))
    return _write(
        actor=actor,
        case=case,
        step=record.step,
        date=date,
        details=details,
        recorded_at=None,
        supersedes=record,
        reason=reason.strip(),
        findings=findings,
        facts=facts,
    )


ERR_CLOSED = "该发展档案已终止。"
ERR_BEFORE_OPEN = "终止日期不能早于申请日期（%(d)s）。"
ERR_NOT_YOUR_EXIT = "您的角色不能以此原因终止发展档案。"


@transaction.atomic
def case_exit(*, actor, case: Case, date: datetime.date, reason: str, note: str = "") -> Case:
    """End a case: withdrawal, disqualification, a move out of the system, death, or the invalidation of an
    irregular admission (GEN-INVALID, Art.41: not recognized, announced at a branch general meeting; the
    person leaves the statistics and the membership). The steps stay on record; the clocks stop (B0.3)."""
    if reason not in ExitReason.values:
        raise ValidationError({"reason": _("未知终止原因：%(r)s") % {"r": reason}})
    if date > timezone.localdate():
        raise ValidationError({"date": _(ERR_FUTURE)})
    case = Case.objects.select_for_update().select_related("person__org").get(pk=case.pk)
    if actor is not None and not user_roles_at(actor, case.person.org) & set(EXIT_ACTORS[reason]):
        raise PermissionDenied(_(ERR_NOT_YOUR_EXIT))
    if case.closed_on is not None:
        raise ValidationError({"reason": _(ERR_CLOSED)})
    if date < case.opened_on:
        raise ValidationError({"date": _(ERR_BEFORE_OPEN) % {"d": case.opened_on.isoformat()}})
    if reason == ExitReason.INVALIDATED and not note.strip():
        raise ValidationError({"note": _("不予承认须写明依据（检查发现的问题）。")})
    case.closed_on, case.exit_reason, case.exit_note = date, reason, note.strip()
    case.stage = CaseStage.EXITED
    case.version += 1
    case.save(update_fields=["closed_on", "exit_reason", "exit_note", "stage", "version"])
    person = case.person
    if reason in (ExitReason.INVALIDATED, ExitReason.DISQUALIFIED) and person.party_status:
        person.party_status, person.joined_on, person.full_since = "", None, None
        person.save(update_fields=["party_status", "joined_on", "full_since"])
    audit_record(
        actor=actor,
        action="case.exit",
        target=case,
        org=person.org,
        data={"person": person.pid, "date": date.isoformat(), "reason": reason, "note": case.exit_note},
        seal=[person],
    )
    return case
