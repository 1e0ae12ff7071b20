import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.definition import EXIT_ACTORS, FIRST_DAY, STEPS, STEPS_BY_CODE, CaseStage
from fazhan.procedure.details import details_clean, details_errors
from fazhan.procedure.due import CaseWrite, stamp_case
from fazhan.procedure.engine import (
    NEW,
    CaseFacts,
    Finding,
    Rec,
    blocking,
    evaluate,
    evaluate_entry,
    refusal_text,
)
from fazhan.procedure.models import Case, ExitReason, StepFinding, StepRecord
from fazhan.procedure.rules.outcome import Outcome, case_outcome
from fazhan.procedure.selectors import case_facts

ERR_NOT_YOUR_STEP = "您的角色不能录入此步骤（%(step)s）。"
ERR_ALREADY = "该步骤已有记录；如需更改，请录入更正记录并说明原因。"
ERR_FUTURE = "日期不能晚于今天。"
ERR_REASON = "更正须说明原因。"
ERR_CASE_CLOSED = "该发展档案已于 %(d)s 终止（%(r)s），不能再录入步骤。"
ERR_AFTER_CLOSE = "更正后的日期不能晚于档案终止日期（%(d)s）：终止后不能再有步骤。"
# The importer's words for a reference it cannot resolve (interchange), without its "in the file" part.
ERR_NO_PERSON = "找不到人员：%(pid)s"
ERR_NO_ORG = "找不到组织：%(code)s"
ERR_TWICE = "重复填写：%(names)s"

# The details key a refused rule is about, where the step being entered has that key; otherwise its date.
RULE_FIELDS = {
    "ACT-CONTACT": "contacts",
    "INTRO-2": "introducers",
    "APV-AUTH": "approver",
    "FORM-MATCH": "form_number",
    "FORM-ONE": "form_number",
    "PLAN-QUOTA": "quota_override_reason",
}


@dataclass(frozen=True)
class Refusal:
    """One reason a step is refused: the field it is about (`date`, `details.<key>`) and the BLOCK finding
    (rule id, article, message, earliest possible date)."""

    field: str
    finding: Finding


def refusal_at(step: str, finding: Finding) -> Refusal:
    """The refusal of a BLOCK finding at the field it is about (RULE_FIELDS), else at the date."""
    key = RULE_FIELDS.get(finding.rule)
    return Refusal(f"details.{key}" if key in STEPS_BY_CODE[step].details else "date", finding)


NOTE_CANCELLED = "上级党委批准取消预备党员资格。"  # the exit note of a case an approved cancellation closes


class StepRefused(ValidationError):
    """A step the rules forbid: carries the BLOCK findings (rule id, article, earliest possible date), each
    at the field it is about; the article cited in the edition of the 细则 in force on the step's date."""

    def __init__(self, refusals: Iterable[Refusal], *, on_date: datetime.date | None = None):
        self.refusals = list(refusals)
        self.on_date = on_date
        self.findings = [r.finding for r in self.refusals]
        fields: dict[str, list[str]] = {}
        for r in self.refusals:
            fields.setdefault(r.field, []).append(refusal_text(r.finding, on_date))
        super().__init__(fields)


@dataclass(frozen=True)
class StepEntry:
    """A step about to be written, as a guard sees it: who enters it, on which case, the record (id NEW) and
    the facts it is judged on (the live records but the one it corrects; `supersedes` is that one)."""

    actor: Any
    case: Case
    record: Rec
    facts: CaseFacts
    supersedes: StepRecord | None = None


StepGuard = Callable[[StepEntry], Iterable[Refusal]]
StepWritten = Callable[[StepRecord], None]
_GUARDS: dict[str, StepGuard] = {}
_WRITTEN: dict[str, StepWritten] = {}


def step_guard_register(name: str, guard: StepGuard) -> None:
    """A wing's check of every step about to be entered or corrected, registered in its AppConfig.ready()
    (the procedure imports no wing): a refusal it yields refuses the step, and nothing is written. Guards
    judge what the rules forbid, so they run where the rules do (not on history entered with
    enforce=False). Registering a name again replaces its guard."""
    _GUARDS[name] = guard


def step_written_register(name: str, hook: StepWritten) -> None:
    """A wing's part of writing a step (e.g. the numbered form it names is now used), run inside the step's
    transaction right after the record is written, registered in its AppConfig.ready()."""
    _WRITTEN[name] = hook


