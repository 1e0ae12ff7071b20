"""Excel out: workbooks a clerk keeps working in (issue 14, item 6).

Every workbook Fazhan writes goes through `workbook_bytes`: each table on a sheet of its own, a title row
above the header, the header frozen and filtered, columns as wide as what they hold (a Chinese character
counts double), dates as 2018年3月1日, printed landscape on A4 (A3 when the table is wide) with the title and
the header repeated on every page and the page number at the foot. Cells a spreadsheet would take for a
formula are written as text."""

import datetime
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from fazhan.core.dates import date_cn

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell a spreadsheet would take for a formula (interchange.md, Excel ledgers; CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@")
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
MIN_WIDTH, MAX_WIDTH = 6, 60
A3_FROM_WIDTH = 200  # a table wider than this (in character widths) is printed on A3
VALIDATED_ROWS = 2000  # how far down a template's dropdowns reach
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def text_width(text: str) -> int:
    """How many character widths a text takes in a cell: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def shown(value: Any) -> str:
    """A cell's value as the spreadsheet shows it (for its width)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{date_cn(value)} {value:%H:%M}"
    if isinstance(value, datetime.date):
        return date_cn(value)
    return str(value)


@dataclass
class Table:
    """One sheet: its title row, header and rows. `choices` gives a column (by header) a dropdown of the
    values it may hold; `note` is a line under the table (e.g. what the figures count)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    sheet: str = ""  # the sheet's name; the title when empty
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _sheet_name(name: str, taken: set[str]) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, "_")
    name = name[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def shape_table(sheet: Worksheet, table: Table, *, lists: Worksheet | None = None) -> None:
    """Write `table` on `sheet` shaped as every Fazhan workbook is. `lists` is the (hidden) sheet that holds
    the dropdowns' values."""
    headers = [str(h) for h in table.headers]
    columns = max(1, len(headers))
    last = get_column_letter(columns)
    sheet.cell(TITLE_ROW, 1, table.title).font = Font(bold=True, size=14)
    sheet.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")
    if columns > 1:
        sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 28
    widths = [text_width(h) for h in headers]
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(HEADER_ROW, index, header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row_number = HEADER_ROW
    for values in table.rows:
        row_number += 1
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row_number, index, value)
            cell.border = _BORDER
            if isinstance(value, str) and value[:1] in FORMULA_STARTS:
                cell.data_type = "s"  # text as typed: never a live formula, and it reads back unchanged
            elif isinstance(value, datetime.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            if index > len(widths):
                widths.append(0)
            widths[index - 1] = max(widths[index - 1], text_width(shown(value)))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(row_number, HEADER_ROW)}"
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    wide = sum(min(MAX_WIDTH, max(MIN_WIDTH, w + 2)) for w in widths) > A3_FROM_WIDTH
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3 if wide else sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    if table.choices and lists is not None:
        _dropdowns(sheet, table, headers, lists)


def _dropdowns(sheet: Worksheet, table: Table, headers: list[str], lists: Worksheet) -> None:
    for header, values in table.choices.items():
        if header not in headers or not values:
            continue
        column = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
        lists.cell(1, column, header)
        for n, value in enumerate(values, start=2):
            lists.cell(n, column, value)
        letter = get_column_letter(column)
        source = f"'{lists.title}'!${letter}$2:${letter}${len(values) + 1}"
        rule = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True)
        rule.errorTitle = "不在可选值内"
        rule.error = f"“{header}”请从下拉列表中选择"
        rule.promptTitle = header
        rule.prompt = "请从下拉列表中选择"
        rule.showInputMessage = True
        target = get_column_letter(headers.index(header) + 1)
        rule.add(f"{target}{FIRST_DATA_ROW}:{target}{FIRST_DATA_ROW + VALIDATED_ROWS - 1}")
        sheet.add_data_validation(rule)


def workbook_bytes(tables: Sequence[Table], *, notes: tuple[str, Sequence[str]] | None = None) -> bytes:
    """The workbook of `tables`, one sheet each, in order; `notes` (a sheet name and its lines) adds a sheet
    of instructions after them."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    taken: set[str] = set()
    lists = None
    if any(t.choices for t in tables):
        lists = book.create_sheet(_sheet_name("代码表", taken))
        lists.sheet_state = "hidden"
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.sheet or table.title, taken))
        shape_table(sheet, table, lists=lists)
    if notes is not None:
        name, lines = notes
        sheet = book.create_sheet(_sheet_name(name, taken))
        sheet.cell(1, 1, name).font = Font(bold=True, size=14)
        for n, line in enumerate(lines, start=2):
            sheet.cell(n, 1, line).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions["A"].width = 100
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    if lists is not None:
        book.move_sheet(lists, offset=len(book.sheetnames) - 1 - book.sheetnames.index(lists.title))
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_bytes(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return workbook_bytes([Table(title, headers, rows)])


def file_response(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    """A download under its Chinese name (RFC 5987 `filename*=utf-8''…`)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_response(
    *,
    filename: str,
    title: str = "",
    headers: Sequence[str] = (),
    rows: Iterable[Sequence[Any]] = (),
    tables: Sequence[Table] | None = None,
) -> HttpResponse:
    tables = tables if tables is not None else [Table(title, headers, rows)]
    return file_response(workbook_bytes(tables), filename)
