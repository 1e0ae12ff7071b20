"""Screens of the rules in procedure/rules/order.py (see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames, earliest_of
from fazhan.inspection.screens import screen
from fazhan.procedure.definition import PASSING_PREREQUISITES, STEPS
from fazhan.procedure.rules.order import OWNED_BY_OTHER_RULES

# (step, a prerequisite, whether only a passing record of it counts)
PAIRS = [
    (s.code, needed, PASSING_PREREQUISITES.get(s.code) == needed) for s in STEPS for needed in s.prerequisites
]


@screen("SEQ-ORDER")
def seq_order(f: Frames) -> pl.DataFrame:
    """Exact: a step whose earliest record has no record of a prerequisite (a passing one, where it must
    pass) on or before its date — then that record breaks it, and if it does not, no later record of the
    step does. One test per pair of steps over the cases' earliest and first passing dates."""
    broken = []
    for step, needed, must_pass in PAIRS:
        date = earliest_of(step)
        candidate = pl.col(needed) if must_pass else earliest_of(needed)  # `first`: the first passing date
        test = date.is_not_null() & (candidate.is_null() | (candidate > date))
        if needed in OWNED_BY_OTHER_RULES:  # no record of it at all: the other rule's finding (B0.7)
            test &= earliest_of(needed).is_not_null()
        broken.append(test)
    return f.first.join(f.earliest, on="case").filter(pl.any_horizontal(broken))
