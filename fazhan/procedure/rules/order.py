"""The chart's order (procedure.md B.0, SEQ-ORDER) and who reports a skipped step (B0.7).

Each step comes after its prerequisites. Two facts can break that:
- a step dated before its prerequisite's record (the prerequisite exists, later): SEQ-ORDER's;
- a step whose prerequisite has no record at all (a passing one where it must pass): a skip, reported by the
  skipped step's own rule (definition.SKIP_OWNERS: a missing political review by POL-DONE, a missing committee
  talk by APV-TALK …) with the later step as evidence, through `skip_findings`; SEQ-ORDER reports only the
  skips of steps with no rule of their own (S12, and the archive's conversion, S25 ← an approved S24 of a
  `convert` round).
A skip is BLOCK whoever reports it (definition.SKIP_OWNERS says why), so entry refuses it. A skip that a
ledger's record reveals of a step a ledger row cannot hold is LEDGER-GAP's (B0.10).
"""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from fazhan.procedure.definition import (
    BLOCK,
    PASSING_PREREQUISITES,
    SKIP_OWNERS,
    SKIPPED,
    STEPS,
    STEPS_BY_CODE,
    Anchor,
)
from fazhan.procedure.engine import CaseFacts, Finding, Rec, check, finding
from fazhan.procedure.rules.ledger import revealed_by_ledger, step_label
from fazhan.procedure.rules.outcome import case_outcome

# The steps that need each step (SEQ-ORDER's pairs, read the other way).
DEPENDENTS = {s.code: tuple(t.code for t in STEPS if s.code in t.prerequisites) for s in STEPS}


def must_pass(step: str, needed: str) -> bool:
    return PASSING_PREREQUISITES.get(step) == needed


def prerequisite_records(facts: CaseFacts, step: str, needed: str) -> list[Rec]:
    """The records of `needed` that can stand before a record of `step`: a passing one where it must pass;
    for the archive (S25), the S24 that approved a `convert` round (B0.3)."""
    if step == Anchor.ARCHIVE and needed == Anchor.CONVERSION_APPROVAL:
        converted = case_outcome(facts.records, limits=facts.limits).converted
        return [converted] if converted is not None else []
    return [r for r in facts.all(needed) if r.passed() or not must_pass(step, needed)]


def skips(facts: CaseFacts, needed: str) -> Iterator[Rec]:
    """The records that reveal a skip of `needed`: each record of a step that needs it, in a case with no
    record of it at all (a passing one where it must pass), less those a ledger gap explains (B0.10)."""
    for step in DEPENDENTS[needed]:
        if facts.all(step) and not prerequisite_records(facts, step, needed):
            for record in facts.all(step):
                if not revealed_by_ledger(facts, needed, record):
                    yield record


def skip_finding(rule: str, needed: str, record: Rec) -> Finding:
    return finding(
        rule,
        _("%(missing)s（%(later)s：%(date)s）")
        % {"missing": SKIPPED[needed], "later": step_label(record.step), "date": record.date.isoformat()},
        severity=BLOCK,
        step=record.step,
        record=record.id,
        evidence={"missing": needed, "step": record.step, "date": record.date.isoformat()},
    )


def skip_findings(facts: CaseFacts, needed: str) -> Iterator[Finding]:
    """The skips of `needed`, as its own rule (SKIP_OWNERS) reports them."""
    rule = SKIP_OWNERS[needed]
    for record in skips(facts, needed):
        yield skip_finding(rule, needed, record)


@check("SEQ-ORDER")
def seq_order(facts: CaseFacts) -> Iterator[Finding]:
    """A step dated before its prerequisite's record, with that record's date as the earliest; and a skip of
    a step no rule of its own reports (S12; S25's approved conversion)."""
    for record in facts.records:
        for needed in STEPS_BY_CODE[record.step].prerequisites:
            candidates = prerequisite_records(facts, record.step, needed)
            if any(r.date <= record.date for r in candidates):
                continue
            evidence = {"step": record.step, "date": record.date.isoformat(), "needs": needed}
            if candidates:
                later = min(r.date for r in candidates)
                yield finding(
                    "SEQ-ORDER",
                    _("%(step)s（%(date)s）早于%(needed)s（%(d)s）")
                    % {
                        "step": step_label(record.step),
                        "date": record.date.isoformat(),
                        "needed": step_label(needed),
                        "d": later.isoformat(),
                    },
                    step=record.step,
                    record=record.id,
                    earliest=later,
                    evidence=evidence,
                )
            elif needed not in SKIP_OWNERS and not revealed_by_ledger(facts, needed, record):
                yield skip_finding("SEQ-ORDER", needed, record)
