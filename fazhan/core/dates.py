"""Dates as Chinese text: the one formatter that documents, exports, printed tables and the rules' messages
share (it was three copies and two inline ones, free to drift apart)."""

import datetime


def date_cn(day: datetime.date | None) -> str:
    """2018-03-01 → 2018年3月1日, as a document writes a date (empty for none). A datetime gives its date."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""
