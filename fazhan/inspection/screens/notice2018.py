"""Screens of the per-case rules in procedure/rules/notice2018.py (see screens/__init__.py for the contract).
The org-level rules judged over the tree are screened elsewhere."""

import datetime

import polars as pl

from fazhan.inspection.frames import Frames, months, overdue
from fazhan.inspection.screens import screen
from fazhan.inspection.screens._common import org_above_branch, with_org
from fazhan.inspection.screens.probation import late_rounds, moved_in_probation
from fazhan.procedure.definition import RULES_BY_ID


def since(rule_id: str) -> datetime.date:
    return datetime.date.fromisoformat(RULES_BY_ID[rule_id].since)


@screen("CNV-ONTIME")
def cnv_ontime(f: Frames) -> pl.DataFrame:
    """CNV-ONTIME: for a member not transferred in probation (up to the as-of date), the S23 opening a round
    later than conversion_meeting_months after the end as it stood before it, or none when that deadline has
    passed; a probation that ended before the rule's `since` is CNV-MEETING's (rule 32)."""
    stayed = f.cases.join(moved_in_probation(f, until_as_of=True), on="case", how="anti").select("case")
    return late_rounds(
        f, cases=stayed, length=f.limits.conversion_meeting_months, ended_from=since("CNV-ONTIME")
    )


@screen("ARC-REVIEW")
def arc_review(f: Frames) -> pl.DataFrame:
    """ARC-REVIEW: for a conversion (`converted_on`) on or after the rule's `since`, no archive review from
    the conversion to the as-of date once archive_review_months have passed (exact), or such a review by
    an org that is not a committee above the branch or that lists missing documents. Over-flags there: any
    review in the period is judged, not only the latest (an unreadable date or list is flagged too)."""
    converted = f.cases.filter(pl.col("converted_on") >= since("ARC-REVIEW")).select(
        "case", pl.col("converted_on").alias("conversion"), "as_of", "exited_on"
    )
    register = f.register(
        "archive_reviews", {"date": pl.String, "reviewer": pl.String, "missing": pl.List(pl.String)}
    )
    reviews = register.with_columns(pl.col("date").str.to_date(strict=False).alias("reviewed")).join(
        converted, on="case"
    )
    counted = reviews.filter(
        pl.col("reviewed").is_null()
        | ((pl.col("conversion") <= pl.col("reviewed")) & (pl.col("reviewed") <= pl.col("as_of")))
    )
    deadline = months(pl.col("conversion"), f.limits.archive_review_months)
    unreviewed = converted.join(counted, on="case", how="anti").filter(overdue(deadline))
    odd = with_org(counted, f, "reviewer").filter(
        ~org_above_branch(("committee",))
        | pl.col("missing").is_null()
        | (pl.col("missing").list.len() > 0)
        | pl.col("reviewed").is_null()
    )
    return pl.concat([unreviewed.select("case"), odd.select("case")])
