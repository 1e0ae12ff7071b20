"""Screens of the per-case rules in procedure/rules/violations.py (screens/__init__.py: the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames
from fazhan.inspection.screens import screen
from fazhan.procedure.definition import Anchor
from fazhan.procedure.rules.violations import VOTED


def _entered(latest: bool) -> pl.Expr:
    """Bounds of the local day a record was entered: its UTC day, or the day after (the deployment's zone is
    ahead of UTC, as China's is; a zone behind it would need the day before)."""
    day = pl.col("recorded_on")
    return day + pl.duration(days=1) if latest else day


@screen("VIO-BACKDATE")
def vio_backdate(f: Frames) -> pl.Series:
    """An entry more than backdate_warn_days after the date (a day's margin for the time zone), and every
    case with a correction that has an entry time."""
    r = f.recs.filter(pl.col("recorded_on").is_not_null())
    late = r.filter(
        pl.col("supersedes").is_null()
        & ((_entered(latest=True) - pl.col("date")).dt.total_days() > f.limits.backdate_warn_days)
    )
    corrected = r.filter(pl.col("supersedes").is_not_null())
    return pl.concat([late["case"], corrected["case"]])


@screen("VIO-DATE-ORDER")
def vio_date_order(f: Frames) -> pl.DataFrame:
    """A record before the birth (not S01), after its entry day (at the earliest bound), after the exit."""
    r = f.recs.join(f.cases.select("case", "birth_date", "exited_on"), on="case")
    return r.filter(
        ((pl.col("date") < pl.col("birth_date")) & (pl.col("step") != Anchor.APPLICATION))
        | (pl.col("date") > _entered(latest=False)).fill_null(False)
        | (pl.col("date") > pl.col("exited_on")).fill_null(False)
    )


@screen("VIO-VOTES")
def vio_votes(f: Frames) -> pl.DataFrame:
    """Exact for whole numbers: impossible arithmetic, or a unanimous vote with barely a quorum."""
    keys = [(k, pl.Int64) for k in ("entitled", "present", "for", "against", "abstain")]
    meetings = pl.concat([f.step(s, *keys) for s in VOTED]).drop_nulls(
        ["entitled", "present", "for", "against", "abstain"]
    )
    cast = pl.col("for") + pl.col("against") + pl.col("abstain")
    quorum = pl.col("entitled") // 2 + 1
    impossible = (cast > pl.col("present")) | (pl.col("present") > pl.col("entitled"))
    barely = (
        (pl.col("for") == pl.col("present"))
        & (quorum <= pl.col("present"))
        & (pl.col("present") <= quorum + f.limits.votes_quorum_margin)
    )
    return meetings.filter(impossible | barely)


@screen("VIO-DISCIPLINE")
def vio_discipline(f: Frames) -> pl.DataFrame:
    """Every activist with anything in the discipline register."""
    return f.wide.filter(pl.col(Anchor.ACTIVIST).is_not_null() & (pl.col("n_discipline") > 0))


@screen("VIO-KIN-ROLE")
def vio_kin_role(f: Frames) -> pl.DataFrame:
    """Every case with a declared relative."""
    return f.cases.filter(pl.col("n_kin") > 0)


@screen("VIO-FAVOUR")
def vio_favour(f: Frames) -> pl.Series:
    """Exact for lists of texts: an S03 by method "other", or one member as talker, contact and introducer
    (a value that is not a list of texts is flagged)."""
    other = f.step(Anchor.ACTIVIST, "method").filter(pl.col("method") == "other")["case"]
    talk, contacts, introducers = (
        f.first_records(step, (key, pl.List(pl.String))).select("case", key)
        for step, key in (
            (Anchor.TALK, "talkers"),
            (Anchor.CONTACTS, "contacts"),
            (Anchor.INTRODUCERS, "introducers"),
        )
    )
    all_three = talk.join(contacts, on="case").join(introducers, on="case")
    odd = all_three.filter(pl.any_horizontal(pl.all().exclude("case").is_null()))["case"]
    pids = [
        frame.explode(key).drop_nulls(key).select("case", pl.col(key).alias("pid")).unique()
        for frame, key in ((talk, "talkers"), (contacts, "contacts"), (introducers, "introducers"))
    ]
    alone = pids[0].join(pids[1], on=["case", "pid"]).join(pids[2], on=["case", "pid"])["case"]
    return pl.concat([other, odd, alone])