def case_stage_of(records: Sequence[StepRecord | Rec]) -> str:
    """The stage the live (not superseded) records put a case in, in record order (procedure.md B0.3): the
    stage of rules/outcome.case_outcome, the one reading of a case's outcome."""
    return case_outcome(records).stage


def membership_from_stage(
    stage: str, facts: CaseFacts
) -> tuple[str, datetime.date | None, datetime.date | None] | None:
    """What admission makes of a person (procedure.md B.29, PRB-DATES, B0.3), as case_outcome reads the
    facts' records: 党籍 counts from the branch meeting, full membership from the end of probation (extensions
    the committee approved included), none after an approved cancellation. None: the stage says nothing (a
    candidate, or a case that ended otherwise). For callers that hold the stage already (the importer)."""
    if stage not in (CaseStage.PROBATIONARY, CaseStage.FULL, CaseStage.EXITED):
        return None
    outcome = case_outcome(facts.records, limits=facts.limits)
    if stage == CaseStage.EXITED and outcome.disqualified is None:
        return None
    return outcome.membership


def _person_follow(person: Person, outcome: Outcome) -> None:
    """The person's membership follows from their case (B0.3): a candidate is no member, admission makes a
    probationary member, conversion a full one, an approved cancellation none."""
    membership = outcome.membership
    if (person.party_status, person.joined_on, person.full_since) == membership:
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
    details = details_clean(step, details)
    _check_references(step, details)
    return details


def _check_references(step: str, details: Mapping[str, Any]) -> None:
    """Every person (details of kind `pids`) and org (`org`, `orgs`) a step names exists, as the importer
    requires of a file, and none is named twice; whether they may hold the part is the rules' (ACT-CONTACT,
    INTRO-2, APV-AUTH)."""
    named: dict[str, tuple[str, list[str]]] = {}
    for key, value in details.items():
        kind = STEPS_BY_CODE[step].details[key].kind
        if kind in ("pids", "orgs", "org"):
            named[key] = (kind, value if isinstance(value, list) else [value])
    pids = {v for kind, values in named.values() if kind == "pids" for v in values}
    codes = {v for kind, values in named.values() if kind != "pids" for v in values}
    persons = set(Person.objects.filter(pid__in=pids).values_list("pid", flat=True))
    orgs = set(Org.objects.filter(code__in=codes).values_list("code", flat=True))
    errors: dict[str, list[str]] = {}
    for key, (kind, values) in named.items():
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:  # two introducers are two people: one named twice is one
            errors.setdefault(f"details.{key}", []).append(_(ERR_TWICE) % {"names": "、".join(twice)})
        for value in values:
            if kind == "pids" and value not in persons:
                errors.setdefault(f"details.{key}", []).append(_(ERR_NO_PERSON) % {"pid": value})
            elif kind != "pids" and value not in orgs:
                errors.setdefault(f"details.{key}", []).append(_(ERR_NO_ORG) % {"code": value})
    if errors:
        raise ValidationError(errors)


def _identities_corrected(identities: Iterable[Mapping[str, Any]], record: StepRecord) -> tuple:
    """The identities a correction is judged with: the corrected record's is gone, and the correction keeps
    the identity that record kept (a corrected pass is still the pass of the person it passed)."""
    out = [i for i in identities if i["record"] != record.pk]
    if record.person_id_key:
        out = [i for i in out if i["record"] != NEW]
        out.append({"record": NEW, "name": record.person_name, "id_key": record.person_id_key})
    return tuple(out)


def _check_open(case: Case) -> None:
    """A closed case takes no step (B0.3: an exit ends the case), whoever asks."""
    if case.closed_on is not None:
        raise ValidationError(
            {
                "case": _(ERR_CASE_CLOSED)
                % {"d": case.closed_on.isoformat(), "r": case.get_exit_reason_display()}
            }
        )


def _refusals(entry: StepEntry, findings: list[Finding]) -> list[Refusal]:
    """What refuses the entry: the BLOCK findings of the rules, then what the wings' guards refuse."""
    out = [refusal_at(entry.record.step, f) for f in blocking(findings)]
    for guard in _GUARDS.values():
        out.extend(guard(entry))
    return out


