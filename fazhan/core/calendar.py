"""Time as procedure.md (B0.2) reads it: calendar months clamped to the month's end, and working days that
follow the official holiday calendar with its make-up workdays (chinese-calendar), falling back to plain
weekdays — marked provisional — for years the calendar does not cover yet."""

import calendar
import datetime
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar


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


def _calendar_covers(day: datetime.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=1 << 14)
def is_workday(day: datetime.date) -> tuple[bool, bool]:
    """(is a working day, is provisional): provisional when the official calendar does not cover the year."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


@dataclass(frozen=True)
class WorkingDays:
    count: int
    provisional: bool


@lru_cache(maxsize=1 << 14)
def working_days_between(first: datetime.date, last: datetime.date) -> WorkingDays:
    """Working days from `first` to `last`, both ends included (公示 periods count inclusively)."""
    count, provisional, day = 0, False, first
    while day <= last:
        workday, guessed = is_workday(day)
        count += workday
        provisional = provisional or guessed
        day += datetime.timedelta(days=1)
    return WorkingDays(count, provisional)


def add_working_days(first: datetime.date, n: int) -> tuple[datetime.date, bool]:
    """The date on which a period starting at `first` has lasted `n` working days (inclusive)."""
    day, counted, provisional = first, 0, False
    while True:
        workday, guessed = is_workday(day)
        provisional = provisional or guessed
        counted += workday
        if counted >= n:
            return day, provisional
        day += datetime.timedelta(days=1)
