"""Consecutive windows (procedure.md B0.5): "every half year" = 6-month windows from a start date, each of
which must hold at least one record of a kind; only windows that ended by the end date are judged."""

import datetime
from collections.abc import Iterator

from fazhan.core.calendar import add_months
from fazhan.procedure.engine import Rec


def empty_windows(
    records: list[Rec], *, kind: str, start: datetime.date, end: datetime.date, months: int
) -> Iterator[tuple[datetime.date, datetime.date]]:
    """(first day, last day) of every window ended by `end` that holds no record of `kind`."""
    n = 1
    while (window_end := add_months(start, months * n)) <= end:
        window_start = add_months(start, months * (n - 1))
        if not any(window_start <= r.date < window_end and r.details.get("kind") == kind for r in records):
            yield window_start, window_end - datetime.timedelta(days=1)
        n += 1
