"""Screens of the rules in procedure/rules/activists.py (see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames, falsy, months
from fazhan.inspection.screens import screen
from fazhan.inspection.screens._common import (
    empty_windows,
    full_member_on,
    of_kind,
    org_above_branch,
    skipped,
    with_org,
)
from fazhan.procedure.definition import Anchor


@screen("ACT-PRE")
def act_pre(f: Frames) -> pl.Series:
    """ACT-PRE, exact but for odd falsy values (a method or body of 0 or false is flagged as the rule does;
    any other text counts as given): an S03 with no method, no deciding body, a branch meeting deciding where
    the branch has a committee, or dated on or before the first talk (S02)."""
    has_committee = pl.col("branch_full") >= f.limits.committee_min_full_members
    decisions = (
        f.step(Anchor.ACTIVIST, "method", "decided_by")
        .join(f.wide.select("case", "branch_full", pl.col(Anchor.TALK).alias("talk")), on="case")
        .filter(
            falsy("method")
            | falsy("decided_by")
            | ((pl.col("decided_by") == "branch_meeting") & has_committee)
            | (pl.col("date") <= pl.col("talk")).fill_null(False)
        )
    )
    return pl.concat([decisions["case"], skipped(f, Anchor.ACTIVIST)])


@screen("ACT-GAP")
def act_gap(f: Frames) -> pl.DataFrame:
    """ACT-GAP, exact: the first S03 before add_months(the first S01, activist_gap_months)."""
    return f.wide.filter(
        pl.col(Anchor.ACTIVIST) < months(pl.col(Anchor.APPLICATION), f.limits.activist_gap_months)
    )


@screen("ACT-FILE")
def act_file(f: Frames) -> pl.Series:
    """ACT-FILE, exact: an S04 whose filed_with is not a committee (or the district committee) above the
    branch — unknown or missing included; no S04 at all while the target is decided (a skip)."""
    filed = with_org(f.step(Anchor.ACTIVIST_FILING, "filed_with"), f, "filed_with")
    wrong = filed.filter(~org_above_branch(("committee", "district_committee")))["case"]
    return pl.concat([wrong, skipped(f, Anchor.ACTIVIST_FILING)])


@screen("ACT-CONTACT")
def act_contact(f: Frames) -> pl.Series:
    """ACT-CONTACT, exact (contacts that are not a list of texts are flagged): an S05 with fewer or more
    contacts than the limits, or naming one who is not a full member on its date; no S05 at all while the
    cultivation is on record (a skip)."""
    low, high = f.limits.contacts_min, f.limits.contacts_max
    records = f.step(Anchor.CONTACTS, ("contacts", pl.List(pl.String)))
    size = pl.col("contacts").list.len()
    bad_size = records.filter(pl.col("contacts").is_null() | (size < low) | (size > high))
    named = (
        records.select("case", "date", pl.col("contacts").alias("pid"))
        .explode("pid")
        .drop_nulls("pid")
        .join(f.members, on="pid", how="left")
        .filter(~full_member_on(pl.col("date")).fill_null(False))
    )
    return pl.concat([bad_size["case"], named["case"], skipped(f, Anchor.CONTACTS)])


def activist_windows(f: Frames, kind: str, length: int) -> pl.DataFrame:
    """The cases with an empty window of the rule (activists._windows): from the first S03 to the first S07,
    or the as-of date without one."""
    spans = f.wide.select(
        "case",
        pl.col(Anchor.ACTIVIST).alias("start"),
        pl.coalesce(pl.col(Anchor.TARGET), pl.col("as_of")).alias("end"),
    )
    return empty_windows(spans, of_kind(f, Anchor.CULTIVATION, kind), length=length)


@screen("ACT-HALFYEAR")
def act_halfyear(f: Frames) -> pl.Series:
    """ACT-HALFYEAR, exact but for ledger gaps: the half-year windows generated per case and anti-joined
    against its S06 examinations; no S06 at all while the target is decided (a skip)."""
    windows = activist_windows(f, "examination", f.limits.examination_window_months)["case"]
    return pl.concat([windows, skipped(f, Anchor.CULTIVATION)])


@screen("ACT-REPORT")
def act_report(f: Frames) -> pl.DataFrame:
    """ACT-REPORT, exact: the quarterly windows generated per case and anti-joined against its S06 thought
    reports."""
    return activist_windows(f, "thought_report", f.limits.report_window_months)
