"""A case migrated from a ledger (procedure.md B0.10): what the rules do not hold against it, and LEDGER-GAP.

An Excel ledger (interchange.md) creates only the steps it has columns for (definition.LEDGER_COLUMNS), with
no details beyond the people it names and the form number. A rule that would fire only because such a case
lacks what a ledger row cannot hold does not fire; LEDGER-GAP lists those gaps instead, one finding per case,
until they are recorded. What the ledger carries — its dates, their order and limits, the people it names — is
judged as usual.

When is a gap the ledger's? When the record that reveals it is a ledger record: a skipped step seen from a
later ledger record, a detail missing from a ledger record. A clock (a half-year window, a deadline) is the
ledger's while it ran within the ledger's time (`ledger_end`): up to the first entry made in Fazhan after the
migration, or, while nothing has been entered since, up to the as-of date. A record entered live is judged in
full: entry refuses a step whose prerequisite is missing even on a migrated case, so the gap is recorded
first. LEDGER-GAP itself is rules/ledger_gap.py.
"""

import datetime

from django.utils.translation import gettext as _

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import (
    DETAIL_LABELS,
    LEDGER_COLUMNS,
    LEDGER_GAP_DETAILS,
    LEDGER_GAP_STEPS,
    STEPS_BY_CODE,
    Anchor,
)
from fazhan.procedure.engine import CaseFacts, Rec, entered_on


def from_ledger(facts: CaseFacts) -> list[Rec]:
    return [r for r in facts.records if r.from_ledger]


def ledger_end(facts: CaseFacts) -> datetime.date | None:
    """The last day of the ledger's time on this case: the earliest day a record was entered in Fazhan (its
    entry day, or its date where it has no entry time), never before the ledger's latest date; the as-of date
    while no record has been entered since. None for a case no ledger created a record of. Records not yet
    written (a record being entered, the procedure calendar's assumed ones: negative ids) do not count."""
    ledger = from_ledger(facts)
    if not ledger:
        return None
    last = max(r.date for r in ledger)
    live = [entered_on(r) or r.date for r in facts.records if not r.from_ledger and r.id >= 0]
    return max(last, min(live)) if live else facts.as_of


def reaches(facts: CaseFacts, step: str) -> bool:
    """`step` is one a ledger row cannot hold, and the case's ledger records reach the step it is due from
    (one of them is of that step, or of a later one)."""
    due = LEDGER_GAP_STEPS.get(step)
    if due is None:
        return False
    number = STEPS_BY_CODE[due].number
    return any(STEPS_BY_CODE[r.step].number >= number for r in from_ledger(facts))


def gap(facts: CaseFacts, step: str) -> bool:
    """Whether `step` is a ledger gap of the case: a step a ledger row cannot hold, due by the ledger's
    records, with no record of it at all (once one is recorded, the rules judge it)."""
    return reaches(facts, step) and not facts.all(step)


def revealed_by_ledger(facts: CaseFacts, step: str, later: Rec) -> bool:
    """A skip of `step` seen from the record `later` is a ledger gap: `later` is a ledger record."""
    return later.from_ledger and gap(facts, step)


def clock_in_ledger(facts: CaseFacts, step: str, day: datetime.date) -> bool:
    """A deadline for a single step (S18's) that passed on `day` within the ledger's time, the step a ledger
    gap."""
    end = ledger_end(facts)
    return end is not None and day <= end and gap(facts, step)


def window_in_ledger(facts: CaseFacts, step: str, last: datetime.date) -> bool:
    """A window of a repeated step (S06, S21) that ended on `last` within the ledger's time, the ledger
    reaching the step: whatever records of the step were entered since, the ledger could hold none for it."""
    end = ledger_end(facts)
    return end is not None and last <= end and reaches(facts, step)


def fills_gap(facts: CaseFacts, record: Rec) -> bool:
    """A record entered in Fazhan of a step a ledger row cannot hold, dated within the ledger's time: it
    completes the migrated file (LEDGER-GAP asks for it), so its late entry is no sign of back-dating."""
    end = ledger_end(facts)
    if end is None or record.from_ledger:
        return False
    return record.step in LEDGER_GAP_STEPS and record.date <= end


def unheld(record: Rec, key: str) -> bool:
    """A detail absent from a ledger record that a ledger row cannot hold."""
    return record.from_ledger and key not in record.details and key not in LEDGER_COLUMNS.get(record.step, ())


def unheld_reason(facts: CaseFacts, approval: Rec) -> bool:
    """S17's special reason is a ledger gap where a ledger approval later than approval_months after the
    branch meeting (but within approval_special_months) names none (APV-TIME would otherwise fire)."""
    meeting = facts.date_of(Anchor.BRANCH_MEETING)
    if meeting is None or not unheld(approval, "special_reason"):
        return False
    limits = facts.limits
    return (
        add_months(meeting, limits.approval_months)
        < approval.date
        <= add_months(meeting, limits.approval_special_months)
    )


def missing_details(facts: CaseFacts, record: Rec) -> list[str]:
    """The details of a ledger record that a row cannot hold and the rules read, where absent (B0.10)."""
    keys = [k for k in LEDGER_GAP_DETAILS.get(record.step, ()) if unheld(record, k)]
    if record.step == Anchor.POLITICAL_REVIEW and not facts.floating:
        keys = [k for k in keys if k != "floating_opinions"]
    if record.step == Anchor.TRAINING and len(keys) < 2:
        keys = []  # either the days or the hours can show the length
    if record.step == Anchor.APPROVAL and not unheld_reason(facts, record):
        keys = []
    return keys


def form_unregistered(facts: CaseFacts, record: Rec) -> bool:
    """A ledger's S14 names a form the register does not hold: the register (the district's, imported on its
    own or not at all) is no part of a ledger row, so FORM-MATCH stays silent and LEDGER-GAP lists it."""
    number = record.details.get("form_number")
    return (
        record.from_ledger
        and record.step == Anchor.FORM
        and bool(number)
        and not any(f["number"] == number for f in facts.forms)
    )


def review_unrecorded(facts: CaseFacts, conversion: Rec, deadline: datetime.date) -> bool:
    """A ledger's conversion whose archive review (ARC-REVIEW) fell due within the ledger's time with none on
    record: the archive register is no part of a ledger row."""
    end = ledger_end(facts)
    return conversion.from_ledger and end is not None and deadline <= end and not facts.archive_reviews


def step_label(code: str) -> str:
    """A step as users name it: its official name and its number in the chart (S15 and S23 share a name)."""
    step = STEPS_BY_CODE[code]
    return _("%(name)s（第%(n)d步）") % {"name": step.name, "n": step.number}


def detail_label(key: str) -> str:
    """A detail's label without the entry form's hint in brackets (“（组织代码）”)."""
    return str(DETAIL_LABELS[key]).split("（")[0]
