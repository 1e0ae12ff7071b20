"""The 党内统计 annual tables of development (procedure.md E), per org and year, laid out like the official
年报表: 发展党员情况（一）(gender, 少数民族, age bands, education), 发展党员情况（二）(occupation, front line,
focus groups) and 预备党员转正情况 — one row for the org (合计) and one for each org directly below it.

Every number comes from the rules' own counting (rules/counting.py through plans/selectors.py): an admission
at its approving S17, a conversion at its approving S24, for the person's branch on that day, rolled up the
tree; an invalidated admission counts nowhere. The admissions' totals are PLAN-QUOTA's counts (a parity test
holds them to it)."""

import datetime
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from fazhan.core.dates import date_cn
from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_subtree
from fazhan.people.choices import FOCUS_TAGS, Education, Gender, Occupation
from fazhan.plans.selectors import Admission, ConversionRow, admissions, conversions, person_row
from fazhan.procedure.definition import limits
from fazhan.procedure.rules.counting import AGE_BANDS, HAN, ConversionKind, age_band, in_group

Column = tuple[str, str, Callable[[Admission], bool]]  # (group, label, who counts)


def _is(field: str, value: str) -> Callable[[Admission], bool]:
    return lambda a: getattr(a.person, field) == value


def _band(label: str) -> Callable[[Admission], bool]:
    return lambda a: age_band(person_row(a.person), a.date) == label


def _group(key: str) -> Callable[[Admission], bool]:
    return lambda a: in_group(key, person_row(a.person), a.date, limits())


ALL: Callable[[Admission], bool] = lambda a: True  # noqa: E731

ADMISSION_COLUMNS_1: tuple[Column, ...] = (
    ("", "发展党员总数", ALL),
    ("性别", "女", _is("gender", Gender.FEMALE)),
    ("民族", "少数民族", lambda a: bool(a.person.ethnicity) and a.person.ethnicity != HAN),
    ("年龄", "35岁及以下", _group("age_35_and_under")),
    *(("年龄段", label, _band(label)) for label, _low, _high in AGE_BANDS),
    *(("学历", str(label), _is("education", value)) for value, label in Education.choices),
    ("学历", "其中大专及以上", _group("college_and_above")),
)
ADMISSION_COLUMNS_2: tuple[Column, ...] = (
    ("", "发展党员总数", ALL),
    *(("职业", str(label), _is("occupation", value)) for value, label in Occupation.choices),
    ("一线", "生产、工作一线", lambda a: bool(a.person.front_line)),
    *(("重点群体", tag, _group(tag)) for tag in FOCUS_TAGS if tag != "少数民族"),
)
CONVERSION_COLUMNS: tuple[tuple[str, str, Callable[[ConversionRow], bool]], ...] = (
    ("", "办理转正等手续人数", lambda c: True),
    ("转为正式党员", "小计", lambda c: c.kind in (ConversionKind.ON_TIME, ConversionKind.AFTER_EXTENSION)),
    ("转为正式党员", "按期转正", lambda c: c.kind == ConversionKind.ON_TIME),
    ("转为正式党员", "延长预备期后转正", lambda c: c.kind == ConversionKind.AFTER_EXTENSION),
    ("", "延长预备期", lambda c: c.kind == ConversionKind.EXTENDED),
    ("", "取消预备党员资格", lambda c: c.kind == ConversionKind.CANCELLED),
)


@dataclass
class StatsTable:
    sheet: str
    title: str
    groups: list[str]  # the header's upper row (a group spans its columns)
    headers: list[str]
    rows: list[list[str | int]]  # the org's name, then the counts; the first row is the org's own (合计)


@dataclass
class Stats:
    org: Org
    year: int
    as_of: datetime.date
    tables: list[StatsTable]

    @property
    def filename(self) -> str:
        return f"{self.year}年{self.org.name}发展党员情况统计表.xlsx"

    def total(self, sheet: int = 0) -> int:
        return int(self.tables[sheet].rows[0][1])


