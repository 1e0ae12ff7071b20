"""The seed of the official calendar from chinese-calendar. A year's arrangement loaded from its file (the
district reviewer's page, `fazhan calendar load`) is fazhan/holidays: it checks a role, writes the trail and
files under an org, which are all above core."""

import importlib.metadata

import chinese_calendar.constants
from django.db import DEFAULT_DB_ALIAS, connections

from fazhan.core.calendar import calendar_refresh
from fazhan.core.models import CalendarDay, CalendarYear, DayKind


def calendar_seed(*, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """Fill an empty table with the years chinese-calendar covers, their holidays and make-up workdays as it
    has them (the years before the district reviewer loaded any). An empty table is a new database's — and
    one a flush emptied (a data migration's rows would not come back): a table with any year is left alone."""
    if CalendarYear.objects.using(using).exists():
        return []
    source = f"chinese-calendar {importlib.metadata.version('chinese-calendar')}"
    days = [(d, DayKind.HOLIDAY) for d in chinese_calendar.constants.holidays]
    days += [(d, DayKind.WORKDAY) for d in chinese_calendar.constants.workdays]
    years = sorted({d.year for d, _kind in days})
    CalendarYear.objects.using(using).bulk_create([CalendarYear(year=y, source=source) for y in years])
    CalendarDay.objects.using(using).bulk_create(
        [CalendarDay(day=d, year_id=d.year, kind=kind) for d, kind in sorted(days)]
    )
    return years


def calendar_after_migrate(sender, using: str, **kwargs) -> None:
    """post_migrate: seed an empty table, and let this process count by it."""
    connection = connections[using]
    if CalendarYear._meta.db_table not in connection.introspection.table_names():
        return  # core's tables not made (a partial migrate)
    calendar_seed(using=using)
    if using == DEFAULT_DB_ALIAS:
        calendar_refresh(using)
