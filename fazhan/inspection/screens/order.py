"""Screens of the rules in procedure/rules/order.py (see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames, earliest_of
from fazhan.inspection.screens import screen
from fazhan.procedure.definition import PASSING_PREREQUISITES, SKIP_OWNERS, STEPS, Anchor

# (step, a prerequisite, whether only a passing record of it counts)
PAIRS = [
    (s.code, needed, PASSING_PREREQUISITES.get(s.code) == needed) for s in STEPS for needed in s.prerequisites
]


@screen("SEQ-ORDER")
def seq_order(f: Frames) -> pl.DataFrame:
    """Exact but for ledger gaps: a step whose earliest record has no record of a prerequisite (a passing one,
    where it must pass; for the archive, the approved conversion) on or before its date — then that record
    breaks it, and if it does not, no later record of the step does. A prerequisite with no record at all is
    its own rule's skip (B0.7) where it has one. One test per pair of steps over the cases' earliest and
    first passing dates."""
    broken = []
    for step, needed, must_pass in PAIRS:
        date = earliest_of(step)
        if step == Anchor.ARCHIVE and needed == Anchor.CONVERSION_APPROVAL:
            candidate = pl.col("converted_on")
        else:
            candidate = (
                pl.col(needed) if must_pass else earliest_of(needed)
            )  # `first`: the first passing date
        test = date.is_not_null() & (candidate.is_null() | (candidate > date))
        if needed in SKIP_OWNERS:  # no record of it at all: its own rule's finding
            test &= candidate.is_not_null()
        broken.append(test)
    frame = f.first.join(f.earliest, on="case").join(f.cases.select("case", "converted_on"), on="case")
    return frame.filter(pl.any_horizontal(broken))
