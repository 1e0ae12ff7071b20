"""The person page's timeline: every step done (with every record, corrections included), overdue, or
ahead with the earliest date it can legally happen (the procedure calendar)."""

import datetime
from dataclasses import dataclass, field

from fazhan.accounts.selectors import user_roles_at
from fazhan.procedure.deadlines import deadlines
from fazhan.procedure.definition import PASSING_PREREQUISITES, STEPS, STEPS_BY_CODE, Anchor, Step
from fazhan.procedure.engine import CaseFacts, Finding, evaluate, procedure_calendar
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.rules.outcome import case_outcome


@dataclass
class TimelineRow:
    step: Step
    records: list[StepRecord] = field(default_factory=list)
    overdue: list[Finding] = field(default_factory=list)
    earliest: datetime.date | None = None
    due: datetime.date | None = None  # the step's deadline (procedure.deadlines), where one runs

    @property
    def status(self) -> str:
        if any(not getattr(r, "is_superseded", False) for r in self.records):
            return "done"
        return "overdue" if self.overdue else "ahead"


def case_timeline(case: Case, facts: CaseFacts, *, today: datetime.date) -> list[TimelineRow]:
    records = list(
        StepRecord.objects.filter(case=case)
        .select_related("recorded_by", "supersedes")
        .prefetch_related("findings")
    )
    superseded = {r.supersedes_id for r in records if r.supersedes_id}
    for r in records:
        r.is_superseded = r.pk in superseded  # type: ignore[attr-defined]
    rows = {s.code: TimelineRow(step=s) for s in STEPS}
    findings = evaluate(facts)
    on_record: dict[int, list[Finding]] = {}
    for f in findings:
        if f.record is not None:
            on_record.setdefault(f.record, []).append(f)
    for r in sorted(records, key=lambda r: (r.date, r.pk)):
        # What the rules find on the record now, beside what they found at entry: an imported record was
        # never judged at entry, and its breaks show here (the inspection reports them too).
        kept = {f.rule for f in r.findings.all()}
        r.rule_findings = [f for f in on_record.get(r.pk, []) if f.rule not in kept]  # type: ignore[attr-defined]
        r.imported = r.recorded_at is None or r.from_ledger or bool(r.recorded_by_label)  # type: ignore[attr-defined]
        rows[r.step].records.append(r)
    if case.closed_on is None:
        for f in findings:
            if f.record is None and f.step in rows:
                rows[f.step].overdue.append(f)
        for code, day in procedure_calendar(facts, today=today).items():
            rows[code].earliest = day
        for d in deadlines(facts):  # the same declared limits as the to-do list, the earliest among them
            row = rows[d.step]
            if d.allowed_only and d.allowed_from and not row.records:
                row.earliest = max(row.earliest or d.allowed_from, d.allowed_from)
            if d.due_by and not (row.records and not STEPS_BY_CODE[d.step].repeats):
                row.due = min(row.due or d.due_by, d.due_by)
    return list(rows.values())


def steps_recordable(user, case: Case, facts: CaseFacts) -> list[Step]:
    """The steps this user may record on this case now: their role acts at the step, it is not done (or it
    repeats), and its prerequisites are on record (a passing one where SEQ-ORDER needs it)."""
    if case.closed_on is not None:
        return []
    roles = user_roles_at(user, case.person.org)
    done = {r.step for r in facts.records}
    converted = case_outcome(facts.records, limits=facts.limits).converted is not None
    out = []
    for step in STEPS:
        if not roles & set(step.actors) or (step.code in done and not step.repeats):
            continue
        if step.code == Anchor.ARCHIVE and not converted:
            continue  # the archive follows the approval of a conversion, not of an extension (B0.3)
        needs_pass = PASSING_PREREQUISITES.get(step.code)
        if all((facts.first(p) if p == needs_pass else p in done) for p in step.prerequisites):
            out.append(step)
    return out
