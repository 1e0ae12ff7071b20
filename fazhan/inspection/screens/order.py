"""Screens of the rules in procedure/rules/order.py (see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import STEP, Frames
from fazhan.inspection.screens import screen
from fazhan.procedure.definition import PASSING_PREREQUISITES, STEPS
from fazhan.procedure.rules.order import OWNED_BY_OTHER_RULES

# (step, a prerequisite, whether only a passing record of it counts)
PAIRS = pl.DataFrame(
    [
        (s.code, needed, PASSING_PREREQUISITES.get(s.code) == needed)
        for s in STEPS
        for needed in s.prerequisites
    ],
    schema={"step": STEP, "needed": STEP, "must_pass": pl.Boolean},
    orient="row",
)


@screen("SEQ-ORDER")
def seq_order(f: Frames) -> pl.DataFrame:
    """Exact: a record whose prerequisite has no (passing, where it must) record on or before its date."""
    earliest = f.recs.group_by("case", pl.col("step").alias("needed")).agg(
        pl.col("date").min().alias("any_on"),
        pl.col("date").filter(pl.col("passed")).min().alias("passed_on"),
    )
    pairs = (
        f.recs.select("case", "step", "date")
        .join(PAIRS, on="step")
        .join(earliest, on=["case", "needed"], how="left")
    )
    candidate = pl.when(pl.col("must_pass")).then(pl.col("passed_on")).otherwise(pl.col("any_on"))
    owned_elsewhere = pl.col("needed").is_in(list(OWNED_BY_OTHER_RULES)) & pl.col("any_on").is_null()
    return pairs.filter(~owned_elsewhere & (candidate.is_null() | (candidate > pl.col("date"))))
