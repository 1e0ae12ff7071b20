"""A year's official arrangement of holidays and make-up workdays, loaded from its file by the district
reviewer (the page) or on the command line, which recounts what depends on it (open notices, through
core.calendar's load hooks).

Why an app of its own at the ground's top: a load checks the district reviewer's role, writes the trail and
files under the district, so it sits above auditlog, organizations and accounts; core keeps the table, the
seed and the counting of working days that everyone reads."""

import csv
import datetime
import hashlib
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.auditlog.services import audit_record
from fazhan.core.calendar import (
    Recount,
    calendar_load_hooks,
    calendar_read,
    calendar_refresh,
    calendar_using,
    statutory_holidays,
)
from fazhan.core.models import CalendarDay, CalendarYear, DayKind
from fazhan.core.roles import Role, user_role_orgs
from fazhan.organizations.models import Org

ERR_ROLE = "只有区委组织部审核人可以载入节假日安排。"
ERR_EMPTY = "文件中没有日期。"
ERR_ENCODING = "不是 UTF-8 编码的文本文件。"
ERR_COLUMNS = "每行应为两列：日期,类别（如 2027-01-01,holiday）。"
ERR_DATE = "“%(v)s”不是 YYYY-MM-DD 格式的日期。"
ERR_KIND = "“%(v)s”不是 holiday（放假）或 workday（调休上班）。"
ERR_TWICE = "%(d)s 在第 %(n)d 行已经出现过。"
ERR_OTHER_YEAR = "一个文件只能是一年的安排（第一个日期是 %(y)d 年的）。"
ERR_WEEKDAY_WORK = "%(d)s 是星期%(w)s，本来就是工作日；调休上班日只能是星期六或星期日。"
ERR_STATUTORY = "%(d)s（%(name)s）是法定节假日，应放假。"
ERR_MISSING = "%(d)s（%(name)s）是法定节假日，文件中没有列为放假。"
ERR_YEAR_RANGE = "只能载入 %(a)d 年至 %(b)d 年的安排（次年的安排一般在上一年年底公布）。"
FIRST_YEAR = 2000
WEEKDAYS = "一二三四五六日"
HEADER = ("date", "kind")


# --- a year's file ---


@dataclass(frozen=True)
class CalendarFile:
    year: int
    holidays: list[datetime.date]
    workdays: list[datetime.date]


# The file's columns as the district reviewer reads them (the file's header keeps `date,kind`).
FIELD_NAMES = {"date": "日期", "kind": "类别", "file": "文件"}


def _problem(line: int | None, field: str, reason: str) -> str:
    """`第N行：列名：说明`, as the workbook imports say it to the same reader, or `文件：列名：说明` for
    what no one line holds (the whole file: `文件：说明`)."""
    where = "文件" if line is None else f"第{line}行"
    name = FIELD_NAMES[field]
    return f"{where}：{reason}" if name == where else f"{where}：{name}：{reason}"


def _read_date(text: str) -> datetime.date | None:
    if len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _rows(data: bytes) -> list[tuple[int, list[str]]]:
    text = data.decode("utf-8-sig")
    rows = [(n, [c.strip() for c in row]) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]
    rows = [(n, row) for n, row in rows if any(row)]
    if rows and [c.lower() for c in rows[0][1]] == list(HEADER):
        rows = rows[1:]
    return rows


def _checked_row(n: int, row: list[str], seen: dict, problems: list[str]) -> tuple | None:
    if len(row) != 2:
        problems.append(_problem(n, "kind", _(ERR_COLUMNS)))
        return None
    day, kind = _read_date(row[0]), row[1].lower()
    if day is None:
        problems.append(_problem(n, "date", _(ERR_DATE) % {"v": row[0]}))
    if kind not in DayKind.values:
        problems.append(_problem(n, "kind", _(ERR_KIND) % {"v": row[1]}))
    if day is None or kind not in DayKind.values:
        return None
    if day in seen:
        problems.append(_problem(n, "date", _(ERR_TWICE) % {"d": day.isoformat(), "n": seen[day]}))
        return None
    seen[day] = n
    return day, kind


def _check_year(lines: dict[datetime.date, tuple[int, str]], problems: list[str]) -> int:
    first_line, first_day = min((n, d) for d, (n, _k) in lines.items())
    year = first_day.year
    last = timezone.localdate().year + 1
    if not FIRST_YEAR <= year <= last:
        problems.append(_problem(first_line, "date", _(ERR_YEAR_RANGE) % {"a": FIRST_YEAR, "b": last}))
    for day, (n, kind) in sorted(lines.items(), key=lambda item: item[1][0]):
        if day.year != year:
            problems.append(_problem(n, "date", _(ERR_OTHER_YEAR) % {"y": year}))
        elif kind == DayKind.WORKDAY and day.weekday() < 5:
            w = WEEKDAYS[day.weekday()]
            problems.append(_problem(n, "kind", _(ERR_WEEKDAY_WORK) % {"d": day.isoformat(), "w": w}))
    return year


