"""Time as procedure.md (B0.2) reads it: calendar months clamped to the month's end, and working days that
follow the official arrangement of each year — its holidays and make-up workdays, a table the district
reviewer loads (core.models.CalendarYear / CalendarDay) — and, for a year not loaded yet, the weekdays less
the statutory holidays of the 放假办法, marked provisional.

The rules that count working days are pure functions over facts, so they read this module's in-process copy
of the table, never the database. The copy is read again at the points where the database is at hand and a
load elsewhere may have changed it: when this process (or a job's thread) opens a database connection, when
a request starts on a connection kept open, after `migrate`, and after a load here commits. Each time one
small query compares the (year, revision) pairs of the table with those of the copy; a load gives its year a
new revision, so the copy is read again only when something changed, and a rolled-back load changes nothing.
"""

import calendar
import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache

import holidays as holiday_rules
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from fazhan.core.models import CalendarDay, CalendarYear, DayKind


@lru_cache(maxsize=1 << 16)  # pure, and the whole-tree inspection asks the same dates again and again
def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day number `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def full_years(born: datetime.date, on: datetime.date) -> int:
    """Age in full years (周岁). Born 29 Feb: the birthday of a common year is 1 Mar (procedure.md B.1)."""
    birthday_this_year = (born.month, born.day)
    if birthday_this_year == (2, 29) and not calendar.isleap(on.year):
        birthday_this_year = (3, 1)
    return on.year - born.year - ((on.month, on.day) < birthday_this_year)


# --- the statutory holidays of the 放假办法, for years whose arrangement is not loaded ---

# The names `holidays` gives the statutory days (zh_CN). Everything else it returns is left out: its
# substituted days (调休) exist only for years the table already holds, and its observed days are estimates.
STATUTORY_NAMES = {
    "元旦": "元旦",
    "农历除夕": "除夕",
    "春节": "春节",
    "清明节": "清明节",
    "劳动节": "劳动节",
    "端午节": "端午节",
    "中秋节": "中秋节",
    "国庆节": "国庆节",
}


@cache
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The year's statutory holidays (法定节假日) with their names, under the 放假办法 in force that year —
    from 2025 its 2024 revision: 元旦 1 day, 春节 4 (除夕 and 初一 to 初三), 清明 1, 劳动节 2, 端午 1,
    中秋 1, 国庆 3 — lunar dates included. Empty for a year `holidays` does not compute (before 1950, after
    2100)."""
    days: dict[datetime.date, str] = {}
    if not holiday_rules.China.start_year <= year <= holiday_rules.China.end_year:
        return days
    for day, names in holiday_rules.China(years=year, observed=False, language="zh_CN").items():
        kept = [STATUTORY_NAMES[n] for n in names.split("; ") if n in STATUTORY_NAMES]
        if kept:
            days[day] = "、".join(dict.fromkeys(kept))
    return days


# --- the table, as this process holds it ---


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it keys the memo of counts
class CalendarTable:
    revisions: frozenset[tuple[int, str]]
    official: frozenset[int]
    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]


EMPTY = CalendarTable(frozenset(), frozenset(), frozenset(), frozenset())
_table = EMPTY  # replaced whole, never changed in place: a reader holds one consistent table
_override: ContextVar[CalendarTable | None] = ContextVar("calendar_override", default=None)


def _current() -> CalendarTable:
    return _override.get() or _table


def _revisions(using: str) -> frozenset[tuple[int, str]]:
    return frozenset(
        (y, str(r)) for y, r in CalendarYear.objects.using(using).values_list("year", "revision")
    )


def calendar_read(using: str = DEFAULT_DB_ALIAS, revisions: frozenset | None = None) -> CalendarTable:
    """The table as the database holds it now. The revisions are read first: a load committed between the
    two queries leaves them older than the days, and the next check reads the table again."""
    revisions = _revisions(using) if revisions is None else revisions
    days = list(CalendarDay.objects.using(using).values_list("day", "kind"))
    return CalendarTable(
        revisions=revisions,
        official=frozenset(year for year, _revision in revisions),
        holidays=frozenset(d for d, kind in days if kind == DayKind.HOLIDAY),
        workdays=frozenset(d for d, kind in days if kind == DayKind.WORKDAY),
    )


def calendar_refresh(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Read the table again if it changed since this process read it (one query when it did not). True when
    the copy changed."""
    global _table
    revisions = _revisions(using)
    if revisions == _table.revisions:
        return False
    _table = calendar_read(using, revisions)
    return True


def calendar_on_connection_created(sender, connection, **kwargs) -> None:
    """A new connection (a process's first, a job thread's, each request's when connections are not kept):
    check the table. A database not migrated yet has none; migrate reads it when it has made it."""
    if connection.alias != DEFAULT_DB_ALIAS:
        return
    with suppress(DatabaseError):
        calendar_refresh(connection.alias)


def calendar_on_request_started(sender, **kwargs) -> None:
    """A connection kept open between requests opens no new one: check the table as the request starts. (A
    closed one is checked when the request's first query opens it.)"""
    if connections[DEFAULT_DB_ALIAS].connection is not None:
        calendar_refresh()


@contextmanager
def calendar_using(table: CalendarTable) -> Iterator[None]:
    """Count by `table` in this thread for the length of the block: a load recounts what depends on the
    year inside its own transaction, before the process's copy may change (on commit)."""
    token = _override.set(table)
    try:
        yield
    finally:
        _override.reset(token)


# --- counting ---


@dataclass(frozen=True)
class WorkingDays:
    count: int
    provisional: bool


def official_years() -> frozenset[int]:
    return _current().official


def _workday(table: CalendarTable, day: datetime.date) -> tuple[bool, bool]:
    if day.year in table.official:
        return day in table.workdays or (day.weekday() < 5 and day not in table.holidays), False
    return day.weekday() < 5 and day not in statutory_holidays(day.year), True


def is_workday(day: datetime.date) -> tuple[bool, bool]:
    """(is a working day, is provisional): provisional when the year's arrangement is not loaded."""
    return _workday(_current(), day)


@lru_cache(maxsize=1 << 14)
def _between(table: CalendarTable, first: datetime.date, last: datetime.date) -> WorkingDays:
    count, provisional, day = 0, False, first
    while day <= last:
        workday, guessed = _workday(table, day)
        count += workday
        provisional = provisional or guessed
        day += datetime.timedelta(days=1)
    return WorkingDays(count, provisional)


def working_days_between(first: datetime.date, last: datetime.date) -> WorkingDays:
    """Working days from `first` to `last`, both ends included (公示 periods count inclusively)."""
    return _between(_current(), first, last)


def add_working_days(first: datetime.date, n: int) -> tuple[datetime.date, bool]:
    """The date on which a period starting at `first` has lasted `n` working days (inclusive)."""
    table = _current()
    day, counted, provisional = first, 0, False
    while True:
        workday, guessed = _workday(table, day)
        provisional = provisional or guessed
        counted += workday
        if counted >= n:
            return day, provisional
        day += datetime.timedelta(days=1)


def provisional_years(first: datetime.date, last: datetime.date) -> list[int]:
    """The years from `first` to `last` whose arrangement is not loaded: their count is provisional."""
    official = _current().official
    return [year for year in range(first.year, last.year + 1) if year not in official]


def holidays_of(years: Iterable[int]) -> list[datetime.date]:
    """Every day off these years hold as the count reads them: the loaded holidays of an official year, the
    statutory holidays of a provisional one (the inspection's screen subtracts them from the weekdays)."""
    table = _current()
    days: set[datetime.date] = set()
    for year in set(years):
        if year in table.official:
            days.update(d for d in table.holidays if d.year == year)
        else:
            days.update(statutory_holidays(year))
    return sorted(days)


# --- what depends on the calendar, told after a load ---


@dataclass(frozen=True)
class Recount:
    """Something a load counted again (an open notice's period): what it is, in the user's words, the count
    before and after, and the count it needs (short when it now falls below)."""

    label: str
    before: WorkingDays
    after: WorkingDays
    needed: int  # the working days it must last
    url: str = ""

    @property
    def short(self) -> bool:
        return self.after.count < self.needed

    @property
    def changed(self) -> bool:
        return self.before != self.after


LoadHook = Callable[..., list[Recount]]  # hook(*, actor, year) -> what it recounted
_load_hooks: list[LoadHook] = []


def calendar_on_load(hook: LoadHook) -> LoadHook:
    """Register `hook` to be called, inside the load's transaction, after a year is loaded (apps above the
    ground register theirs in their AppConfig.ready())."""
    if hook not in _load_hooks:
        _load_hooks.append(hook)
    return hook


def calendar_load_hooks() -> tuple[LoadHook, ...]:
    return tuple(_load_hooks)
