"""Excel out: workbooks a clerk keeps working in (issue 14, item 6).

Every workbook Fazhan writes goes through `workbook_bytes`: each table on a sheet of its own, a title row
above the header, the header frozen and filtered, columns as wide as what they hold (a Chinese character
counts double), dates as 2018年3月1日, printed landscape on A4 (A3 when the table is wide) with the title and
the header repeated on every page and the page number at the foot. Cells a spreadsheet would take for a
formula are written as text.

`workbook_write` writes the same workbook as its rows come (openpyxl's write-only mode), for the ledger and
the rosters of a district or a province (issue 16, item 4): constant memory at any size."""

import datetime
import io
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
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
WIDTH_SAMPLE = 2000  # a streamed sheet's columns are as wide as its header and this many first rows
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


def _column_widths(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[int]:
    """Each column's width in characters: the widest of its header and the values of `rows`."""
    widths = [text_width(h) for h in headers]
    for values in rows:
        for index, value in enumerate(values):
            if index >= len(widths):
                widths.append(0)
            widths[index] = max(widths[index], text_width(shown(value)))
    return widths


def _shown_width(width: int) -> int:
    return min(MAX_WIDTH, max(MIN_WIDTH, width + 2))


def _title_cell(cell: Any) -> None:
    cell.font = Font(bold=True, size=14)
    cell.alignment = Alignment(horizontal="center", vertical="center")


def _header_cell(cell: Any) -> None:
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.border = _BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _data_cell(cell: Any, value: Any) -> None:
    cell.border = _BORDER
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.data_type = "s"  # text as typed: never a live formula, and it reads back unchanged
    elif isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT


def _shape_sheet(sheet: Any, widths: list[int], last: str, last_row: int) -> None:
    """What every sheet gets besides its cells: widths, the frozen and filtered header, the print setup."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _shown_width(width)
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(last_row, HEADER_ROW)}"
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    wide = sum(_shown_width(w) for w in widths) > A3_FROM_WIDTH
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A3 if wide else Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def shape_table(sheet: Worksheet, table: Table, *, lists: Worksheet | None = None) -> None:
    """Write `table` on `sheet` shaped as every Fazhan workbook is. `lists` is the (hidden) sheet that holds
    the dropdowns' values."""
    headers = [str(h) for h in table.headers]
    columns = max(1, len(headers))
    last = get_column_letter(columns)
    _title_cell(sheet.cell(TITLE_ROW, 1, table.title))
    if columns > 1:
        sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 28
    for index, header in enumerate(headers, start=1):
        _header_cell(sheet.cell(HEADER_ROW, index, header))
    rows = [list(values) for values in table.rows]
    for row_number, values in enumerate(rows, start=FIRST_DATA_ROW):
        for index, value in enumerate(values, start=1):
            _data_cell(sheet.cell(row_number, index, value), value)
    _shape_sheet(sheet, _column_widths(headers, rows), last, HEADER_ROW + len(rows))
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


class _StreamedCells:
    """The data cells of a streamed sheet. Each cell takes a copy of one of three prepared styles (bordered;
    bordered and dated; bordered with date and time): the same style as `_data_cell` gives, without looking
    the border up in the workbook's style table for every cell."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.styles = {}
        for kind, value in (
            (str, ""),
            (datetime.date, datetime.date(2018, 1, 1)),
            (datetime.datetime, datetime.datetime(2018, 1, 1)),
        ):
            cell = WriteOnlyCell(sheet, value)
            _data_cell(cell, value)
            self.styles[kind] = cell._style

    def __call__(self, value: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value)
        kind = type(value) if type(value) in (datetime.date, datetime.datetime) else str
        cell._style = copy(self.styles[kind])
        if isinstance(value, str) and value[:1] in FORMULA_STARTS:
            cell.data_type = "s"
        return cell


def stream_table(sheet: WriteOnlyWorksheet, table: Table) -> int:
    """Write `table` on a write-only sheet as its rows come, shaped as `shape_table` shapes it, and return the
    number of rows. The columns are as wide as the header and the first WIDTH_SAMPLE rows (the only rows
    held at once): a write-only sheet's widths precede its rows. Dropdowns are for templates (no rows) and are
    not written here."""
    headers = [str(h) for h in table.headers]
    columns = max(1, len(headers))
    last = get_column_letter(columns)
    rows = iter(table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    _shape_sheet(sheet, _column_widths(headers, sample), last, HEADER_ROW)
    sheet.row_dimensions[TITLE_ROW].height = 28
    title = WriteOnlyCell(sheet, table.title)
    _title_cell(title)
    sheet.append([title])
    if columns > 1:
        sheet.merged_cells.add(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        _header_cell(cell)
        header_cells.append(cell)
    sheet.append(header_cells)
    cells, count = _StreamedCells(sheet), 0
    for values in chain(sample, rows):
        sheet.append([cells(value) for value in values])
        count += 1
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + count}"
    return count


def workbook_write(tables: Sequence[Table], out: str | Path | BinaryIO) -> None:
    """Write the workbook of `tables` (one sheet each, in order) to `out` as the rows come: openpyxl's
    write-only mode keeps one row in memory at a time (and each sheet's first WIDTH_SAMPLE rows), so a
    ledger of any size is written in constant memory. The cell values are those `workbook_bytes` writes."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.sheet or table.title, taken))
        stream_table(sheet, table)
    book.save(out)


def streamed_response(tables: Sequence[Table], filename: str) -> FileResponse:
    """A workbook download written to a temporary file as the rows come and sent from it in blocks: neither
    the records nor the workbook is held in memory whole."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    workbook_write(tables, spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


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