def _check_statutory(year: int, lines: dict[datetime.date, tuple[int, str]], problems: list[str]) -> None:
    """The 放假办法's holidays are days off whatever the year's arrangement: a file that works one, or leaves
    out one that falls on a weekday, is not the year's arrangement (or not the whole of it)."""
    for day, name in sorted(statutory_holidays(year).items()):
        n, kind = lines.get(day, (None, ""))
        if kind == DayKind.WORKDAY:
            problems.append(_problem(n, "kind", _(ERR_STATUTORY) % {"d": day.isoformat(), "name": name}))
        elif not kind and day.weekday() < 5:
            problems.append(_problem(None, "date", _(ERR_MISSING) % {"d": day.isoformat(), "name": name}))


def calendar_file_read(data: bytes) -> CalendarFile:
    """A year's arrangement from its CSV (`date,kind` a line, kind `holiday` or `workday`, a header line
    allowed), or a ValidationError at `file` listing every bad line as `第N行：列名：说明`."""
    try:
        rows = _rows(data)
    except (UnicodeDecodeError, csv.Error):
        raise ValidationError({"file": [_problem(None, "file", _(ERR_ENCODING))]}) from None
    problems: list[str] = []
    seen: dict[datetime.date, int] = {}
    lines: dict[datetime.date, tuple[int, str]] = {}
    for n, row in rows:
        checked = _checked_row(n, row, seen, problems)
        if checked is not None:
            lines[checked[0]] = (n, checked[1])
    if not lines and not problems:
        problems.append(_problem(None, "file", _(ERR_EMPTY)))
    year = _check_year(lines, problems) if lines else 0
    if lines and not problems:
        _check_statutory(year, lines, problems)
    if problems:
        raise ValidationError({"file": problems})
    return CalendarFile(
        year=year,
        holidays=sorted(d for d, (_n, k) in lines.items() if k == DayKind.HOLIDAY),
        workdays=sorted(d for d, (_n, k) in lines.items() if k == DayKind.WORKDAY),
    )


# --- loading it ---


@dataclass(frozen=True)
class CalendarLoad:
    year: int
    holidays: int
    workdays: int
    replaced: str  # the source of the arrangement it replaced, "" for a year not loaded before
    recounts: list[Recount] = field(default_factory=list)

    @property
    def short(self) -> list[Recount]:
        return [r for r in self.recounts if r.short]


def _check_role(actor) -> None:
    """The district reviewer loads the calendar; None is the command line (whoever runs `fazhan`)."""
    if actor is None:
        return
    if not user_role_orgs(actor, Role.DISTRICT_REVIEWER):
        raise PermissionDenied(_(ERR_ROLE))


def _audit_org(actor) -> Org | None:
    """The trail files the load under the reviewer's district (the tree's root from the command line), so
    that those who read that subtree's trail see it."""
    held = [org for org in user_role_orgs(actor, Role.DISTRICT_REVIEWER) if isinstance(org, Org)]
    return held[0] if held else Org.objects.filter(parent=None).order_by("path").first()


@transaction.atomic
def calendar_load(*, actor, data: bytes, filename: str = "") -> CalendarLoad:
    """Load a year's official arrangement from its file (replacing what the table held for that year), then
    recount, inside the same transaction, what registered hooks hold for that year (open notices)."""
    _check_role(actor)
    parsed = calendar_file_read(data)
    before = CalendarYear.objects.select_for_update().filter(year=parsed.year).first()
    replaced = before.source if before is not None else ""
    CalendarDay.objects.filter(year_id=parsed.year).delete()
    CalendarYear.objects.filter(year=parsed.year).delete()
    year = CalendarYear.objects.create(
        year=parsed.year,
        source=(filename or "upload")[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        loaded_by=actor if getattr(actor, "pk", None) else None,
    )
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=d, year=year, kind=DayKind.HOLIDAY) for d in parsed.holidays]
        + [CalendarDay(day=d, year=year, kind=DayKind.WORKDAY) for d in parsed.workdays]
    )
    audit_record(
        actor=actor,
        action="calendar.load",
        target=year,
        org=_audit_org(actor),
        data={
            "year": parsed.year,
            "file": year.source,
            "sha256": year.sha256,
            "holidays": [d.isoformat() for d in parsed.holidays],
            "workdays": [d.isoformat() for d in parsed.workdays],
            "replaced": replaced,
        },
    )
    recounts: list[Recount] = []
    with calendar_using(calendar_read()):
        for hook in calendar_load_hooks():
            recounts += hook(actor=actor, year=parsed.year)
    transaction.on_commit(calendar_refresh)
    return CalendarLoad(parsed.year, len(parsed.holidays), len(parsed.workdays), replaced, recounts)