def _units(org: Org) -> list[Org]:
    return [org, *(o for o in org_subtree(org) if o.parent_id == org.pk)]


def _within(row_org: Org, unit: Org) -> bool:
    return row_org.path.startswith(unit.path)


def stats_build(org: Org, year: int, *, today: datetime.date | None = None) -> Stats:
    today = today or timezone.localdate()
    admitted = admissions(org, year, today=today)
    converted = conversions(org, year, today=today)
    units = _units(org)

    def admission_table(sheet: str, title: str, columns: Sequence[Column]) -> StatsTable:
        rows: list[list[str | int]] = []
        for i, unit in enumerate(units):
            mine = [a for a in admitted if _within(a.org, unit)]
            rows.append(
                [f"{unit.name}（合计）" if i == 0 else unit.name, *(sum(map(c[2], mine)) for c in columns)]
            )
        return StatsTable(sheet, title, [c[0] for c in columns], [c[1] for c in columns], rows)

    conversion_rows: list[list[str | int]] = []
    for i, unit in enumerate(units):
        mine = [c for c in converted if _within(c.org, unit)]
        conversion_rows.append(
            [
                f"{unit.name}（合计）" if i == 0 else unit.name,
                *(sum(map(c[2], mine)) for c in CONVERSION_COLUMNS),
            ]
        )
    tables = [
        admission_table("发展党员情况（一）", f"{year}年发展党员情况（一）", ADMISSION_COLUMNS_1),
        admission_table("发展党员情况（二）", f"{year}年发展党员情况（二）", ADMISSION_COLUMNS_2),
        StatsTable(
            "预备党员转正情况",
            f"{year}年预备党员转正情况",
            [c[0] for c in CONVERSION_COLUMNS],
            [c[1] for c in CONVERSION_COLUMNS],
            conversion_rows,
        ),
    ]
    return Stats(org, year, min(today, datetime.date(year, 12, 31)), tables)


def stats_xlsx(stats: Stats) -> bytes:
    """The workbook: one table a sheet, a title row, a two-row header (groups above their columns), frozen
    panes below it, A4 landscape fitted to one page wide with the header repeated on every page."""

    book = Workbook()
    book.remove(book.active)
    thin = Side(style="thin", color="666666")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for table in stats.tables:
        sheet = book.create_sheet(table.sheet)
        width = len(table.headers) + 1
        sheet.append([table.title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        sheet["A1"].font = Font(name="宋体", size=16, bold=True)
        sheet["A1"].alignment = centre
        sheet.row_dimensions[1].height = 30
        sheet.append([f"填报单位：{stats.org.name}　统计截至：{date_cn(stats.as_of)}"])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        sheet.append(["党组织", *(g or h for g, h in zip(table.groups, table.headers, strict=True))])
        sheet.append(["党组织", *table.headers])
        _merge_header(sheet, table)
        for row in table.rows:
            sheet.append(row)
        for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row, max_col=width):
            for cell in row:
                cell.border = border
                cell.alignment = centre if cell.row <= 4 or cell.column > 1 else Alignment(wrap_text=True)
                if cell.row <= 4:
                    cell.font = Font(name="宋体", bold=True)
        sheet.column_dimensions["A"].width = max(16, min(40, max(len(str(r[0])) for r in table.rows) * 2))
        for i, header in enumerate(table.headers, start=2):
            sheet.column_dimensions[get_column_letter(i)].width = max(6, min(14, len(header) * 2 + 1))
        sheet.row_dimensions[4].height = 42
        sheet.freeze_panes = "B5"
        sheet.print_title_rows = "3:4"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _merge_header(sheet, table: StatsTable) -> None:
    """Each group over its columns on row 3; a column with no group spans rows 3 and 4."""
    sheet.merge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
    column = 2
    for group, members in groupby(table.groups):
        n = len(list(members))
        if not group:
            for c in range(column, column + n):
                sheet.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
        elif n > 1:
            sheet.merge_cells(start_row=3, start_column=column, end_row=3, end_column=column + n - 1)
        column += n
