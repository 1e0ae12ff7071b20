"""Screens of the rules in procedure/rules/probation.py (see screens/__init__.py for the contract). The
probation end they judge against (`probation_ends`, `ends_before`) is screens/_common.py's.
"""

import datetime

import polars as pl

from fazhan.inspection.frames import Frames, count_of, months, overdue
from fazhan.inspection.screens import screen
from fazhan.inspection.screens._common import empty_windows, ends_before, of_kind, probation_ends, skipped
from fazhan.procedure.definition import ARCHIVE_CORE, RULES_BY_ID, STEPS_BY_CODE, Anchor
from fazhan.procedure.rules.probation import ARCHIVE_CORE_STEPS


def records_with_end(f: Frames, step: str, *keys: str) -> pl.DataFrame:
    """The step's records with `end_then`, and `end` (the whole record's) for `end_before(...) or end`."""
    return f.shared((__name__, f"records {step} {keys}"), lambda: _records_with_end(f, step, *keys))


def _records_with_end(f: Frames, step: str, *keys: str) -> pl.DataFrame:
    records = f.step(step, *keys).with_columns(pl.col("pos").cast(pl.Int64))
    ends = probation_ends(f).select("case", "end", pl.col(Anchor.APPROVAL).alias("approval"))
    return ends_before(f, records).join(ends, on="case", how="left")


@screen("PRB-DATES")
def prb_dates(f: Frames) -> list[int]:
    """PRB-DATES is a derivation that yields nothing: no case to judge."""
    return []


@screen("PRB-EXAM")
def prb_exam(f: Frames) -> pl.DataFrame:
    """PRB-EXAM, exact: with an approval (S17), the examination half-years and report quarters from the
    branch meeting to the probation stop (the end, as-of, exit or a cancelling S23), generated per case and
    anti-joined against its S21 records of the kind."""
    cancelled = (
        f.step(Anchor.CONVERSION_MEETING, "decision")
        .filter(pl.col("decision") == "cancel")
        .group_by("case")
        .agg(pl.col("date").min().alias("cancelled"))
    )
    spans = (
        probation_ends(f)
        .filter(pl.col(Anchor.APPROVAL).is_not_null() & pl.col("end").is_not_null())
        .join(cancelled, on="case", how="left")
        .select(
            "case",
            pl.col(Anchor.BRANCH_MEETING).alias("start"),
            pl.min_horizontal("end", "as_of", "exited_on", "cancelled").alias("end"),
        )
    )
    limits = f.limits
    return pl.concat(
        [
            empty_windows(spans, of_kind(f, Anchor.PROBATION_EDUCATION, kind), length=length).select("case")
            for kind, length in (
                ("examination", limits.examination_window_months),
                ("thought_report", limits.report_window_months),
            )
        ]
    )


@screen("PRB-OATH")
def prb_oath(f: Frames) -> pl.DataFrame:
    """PRB-OATH, exact: with an approval and a probation end, no S20 while an S23 or S24 exists or the end
    has passed (overdue); or an S20 on or after the end as it stood before it, or before the approval with
    an earlier S17 record."""
    ends = probation_ends(f).filter(pl.col(Anchor.APPROVAL).is_not_null() & pl.col("end").is_not_null())
    missing = ends.filter(
        (count_of(Anchor.OATH) == 0)
        & (
            (count_of(Anchor.CONVERSION_MEETING) + count_of(Anchor.CONVERSION_APPROVAL) > 0)
            | overdue(pl.col("end"))
        )
    )
    first_s17 = f.step(Anchor.APPROVAL).group_by("case").agg(pl.col("date").min().alias("any_s17"))
    oaths = (
        records_with_end(f, Anchor.OATH)
        .filter(pl.col("approval").is_not_null() & pl.col("end").is_not_null())
        .join(first_s17, on="case", how="left")
        .filter(
            (pl.col("date") >= pl.coalesce("end_then", "end"))
            | ((pl.col("date") < pl.col("approval")) & (pl.col("any_s17") <= pl.col("date")))
        )
    )
    return pl.concat([missing.select("case"), oaths.select("case")])


