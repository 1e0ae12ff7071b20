"""Screens of the rules in procedure/rules/targets.py (see screens/__init__.py for the contract)."""

import datetime

import polars as pl

from fazhan.core.calendar import holidays_of
from fazhan.inspection.frames import Frames, days, months
from fazhan.inspection.screens import screen
from fazhan.inspection.screens._common import full_member_on, skipped
from fazhan.procedure.definition import Anchor, limit_count, limit_months
from fazhan.procedure.rules.targets import OPINIONS

ALL_FALSE = r'^\{\s*("[^"\\]*"\s*:\s*false\s*(,\s*)?)*\}$'


@screen("TGT-1YEAR")
def tgt_1year(f: Frames) -> pl.DataFrame:
    """The target less than a year after the activist date; any case with a transfer is flagged (a transfer
    without the materials restarts the clock)."""
    w = f.wide.filter(pl.col(Anchor.ACTIVIST).is_not_null() & pl.col(Anchor.TARGET).is_not_null())
    return w.filter(
        (pl.col(Anchor.TARGET) < months(pl.col(Anchor.ACTIVIST), f.limits.target_after_months))
        | (pl.col("n_transfers") > 0)
    )


@screen("TGT-OPINION")
def tgt_opinion(f: Frames) -> pl.Series:
    """Exact for lists of texts: an S07 missing one of the four opinions, an S08 not agreed; no S07 while its
    filing is on record, or no S08 while a step after it is (skips)."""
    heard = f.step(Anchor.TARGET, ("opinions_heard", pl.List(pl.String)))
    missing = heard.filter(
        pl.col("opinions_heard").is_null()
        | ~pl.all_horizontal([pl.col("opinions_heard").list.contains(o) for o in OPINIONS])
    )
    refused = f.step(Anchor.TARGET_FILING, "agreed").filter(pl.col("agreed") == "false")
    skips = [skipped(f, Anchor.TARGET), skipped(f, Anchor.TARGET_FILING)]
    return pl.concat([missing["case"], refused["case"], *skips])


def _holidays(start: pl.Expr, end: pl.Expr, periods: pl.DataFrame) -> list[datetime.date]:
    """The days off core.calendar counts — a loaded year's holidays, a provisional year's statutory ones —
    in every year from the earliest date of these periods to the latest."""
    dates = periods.select(pl.concat_list(start, end).alias("d")).explode("d").drop_nulls()["d"]
    if dates.is_empty():
        return []
    return holidays_of(range(dates.min().year, dates.max().year + 1))  # type: ignore[union-attr]


@screen("TGT-NOTICE")
def tgt_notice(f: Frames) -> pl.DataFrame:
    """A 公示 missing or unreadable, shorter than 5 weekdays less the holidays core.calendar counts (the true
    count adds the make-up workdays, so it is never smaller), or not ended before the filing (S08)."""
    target = f.first_records(Anchor.TARGET, "publicity_from", "publicity_to").join(
        f.first.select("case", Anchor.TARGET_FILING), on="case", how="left"
    )
    start = pl.col("publicity_from").str.to_date("%Y-%m-%d", strict=False)
    end = pl.col("publicity_to").str.to_date("%Y-%m-%d", strict=False)
    unreadable = start.is_null() | end.is_null()
    counted = pl.business_day_count(start, days(end, 1), holidays=_holidays(start, end, target))
    return target.filter(
        unreadable
        | (pl.col("publicity_from").str.len_chars() != 10)
        | (pl.col("publicity_to").str.len_chars() != 10)
        | (counted < limit_count("TGT-NOTICE", f.limits))
        | (end >= pl.col(Anchor.TARGET_FILING))
    )


def _not_full_members(f: Frames, records: pl.DataFrame, key: str) -> pl.DataFrame:
    """Records naming a person in `key` who is not a full member on the record's date, or may be under
    party probation (any probation at all is flagged)."""
    named = records.select("case", "date", pl.col(key).alias("pid")).explode("pid").drop_nulls("pid")
    joined = named.join(f.members, on="pid", how="left")
    full = full_member_on(pl.col("date"))
    return joined.filter(pl.col("party_status").is_null() | ~full | (pl.col("n_probation") > 0))


@screen("INTRO-2")
def intro_2(f: Frames) -> pl.Series:
    """Exact but for party probation (any is flagged): not two introducers, or one not a full member; none
    settled while the branch committee reviews (a skip)."""
    s09 = f.step(Anchor.INTRODUCERS, ("introducers", pl.List(pl.String)))
    wrong = s09.filter(
        pl.col("introducers").is_null() | (pl.col("introducers").list.len() != f.limits.introducers)
    )
    return pl.concat(
        [
            wrong["case"],
            _not_full_members(f, s09.drop_nulls("introducers"), "introducers")["case"],
            skipped(f, Anchor.INTRODUCERS),
        ]
    )


@screen("POL-DONE")
def pol_done(f: Frames) -> pl.Series:
    """Exact but for floating persons (every floating person, or one with a record of flowing out or in,
    with a passing review is flagged): a meeting with no passing review before it, no review at all while
    the branch committee reviews (a skip), …"""
    review, meeting, prereview = (
        pl.col(Anchor.POLITICAL_REVIEW),
        pl.col(Anchor.BRANCH_MEETING),
        pl.col(Anchor.PREREVIEW),
    )
    no_pass = meeting.is_not_null() & (review.is_null() | (review > meeting))
    after_pre = review.is_not_null() & prereview.is_not_null() & (review > prereview)
    floating = review.is_not_null() & (pl.col("floating") | (pl.col("n_floating_records") > 0))
    stale = review.is_not_null() & (meeting > months(review, limit_months("POL-DONE", f.limits)))
    judged = f.wide.filter(no_pass | after_pre | floating | stale.fill_null(False))["case"]
    return pl.concat([judged, skipped(f, Anchor.POLITICAL_REVIEW)])


@screen("TRN-MIN")
def trn_min(f: Frames) -> pl.Series:
    """Exact for whole numbers: a training too short without a reason, by a provider that is not a 党委, or
    more than a year before the branch meeting; none at all while the branch committee reviews (a skip)."""
    s11 = f.step(
        Anchor.TRAINING, ("days", pl.Int64), ("hours", pl.Int64), "exception_reason", "provider"
    ).join(f.first.select("case", Anchor.BRANCH_MEETING), on="case", how="left")
    committees = f.orgs.filter(pl.col("kind").is_in(["committee", "district_committee"]))["code"]
    long_enough = (pl.col("days").fill_null(0) >= f.limits.training_min_days) | (
        pl.col("hours").fill_null(0) >= f.limits.training_min_hours
    )
    exempt = pl.col("exception_reason").fill_null("").str.strip_chars() != ""
    provider = pl.col("provider").fill_null("")
    bad_provider = (provider != "") & ~provider.is_in(committees.implode())
    stale = pl.col(Anchor.BRANCH_MEETING) > months(pl.col("date"), f.limits.training_valid_months)
    judged = s11.filter((~long_enough & ~exempt) | bad_provider | stale.fill_null(False))["case"]
    return pl.concat([judged, skipped(f, Anchor.TRAINING)])


@screen("NEG-LIST")
def neg_list(f: Frames) -> pl.DataFrame:
    """A political review whose negative list is not all false (whatever the date the rule is in force)."""
    s10 = f.step(Anchor.POLITICAL_REVIEW, "negative_list")
    text = pl.col("negative_list")
    return s10.filter(text.is_not_null() & (text != "") & ~text.str.contains(ALL_FALSE))
