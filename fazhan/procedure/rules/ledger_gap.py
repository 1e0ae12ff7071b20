"""LEDGER-GAP (procedure.md B0.10): one finding for a case migrated from a ledger that lacks what the ledger
could not hold, listing it in Chinese until it is recorded — the very gaps for which the other rules stay
silent (rules/ledger.py)."""

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fazhan.procedure.definition import LEDGER_GAP_STEPS, Anchor
from fazhan.procedure.engine import CaseFacts, Finding, check, finding
from fazhan.procedure.rules.activists import empty_cultivation_windows
from fazhan.procedure.rules.ledger import (
    detail_label,
    form_unregistered,
    from_ledger,
    gap,
    missing_details,
    review_unrecorded,
    step_label,
    window_in_ledger,
)
from fazhan.procedure.rules.notice2018 import archive_review_due
from fazhan.procedure.rules.probation import empty_probation_windows


def _windows_open(facts: CaseFacts, step: str) -> bool:
    """A window of the repeated step that ran within the ledger's time is still empty."""
    windows = empty_cultivation_windows if step == Anchor.CULTIVATION else empty_probation_windows
    return any(window_in_ledger(facts, step, last) for _kind, _first, last in windows(facts))


def gap_steps(facts: CaseFacts) -> list[str]:
    """The steps the ledger could not hold that the case still lacks: a single step with no record of it,
    a repeated one (S06, S21) also while one of its windows within the ledger's time is empty."""
    repeated = (Anchor.CULTIVATION, Anchor.PROBATION_EDUCATION)
    return [s for s in LEDGER_GAP_STEPS if gap(facts, s) or (s in repeated and _windows_open(facts, s))]


@check("LEDGER-GAP")
def ledger_gaps(facts: CaseFacts) -> Iterator[Finding]:
    """The steps due by the case's ledger records that it still lacks, and the missing details of its ledger
    records, in one WARN finding on no record (nothing to refuse at entry)."""
    if not from_ledger(facts):
        return
    steps = gap_steps(facts)
    details: dict[str, list[str]] = {}
    for record in from_ledger(facts):
        keys = missing_details(facts, record)
        if keys and record.step not in details:
            details[record.step] = keys
    registers = register_gaps(facts)
    if not steps and not details and not registers:
        return
    parts = ["、".join(step_label(s) for s in steps)] if steps else []
    parts += [
        f"{step_label(s)}的{'、'.join(detail_label(k) for k in keys)}" for s, keys in sorted(details.items())
    ]
    parts += [str(REGISTER_LABELS[k]) for k in registers]
    yield finding(
        "LEDGER-GAP",
        _("台账未载明（请补录）：%(gaps)s") % {"gaps": "；".join(parts)},
        evidence={"steps": steps, "details": details, "registers": registers},
    )


REGISTER_LABELS = {
    "form_register": gettext_lazy("入党志愿书编号登记"),
    "archive_review": gettext_lazy("乡镇党委档案审核记录"),
}


def register_gaps(facts: CaseFacts) -> list[str]:
    """The registers beside the steps that a ledger row cannot hold and the case lacks: its numbered form in
    the register (FORM-MATCH), the township's review of a converted member's file (ARC-REVIEW)."""
    out = []
    if any(form_unregistered(facts, r) for r in facts.all(Anchor.FORM)):
        out.append("form_register")
    due = archive_review_due(facts)
    if due is not None and facts.as_of > due[1] and review_unrecorded(facts, *due):
        out.append("archive_review")
    return out