@screen("CNV-APPLY")
def cnv_apply(f: Frames) -> pl.DataFrame:
    """CNV-APPLY: an S23 without any S22 (a skip); every case with a second S23 (a round after an extension
    needs its own S22: over-flags); an S22 after the probation end as it stood before it, or earlier than
    conversion_meeting_months before that end."""
    without = f.wide.filter(
        (count_of(Anchor.CONVERSION_MEETING) > 0) & (count_of(Anchor.CONVERSION_APPLICATION) == 0)
        | (count_of(Anchor.CONVERSION_MEETING) > 1)
    )
    end = pl.col("end_then")
    too_early = months(end, -f.limits.conversion_meeting_months)
    odd = records_with_end(f, Anchor.CONVERSION_APPLICATION).filter(
        (pl.col("date") < too_early) | (pl.col("date") > end)
    )
    return pl.concat([without.select("case"), odd.select("case")])


@screen("CNV-MEETING")
def cnv_meeting(f: Frames) -> pl.Series:
    """CNV-MEETING, exact: an S23 not deciding "cancel" before the probation end as it stood before it; for a
    member not transferred in probation, a round whose probation ended before CNV-ONTIME came into force
    opened later than conversion_meeting_months after the end, or not by then (rule 32)."""
    early = records_with_end(f, Anchor.CONVERSION_MEETING, "decision").filter(
        pl.col("decision").ne_missing("cancel") & (pl.col("date") < pl.col("end_then"))
    )
    stayed = f.cases.join(moved_in_probation(f, until_as_of=True), on="case", how="anti").select("case")
    late = late_rounds(f, cases=stayed, length=f.limits.conversion_meeting_months, ended_before=ONTIME)
    return pl.concat([early["case"], late["case"]])


@screen("CNV-OUTCOME")
def cnv_outcome(f: Frames) -> pl.Series:
    """CNV-OUTCOME: an S23 whose decision is not one of the choices, a second extension (a rejected one among
    them: over-flags), or an extension whose months are not an int between the limits; an S24 with no S23 at
    all (a skip)."""
    outcomes = list(STEPS_BY_CODE[Anchor.CONVERSION_MEETING].details["decision"].choices)
    low, high = f.limits.extension_min_months, f.limits.extension_max_months
    raw = pl.col("extend_months")
    sound_months = raw.str.contains(r"^-?\d+$") & raw.cast(pl.Int64, strict=False).is_between(low, high)
    records = f.step(Anchor.CONVERSION_MEETING, "decision", "extend_months")
    extend = pl.col("decision") == "extend"
    odd = records.filter(
        ~pl.col("decision").is_in(outcomes).fill_null(False) | (extend & ~sound_months.fill_null(False))
    )
    twice = records.filter(extend).group_by("case").len().filter(pl.col("len") > 1)
    return pl.concat([odd["case"], twice["case"], skipped(f, Anchor.CONVERSION_MEETING)])


@screen("CNV-APV-TIME")
def cnv_apv_time(f: Frames) -> pl.DataFrame:
    """CNV-APV-TIME, exact: each S24 decides on the last S23 (in record order) dated on or before it; the
    first S24 on a resolution is late after conversion_approval_months, and a resolution without one is
    overdue then."""
    resolutions = f.step(Anchor.CONVERSION_MEETING).select(
        "case", pl.col("pos").alias("r_pos"), pl.col("date").alias("r_date")
    )
    decisions = (
        f.step(Anchor.CONVERSION_APPROVAL)
        .select("case", "pos", "date")
        .join(resolutions, on="case")
        .filter(pl.col("r_date") <= pl.col("date"))
        .sort("case", "pos", "r_pos")
        .group_by("case", "pos", maintain_order=True)
        .agg(pl.col("r_pos").last(), pl.col("date").first())
        .sort("case", "pos")
        .group_by("case", "r_pos", maintain_order=True)
        .agg(pl.col("date").first().alias("decided"))
    )
    deadline = months(pl.col("r_date"), f.limits.conversion_approval_months)
    judged = (
        resolutions.join(decisions, on=["case", "r_pos"], how="left")
        .join(f.cases.select("case", "as_of", "exited_on"), on="case")
        .filter(
            pl.when(pl.col("decided").is_null())
            .then(overdue(deadline))
            .otherwise(pl.col("decided") > deadline)
        )
    )
    return judged.select("case")


def transfer_dates(f: Frames) -> pl.DataFrame:
    """`case`, `moved` (date) of every transfer in the register."""
    register = f.register("transfers", {"date": pl.String})
    return register.select("case", pl.col("date").str.to_date(strict=False).alias("moved"))


