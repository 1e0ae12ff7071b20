"""Screen of PUB-OBJECTION (procedure/rules/feedback.py; see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames
from fazhan.inspection.screens import screen


@screen("PUB-OBJECTION")
def notice_feedback(f: Frames) -> pl.DataFrame:
    """The cases with a report on a notice that was not looked into on the day it came in (no finding, or one
    dated later): only such a report can have waited on a step's date. Over-flags a case whose every step
    came before the report or after its finding (an unreadable date is flagged too)."""
    reports = f.register("notice_feedback", {"received_on": pl.String, "verified_on": pl.String})
    received = pl.col("received_on").str.to_date(strict=False)
    verified = pl.col("verified_on").str.to_date(strict=False)
    return reports.filter(received.is_null() | verified.is_null() | (verified > received)).select("case")
