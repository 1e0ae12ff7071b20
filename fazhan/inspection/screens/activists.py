"""Screens of the rules in procedure/rules/activists.py (see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames, months
from fazhan.inspection.screens import screen

# Python-falsy details values as Polars' JSON path reads them (missing, "", false, [], {}, null; 0 and 0.0
# are caught by the number test).
FALSY_TEXTS = ("", "false", "[]", "{}", "null")


def falsy(column: str) -> pl.Expr:
    raw = pl.col(column)
    return raw.is_null() | raw.is_in(FALSY_TEXTS) | (raw.cast(pl.Float64, strict=False) == 0).fill_null(False)


def add_months_by(expr: pl.Expr, n: pl.Expr) -> pl.Expr:
    """core.calendar.add_months with a month count per row (frames.months takes a constant)."""
    return expr.dt.offset_by(pl.format("{}mo", n))


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


def of_kind(f: Frames, step: str, kind: str) -> pl.DataFrame:
    return f.step(step, "kind").filter(pl.col("kind") == kind)


@screen("ACT-PRE")
def act_pre(f: Frames) -> pl.DataFrame:
    """ACT-PRE, exact but for odd falsy values (a method or body of 0 or false is flagged as the rule does;
    any other text counts as given): an S03 with no method, no deciding body, a branch meeting deciding where
    the branch has a committee, or dated on or before the first talk (S02)."""
    has_committee = pl.col("branch_full") >= f.limits.committee_min_full_members
    return (
        f.step("S03", "method", "decided_by")
        .join(f.wide.select("case", "branch_full", pl.col("S02").alias("talk")), on="case")
        .filter(
            falsy("method")
            | falsy("decided_by")
            | ((pl.col("decided_by") == "branch_meeting") & has_committee)
            | (pl.col("date") <= pl.col("talk")).fill_null(False)
        )
    )


@screen("ACT-GAP")
def act_gap(f: Frames) -> pl.DataFrame:
    """ACT-GAP, exact: the first S03 before add_months(the first S01, activist_gap_months)."""
    return f.wide.filter(pl.col("S03") < months(pl.col("S01"), f.limits.activist_gap_months))


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


@screen("ACT-FILE")
def act_file(f: Frames) -> pl.DataFrame:
    """ACT-FILE, exact: an S04 whose filed_with is not a committee (or the district committee) above the
    branch — unknown or missing included."""
    filed = with_org(f.step("S04", "filed_with"), f, "filed_with")
    return filed.filter(~org_above_branch(("committee", "district_committee")))


def full_member_on(day: pl.Expr) -> pl.Expr:
    """MemberFacts.full_member_on over Frames.members' columns (null when the member is unknown)."""
    since = pl.coalesce(pl.col("full_since"), months(pl.col("joined_on"), 12))
    return (pl.col("party_status") == "full") & (since.is_null() | (since <= day))


@screen("ACT-CONTACT")
def act_contact(f: Frames) -> pl.DataFrame:
    """ACT-CONTACT, exact (contacts that are not a list of texts are flagged): an S05 with fewer or more
    contacts than the limits, or naming one who is not a full member on its date."""
    low, high = f.limits.contacts_min, f.limits.contacts_max
    records = f.step("S05", ("contacts", pl.List(pl.String)))
    size = pl.col("contacts").list.len()
    bad_size = records.filter(pl.col("contacts").is_null() | (size < low) | (size > high))
    named = (
        records.select("case", "date", pl.col("contacts").alias("pid"))
        .explode("pid")
        .drop_nulls("pid")
        .join(f.members, on="pid", how="left")
        .filter(~full_member_on(pl.col("date")).fill_null(False))
    )
    return pl.concat([bad_size.select("case"), named.select("case")])


def activist_windows(f: Frames, kind: str, length: int) -> pl.DataFrame:
    """The cases with an empty window of the rule (activists._windows): from the first S03 to the first S07,
    or the as-of date without one."""
    spans = f.wide.select(
        "case", pl.col("S03").alias("start"), pl.coalesce(pl.col("S07"), pl.col("as_of")).alias("end")
    )
    return empty_windows(spans, of_kind(f, "S06", kind), length=length)


@screen("ACT-HALFYEAR")
def act_halfyear(f: Frames) -> pl.DataFrame:
    """ACT-HALFYEAR, exact: the half-year windows generated per case and anti-joined against its S06
    examinations."""
    return activist_windows(f, "examination", f.limits.examination_window_months)


@screen("ACT-REPORT")
def act_report(f: Frames) -> pl.DataFrame:
    """ACT-REPORT, exact: the quarterly windows generated per case and anti-joined against its S06 thought
    reports."""
    return activist_windows(f, "thought_report", f.limits.report_window_months)
