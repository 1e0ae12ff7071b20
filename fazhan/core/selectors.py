"""Reading the official calendar as the table holds it (the page and `fazhan calendar years`); the counts
read core.calendar's copy of it."""

import datetime
from dataclasses import dataclass, field

from fazhan.core.calendar import statutory_holidays
from fazhan.core.models import CalendarDay, CalendarYear, DayKind


@dataclass(frozen=True)
class HolidayRun:
    """Consecutive days off, as an arrangement states them (10月1日至7日放假调休，共7天)."""

    first: datetime.date
    last: datetime.date
    names: str  # the statutory holidays inside it, "" for a day off of 调休 alone

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass
class YearArrangement:
    year: int
    official: bool
    source: str = ""
    loaded_at: datetime.datetime | None = None
    loaded_by: str = ""
    holidays: list[datetime.date] = field(default_factory=list)
    workdays: list[datetime.date] = field(default_factory=list)

    @property
    def runs(self) -> list[HolidayRun]:
        names = statutory_holidays(self.year)
        runs: list[list[datetime.date]] = []
        for day in self.holidays:
            if runs and (day - runs[-1][-1]).days == 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        return [
            HolidayRun(r[0], r[-1], "、".join(dict.fromkeys(names[d] for d in r if d in names))) for r in runs
        ]


def _loaded(year: CalendarYear, kinds: list[tuple[datetime.date, str]]) -> YearArrangement:
    return YearArrangement(
        year=year.year,
        official=True,
        source=year.source,
        loaded_at=year.loaded_at,
        loaded_by=str(year.loaded_by) if year.loaded_by else "",
        holidays=[d for d, kind in kinds if kind == DayKind.HOLIDAY],
        workdays=[d for d, kind in kinds if kind == DayKind.WORKDAY],
    )


def _provisional(year: int) -> YearArrangement:
    return YearArrangement(year=year, official=False, holidays=sorted(statutory_holidays(year)))


def calendar_years(*, today: datetime.date) -> list[YearArrangement]:
    """Every loaded year, and after the last of them the years up to next year's, provisional (their
    statutory holidays), newest first."""
    kinds: dict[int, list[tuple[datetime.date, str]]] = {}
    for day, kind in CalendarDay.objects.order_by("day").values_list("day", "kind"):
        kinds.setdefault(day.year, []).append((day, kind))
    years = [_loaded(y, kinds.get(y.year, [])) for y in CalendarYear.objects.select_related("loaded_by")]
    after = max((y.year for y in years), default=today.year - 1) + 1
    years += [_provisional(y) for y in range(after, today.year + 2)]
    return sorted(years, key=lambda y: -y.year)


def calendar_year(year: int) -> YearArrangement:
    """One year as it counts now: its loaded arrangement, or its statutory holidays (provisional)."""
    loaded = CalendarYear.objects.select_related("loaded_by").filter(year=year).first()
    if loaded is None:
        return _provisional(year)
    return _loaded(loaded, list(loaded.days.order_by("day").values_list("day", "kind")))
