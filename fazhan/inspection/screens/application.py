"""Screens of the rules in procedure/rules/application.py (see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames, count_of, days, months, overdue
from fazhan.inspection.screens import screen
from fazhan.inspection.screens._common import skipped
from fazhan.procedure.definition import Anchor


@screen("ELIG-AGE")
def elig_age(f: Frames) -> pl.DataFrame:
    """An application before the 18th birthday. Over-flags by a day: born 29 Feb, the birthday of a common
    year is 1 Mar, Polars' year offset gives 28 Feb."""
    s01 = f.step(Anchor.APPLICATION).join(f.cases.select("case", "birth_date"), on="case")
    adult = days(pl.col("birth_date").dt.offset_by(f"{f.limits.min_age}y"), 1)
    return s01.filter(pl.col("date") < adult)


@screen("ELIG-NAT")
def elig_nat(f: Frames) -> pl.DataFrame:
    """Exact: an application by a person without a valid resident ID."""
    return f.wide.filter(~pl.col("resident_id_valid") & (count_of(Anchor.APPLICATION) > 0))


@screen("APP-WRITTEN")
def app_written(f: Frames) -> pl.DataFrame:
    """Exact: records but no S01."""
    return f.wide.filter((count_of(Anchor.APPLICATION) == 0) & (pl.sum_horizontal(pl.col("^n_S.*$")) > 0))


@screen("APP-ORG")
def app_org(f: Frames) -> pl.DataFrame:
    """Exact: a non-floating applicant whose work unit's org is not above or at their branch."""
    units = f.orgs.select(pl.col("code").alias("work_unit_org"), pl.col("path").alias("unit_path"))
    w = f.wide.join(units, on="work_unit_org", how="inner")
    return w.filter(
        ~pl.col("floating")
        & (count_of(Anchor.APPLICATION) > 0)
        & ~pl.col("branch_path").str.starts_with(pl.col("unit_path"))
    )


@screen("APP-TALK")
def app_talk(f: Frames) -> pl.Series:
    """Exact: the talk after the month, or none while the month has passed and the case is open; no talk at
    all while the activist is decided (a skip)."""
    deadline = months(pl.col(Anchor.APPLICATION), f.limits.talk_within_months)
    late = pl.col(Anchor.TALK) > deadline
    open_past = pl.col(Anchor.TALK).is_null() & overdue(deadline)
    timed = f.wide.filter(pl.col(Anchor.APPLICATION).is_not_null() & (late | open_past))["case"]
    return pl.concat([timed, skipped(f, Anchor.TALK)])