def moved_in_probation(f: Frames, *, until_as_of: bool) -> pl.DataFrame:
    """The cases with a transfer from the approval (S17) until the conversion (`converted_on`: the S24
    approving a `convert` round); with `until_as_of` only transfers dated on or before the as-of date count
    (probation.transferred_in_probation). An unreadable transfer date counts as a move."""
    moves = transfer_dates(f).join(f.wide.select("case", Anchor.APPROVAL, "converted_on", "as_of"), on="case")
    within = (pl.col(Anchor.APPROVAL) <= pl.col("moved")) & (
        pl.col("converted_on").is_null() | (pl.col("moved") < pl.col("converted_on"))
    )
    if until_as_of:
        within = within & (pl.col("moved") <= pl.col("as_of"))
    return (
        moves.filter(pl.col(Anchor.APPROVAL).is_not_null() & (pl.col("moved").is_null() | within))
        .select("case")
        .unique()
    )


ONTIME = datetime.date.fromisoformat(RULES_BY_ID["CNV-ONTIME"].since)  # rule 32's divide


def late_rounds(
    f: Frames,
    *,
    cases: pl.DataFrame,
    length: int,
    ended_from: datetime.date | None = None,
    ended_before: datetime.date | None = None,
) -> pl.DataFrame:
    """The `cases` (with an approval and a probation end) on which a conversion round is late by the rule
    of CNV-TRANSFER / CNV-ONTIME / CNV-MEETING (probation.late_openings): the S23 opening a round (the first,
    or one after an extension — one the committee rejected among them: over-flags) later than add_months(the
    end as it stood before it, length), or no opening S23 while add_months(end, length) has passed
    (overdue). With `ended_from` / `ended_before`, only rounds whose probation end is on or after / before
    that day count."""
    ends = probation_ends(f).filter(pl.col(Anchor.APPROVAL).is_not_null() & pl.col("end").is_not_null())
    ends = ends.join(cases, on="case", how="semi")
    meetings = (
        records_with_end(f, Anchor.CONVERSION_MEETING, "decision")
        .join(ends.select("case"), on="case", how="semi")
        .sort("case", "pos")
        .with_columns(
            previous=pl.col("decision").shift(1).over("case"), nth=pl.int_range(pl.len()).over("case")
        )
    )

    def ended(day: pl.Expr) -> pl.Expr:
        out = pl.lit(True)
        if ended_from:
            out = out & (day >= ended_from)
        if ended_before:
            out = out & (day < ended_before)
        return out

    opening = (pl.col("nth") == 0) | (pl.col("previous") == "extend").fill_null(False)
    end_then = pl.coalesce("end_then", "end")
    late = opening & (pl.col("date") > months(end_then, length)) & ended(end_then)
    last = meetings.group_by("case").agg(pl.col("decision").last().alias("last_decision"))
    still_open = ends.join(last, on="case", how="left").filter(
        (count_of(Anchor.CONVERSION_MEETING) == 0) | (pl.col("last_decision") == "extend").fill_null(False)
    )
    overdue_now = overdue(months(pl.col("end"), length)) & ended(pl.col("end"))
    return pl.concat([meetings.filter(late).select("case"), still_open.filter(overdue_now).select("case")])


@screen("CNV-TRANSFER")
def cnv_transfer(f: Frames) -> pl.DataFrame:
    """CNV-TRANSFER, exact: a member transferred in probation whose conversion round opens later than
    transfer_deferral_months after the end (as it stood before the meeting), or not at all by then."""
    moved = moved_in_probation(f, until_as_of=False)
    return late_rounds(f, cases=moved, length=f.limits.transfer_deferral_months)


@screen("ARC-FILE")
def arc_file(f: Frames) -> pl.DataFrame:
    """ARC-FILE, exact: an S25 dated before the first passing record of one of the core documents' steps
    (or with none)."""
    core = [ARCHIVE_CORE_STEPS[doc] for doc in ARCHIVE_CORE]
    firsts = f.wide.select("case", *core)
    return (
        f.step(Anchor.ARCHIVE)
        .join(firsts, on="case")
        .filter(pl.any_horizontal([pl.col(s).is_null() | (pl.col(s) > pl.col("date")) for s in core]))
    )
