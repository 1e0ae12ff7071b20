"""Building blocks several screens share, each the set-based form of a helper of the rules (procedure/rules,
engine) over Frames' tables (see screens/__init__.py for the contract).

The probation end of the rules (`probation_end`, `end_before`) is computed here for every case and record at
once: the first S15 plus probation_months plus the months of every extension (an S23 deciding "extend" with
an int extend_months) that the committee has not rejected (the S24 deciding its round, rules/outcome.py),
counting for `end_before` only the S15, S23 and S24 records before the record judged in the record order
(`pos`).

A skipped step (B0.7) is reported by its own rule: `skipped` flags the cases for that rule's screen.
"""

import polars as pl

from fazhan.inspection.frames import Frames, add_months_by, count_of, months
from fazhan.procedure.definition import PASSING_PREREQUISITES, Anchor
from fazhan.procedure.rules.order import DEPENDENTS


def empty_windows(spans: pl.DataFrame, records: pl.DataFrame, *, length: int) -> pl.DataFrame:
    """rules/windows.empty_windows for every case at once: `spans` holds `case`, `start`, `end` (dates), one
    row per case; `records` holds `case`, `date` of the records of the kind. One row (`case`, `n`,
    `w_start`, `w_end`) per window of `length` months from `start`, ended by `end` (window_end <= end), that
    holds no record (w_start <= date < w_end)."""
    start, end = pl.col("start"), pl.col("end")
    # add_months(start, k) lies in the k-th month after start's: it can be <= end only up to this many months
    span_months = (end.dt.year() - start.dt.year()) * 12 + end.dt.month().cast(pl.Int32) - start.dt.month()
    windows = (
        spans.drop_nulls(["start", "end"])
        .with_columns(n=pl.int_ranges(1, span_months // length + 1))
        .explode("n")
        .drop_nulls("n")
        .with_columns(
            w_start=add_months_by(start, (pl.col("n") - 1) * length),
            w_end=add_months_by(start, pl.col("n") * length),
        )
        .filter(pl.col("w_end") <= end)
    )
    held = (
        windows.join(records.select("case", "date"), on="case")
        .filter((pl.col("date") >= pl.col("w_start")) & (pl.col("date") < pl.col("w_end")))
        .select("case", "n")
        .unique()
    )
    return windows.join(held, on=["case", "n"], how="anti")


def skipped(f: Frames, needed: str) -> pl.Series:
    """The cases with a record of a step that needs `needed` and no record of it at all (a passing one where
    it must pass): rules/order.skips, exact but for the ledger gaps it leaves out."""
    tests = []
    for step in DEPENDENTS[needed]:
        none = (
            pl.col(needed).is_null() if PASSING_PREREQUISITES.get(step) == needed else count_of(needed) == 0
        )
        tests.append((count_of(step) > 0) & none)
    if not tests:
        return pl.Series("case", [], dtype=pl.UInt32)
    return f.wide.filter(pl.any_horizontal(tests))["case"]


def of_kind(f: Frames, step: str, kind: str) -> pl.DataFrame:
    return f.step(step, "kind").filter(pl.col("kind") == kind)


def org_above_branch(kinds: tuple[str, ...]) -> pl.Expr:
    """Whether the org joined by `with_org` (`o_kind`, `o_path`) is of one of `kinds` and above the case's
    branch (OrgFacts.is_above); false when there is none."""
    return (
        pl.col("o_kind").is_in(kinds)
        & pl.col("branch_path").str.starts_with(pl.col("o_path"))
        & (pl.col("branch_path") != pl.col("o_path"))
    ).fill_null(False)


def with_org(frame: pl.DataFrame, f: Frames, code_column: str) -> pl.DataFrame:
    """`frame` with the case's branch path and the org its `code_column` names (Frames.orgs, shared by every
    case as the loader builds them) beside it."""
    orgs = f.orgs.select(
        pl.col("code").alias(code_column), pl.col("kind").alias("o_kind"), pl.col("path").alias("o_path")
    )
    branch = f.cases.select("case", pl.col("branch_path").cast(pl.String))  # Null-typed with no case
    return frame.join(branch, on="case").join(orgs, on=code_column, how="left")


def full_member_on(day: pl.Expr) -> pl.Expr:
    """MemberFacts.full_member_on over Frames.members' columns (null when the member is unknown)."""
    since = pl.coalesce(pl.col("full_since"), months(pl.col("joined_on"), 12))
    return (pl.col("party_status") == "full") & (since.is_null() | (since <= day))


# --- the probation end --------------------------------------------------------------------------------------

LAST = 1 << 31  # a position after every record: the end as it stands on the whole record


def extensions(f: Frames) -> pl.DataFrame:
    return f.shared((__name__, "extensions"), lambda: _extensions(f))


def _extensions(f: Frames) -> pl.DataFrame:
    """`case`, `e_pos`, `e_months`, `r_pos`: the S23 records that extend probation (Round.extension; an
    extend_months of true is Python's int 1, anything not an int reads as 0), and the position of the S24 that
    rejected the round, null where none has (yet)."""
    raw = pl.col("extend_months")
    value = (
        pl.when(raw == "true")
        .then(1)
        .when(raw.str.contains(r"^-?\d+$"))
        .then(raw.cast(pl.Int64, strict=False))
        .otherwise(0)
    )
    extending = (
        f.step(Anchor.CONVERSION_MEETING, "decision", "extend_months")
        .filter(pl.col("decision") == "extend")
        .select("case", pl.col("pos").alias("e_pos"), value.fill_null(0).alias("e_months"))
        .filter(pl.col("e_months") != 0)
    )
    rejections = rounds(f).filter(~pl.col("d_passed")).select("case", "e_pos", pl.col("d_pos").alias("r_pos"))
    return extending.join(rejections, on=["case", "e_pos"], how="left")


def rounds(f: Frames) -> pl.DataFrame:
    """`case`, `e_pos` (an S23's place), `d_pos`, `d_passed`: the S24 deciding each S23 that has one — the
    first after it and before the next S23 (rules/outcome.conversion_rounds)."""
    return f.shared((__name__, "rounds"), lambda: _rounds(f))


def _rounds(f: Frames) -> pl.DataFrame:
    meetings = (
        f.step(Anchor.CONVERSION_MEETING)
        .select("case", pl.col("pos").alias("e_pos"))
        .sort("case", "e_pos")
        .with_columns(next_pos=pl.col("e_pos").shift(-1).over("case"))
    )
    decisions = f.step(Anchor.CONVERSION_APPROVAL).select(
        "case", pl.col("pos").alias("d_pos"), pl.col("passed").alias("d_passed")
    )
    return (
        meetings.join(decisions, on="case")
        .filter(
            (pl.col("d_pos") > pl.col("e_pos"))
            & (pl.col("next_pos").is_null() | (pl.col("d_pos") < pl.col("next_pos")))
        )
        .sort("case", "e_pos", "d_pos")
        .group_by("case", "e_pos", maintain_order=True)
        .first()
        .select("case", "e_pos", "d_pos", "d_passed")
    )


def ends_before(f: Frames, frame: pl.DataFrame, pos: str = "pos") -> pl.DataFrame:
    """`frame` (one row per `case` and `pos`) with `end_then`: the probation end as it stood before the
    record at `pos` (probation.end_before: extensions before it, less those rejected before it), null where
    no S15 precedes it."""
    key = frame.select("case", pl.col(pos).alias("_pos")).unique()
    meeting = (
        f.step(Anchor.BRANCH_MEETING)
        .group_by("case")
        .agg(pl.col("date").first().alias("_m_date"), pl.col("pos").first().alias("_m_pos"))
    )
    added = (
        key.join(extensions(f), on="case")
        .filter(
            (pl.col("e_pos") < pl.col("_pos"))
            & (pl.col("r_pos").is_null() | (pl.col("r_pos") >= pl.col("_pos")))
        )
        .group_by("case", "_pos")
        .agg(pl.col("e_months").sum().alias("_ext"))
    )
    ends = (
        key.join(meeting, on="case")
        .filter(pl.col("_m_pos") < pl.col("_pos"))
        .join(added, on=["case", "_pos"], how="left")
        .select(
            "case",
            "_pos",
            add_months_by(pl.col("_m_date"), pl.col("_ext").fill_null(0) + f.limits.probation_months).alias(
                "end_then"
            ),
        )
    )
    return frame.join(ends, left_on=["case", pos], right_on=["case", "_pos"], how="left")


def probation_ends(f: Frames) -> pl.DataFrame:
    """`f.wide` with `end` (probation.probation_end, null before a branch meeting)."""
    return f.shared((__name__, "ends"), lambda: _probation_ends(f))


def _probation_ends(f: Frames) -> pl.DataFrame:
    at_last = f.wide.with_columns(_last=pl.lit(LAST, dtype=pl.Int64))
    return ends_before(f, at_last, pos="_last").rename({"end_then": "end"}).drop("_last")
