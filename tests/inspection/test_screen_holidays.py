"""TGT-NOTICE's screen subtracts from the weekdays the very days off core.calendar counts by — a loaded
year's holidays, a provisional year's statutory ones — so over any period, before and after a year is
loaded, it flags every case the rule finds a short 公示 on (the screens' contract: too much, never too
little). A screen still reading chinese-calendar's own list misses the provisional year's holidays."""

import datetime

import chinese_calendar.constants
import polars as pl

from fazhan.inspection.frames import Frames, days, frames_from_facts
from fazhan.inspection.screens import SCREENS, flagged
from fazhan.procedure.definition import Anchor, Limits
from fazhan.procedure.engine import CHECKS, CaseFacts, Rec
from tests.core.conftest import calendar_as_committed, load_2027  # noqa: F401
from tests.inspection.casegen import ORGS

D = datetime.date
STARTS = [
    *(D(2026, 9, 14) + datetime.timedelta(days=k) for k in range(35)),  # 中秋 and 国庆 2026, make-up days
    *(D(2026, 12, 14) + datetime.timedelta(days=k) for k in range(80)),  # into 2027: 元旦, 春节
    *(D(2027, 9, 10) + datetime.timedelta(days=k) for k in range(30)),  # 中秋 and 国庆 2027
]


def notice_case(i: int, first: D, last: D) -> CaseFacts:
    target = Rec(
        2 * i,
        Anchor.TARGET,
        last + datetime.timedelta(days=1),
        {
            "publicity_from": first.isoformat(),
            "publicity_to": last.isoformat(),
        },
    )
    filing = Rec(2 * i + 1, Anchor.TARGET_FILING, last + datetime.timedelta(days=20), {"agreed": True})
    return CaseFacts(
        person_pid=f"P{i:05d}",
        birth_date=D(1995, 1, 1),
        floating=False,
        branch=ORGS["LH-01"],
        records=(target, filing),
        limits=Limits(),
        as_of=D(2028, 1, 1),
        orgs=ORGS,
    )


def periods() -> list[CaseFacts]:
    spans = [(s, s + datetime.timedelta(days=n)) for s in STARTS for n in range(12)]
    return [notice_case(i, first, last) for i, (first, last) in enumerate(spans)]


def short_by_rule(facts: list[CaseFacts]) -> set[int]:
    """The cases TGT-NOTICE finds anything on (the filing is always well after: a period too short)."""
    return {i for i, f in enumerate(facts) if list(CHECKS["TGT-NOTICE"](f))}


def period_index(facts: list[CaseFacts], first: str, last: str) -> int:
    return next(i for i, f in enumerate(facts) if tuple(f.records[0].details.values()) == (first, last))


def test_the_screen_flags_every_short_notice_before_and_after_2027_is_loaded(db, load_2027):  # noqa: F811
    facts = periods()
    before = short_by_rule(facts)
    assert before - flagged(frames_from_facts(facts, Limits()), "TGT-NOTICE") == set()
    assert period_index(facts, "2026-12-28", "2027-01-01") in before  # 1 January is a statutory holiday

    load_2027()

    after = short_by_rule(facts)
    assert after - flagged(frames_from_facts(facts, Limits()), "TGT-NOTICE") == set()
    assert period_index(facts, "2027-02-09", "2027-02-17") in after - before  # the bridged Spring Festival
    assert period_index(facts, "2027-02-16", "2027-02-20") in before - after  # its make-up Saturday


def _old_screen(f: Frames) -> pl.DataFrame:
    """TGT-NOTICE's screen as it was: chinese-calendar's holidays, which stop at 2026."""
    target = f.first_records(Anchor.TARGET, "publicity_from", "publicity_to")
    start = pl.col("publicity_from").str.to_date("%Y-%m-%d", strict=False)
    end = pl.col("publicity_to").str.to_date("%Y-%m-%d", strict=False)
    holidays = sorted(chinese_calendar.constants.holidays)
    counted = pl.business_day_count(start, days(end, 1), holidays=holidays)
    return target.filter(counted < f.limits.notice_working_days)


def test_a_screen_reading_chinese_calendar_alone_would_be_caught_missing_the_2027_new_year(db):
    facts = periods()
    found = short_by_rule(facts)
    saved = SCREENS["TGT-NOTICE"]
    try:
        SCREENS["TGT-NOTICE"] = _old_screen
        missed = found - flagged(frames_from_facts(facts, Limits()), "TGT-NOTICE")
    finally:
        SCREENS["TGT-NOTICE"] = saved
    missed_periods = {tuple(facts[i].records[0].details.values()) for i in missed}
    assert ("2026-12-28", "2027-01-01") in missed_periods  # the provisional New Year
    assert ("2027-02-08", "2027-02-12") in missed_periods  # the provisional Spring Festival
    assert all(last.startswith("2027") for _first, last in missed_periods)
