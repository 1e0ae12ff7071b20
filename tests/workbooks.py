"""Reading back a workbook Fazhan wrote, as a clerk's spreadsheet shows it (issue 14, item 6)."""

import datetime
import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fazhan.core.excel import DATE_FORMAT, text_width


def sheets(content: bytes) -> dict[str, Worksheet]:
    book = load_workbook(io.BytesIO(content))
    return {name: book[name] for name in book.sheetnames if book[name].sheet_state == "visible"}


def table(sheet: Worksheet) -> list[tuple]:
    """The sheet's header and rows, under its title row (checked: one text merged across the header)."""
    rows = list(sheet.iter_rows(values_only=True))
    assert isinstance(rows[0][0], str), rows[0]
    assert rows[0][0], rows[0]
    assert not any(rows[0][1:]), rows[0]
    return rows[1:]


def assert_shaped(sheet: Worksheet, *, title: str | None = None) -> None:
    """The sheet is one a clerk keeps working in: a title merged above the header, the header frozen and
    filtered, printed landscape with the title rows repeated and the width fitted, every column at least as
    wide as what it holds, every date shown as 年月日."""
    rows = list(sheet.iter_rows(values_only=True))
    width = len([h for h in rows[1] if h is not None])
    if title is not None:
        assert rows[0][0] == title
    if width > 1:
        assert f"A1:{get_column_letter(width)}1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:{get_column_letter(width)}{max(2, len(rows))}"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) in (9, 8)  # A4, A3
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(sheet.page_setup.fitToWidth) == 1
    for index in range(1, width + 1):
        letter = get_column_letter(index)
        column = sheet.column_dimensions[letter].width
        for cell in sheet[letter][1:]:
            value = cell.value
            if isinstance(value, datetime.date):
                assert cell.number_format.startswith(DATE_FORMAT), (cell.coordinate, cell.number_format)
                shown = f"{value.year}年{value.month}月{value.day}日"
            else:
                shown = "" if value is None else str(value)
            assert column >= min(60, text_width(shown)), (cell.coordinate, column, shown)