def _case_write(case: Case) -> CaseWrite:
    return CaseWrite(case.pk, case.person.pid, case.person.org.code)


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
        # who the record is about: the person now, or whom the record it corrects was about
        person_name=supersedes.person_name if supersedes and supersedes.person_id_key else case.person.name,
        person_id_key=(supersedes.person_id_key if supersedes else "") or case.person.id_number_key,
    )
    StepFinding.objects.bulk_create(
        StepFinding(
            record=record, rule=f.rule, severity=f.severity, message=f.message, evidence=dict(f.evidence)
        )
        for f in findings
    )
    for hook in _WRITTEN.values():
        hook(record)
    written = Rec(record.pk, step, date, details, record.recorded_at, getattr(supersedes, "pk", None))
    after = replace(facts, records=tuple(sorted([*facts.records, written], key=lambda r: (r.date, r.id))))
    outcome = case_outcome(after.records, limits=facts.limits)
    case.stage = CaseStage.EXITED if case.closed_on else outcome.stage
    case.version += 1
    case.save(update_fields=["stage", "version"])
    if case.closed_on is None:
        _person_follow(case.person, outcome)
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
    if outcome.disqualified is not None and case.closed_on is None:
        # B0.3: the committee approved the branch's cancellation: the case closes as a disqualification does
        _case_close(
            actor=actor,
            case=case,
            date=outcome.disqualified.date,
            reason=ExitReason.DISQUALIFIED,
            note=_(NOTE_CANCELLED),
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
    _check_open(case)
    if not STEPS_BY_CODE[step].repeats and case.steps.filter(step=step, superseded_by__isnull=True).exists():
        raise ValidationError({"step": _(ERR_ALREADY)})
    pending = Rec(NEW, step, date, details)
    facts = case_facts(case, pending=pending)
    if enforce:
        findings = evaluate_entry(facts, pending)
        if refused := _refusals(StepEntry(actor, case, pending, facts), findings):
            raise StepRefused(refused, on_date=date)
    else:
        findings = []
    with stamp_case(_case_write(case)):  # the list of every other case stands (procedure.due)
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
    """A correction is a new record that supersedes the old one, with its reason; nothing is overwritten.

    A closed case's records may be corrected too (an inspection corrects the record of an invalidated
    admission): a correction says what happened before the case ended, so its date may not fall after the
    end, and it moves neither the case's end nor the membership its exit left."""
    if not reason.strip():
        raise ValidationError({"reason": _(ERR_REASON)})
    details = _validated(record.step, date, details)
    case = Case.objects.select_for_update().select_related("person__org").get(pk=record.case_id)
    _check_actor(actor, case, record.step)
    if case.closed_on is not None and date > case.closed_on:
        raise ValidationError({"date": _(ERR_AFTER_CLOSE) % {"d": case.closed_on.isoformat()}})
    record = StepRecord.objects.select_for_update().get(pk=record.pk)
    if StepRecord.objects.filter(supersedes=record).exists():
        raise ValidationError({"reason": _("该记录已被更正过，请更正最新的记录。")})
    pending = Rec(NEW, record.step, date, details)
    before = case_facts(case, pending=pending)
    facts = replace(
        before,
        records=tuple(r for r in before.records if r.id != record.pk),
        identities=_identities_corrected(before.identities, record),
    )
    findings = evaluate_entry(facts, pending)
    refused = _refusals(StepEntry(actor, case, pending, facts, supersedes=record), findings)
    refused += _dependents_broken(before, facts.with_record(pending), corrected=record.pk)
    if refused:
        raise StepRefused(refused, on_date=pending.date)
    with stamp_case(_case_write(case)):  # the list of every other case stands (procedure.due)
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


def _dependents_broken(before: CaseFacts, after: CaseFacts, *, corrected: int) -> list[Refusal]:
    """A correction may not make another live record one the rules would have refused: moving the
    application after the talk it led to, or the activist date within a year of the target's, rewrites the
    later record's history as much as its own. Only what the correction breaks refuses it (a break the
    record held already, from imported history, is its finding, not this correction's)."""
    held = {(f.rule, f.record) for f in blocking(evaluate(before)) if f.record not in (NEW, corrected)}
    return [
        Refusal("date", replace(f, earliest=None))
        for f in blocking(evaluate(after))
        if f.record not in (NEW, corrected) and (f.rule, f.record) not in held
    ]


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
    return _case_close(actor=actor, case=case, date=date, reason=reason, note=note)


def _case_close(*, actor, case: Case, date: datetime.date, reason: str, note: str) -> Case:
    """The effects of an exit, for case_exit and for an approved cancellation (B0.3): the case ends on the
    day, a disqualification or invalidation clears the membership, and the trail says so."""
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
