"""The streamed workbook (issue 16 item 4): the ledger and the rosters are written as their rows are read
(openpyxl's write-only mode, rows made a chunk of persons at a time). What a clerk opens is the same workbook
the whole-in-memory writer (`workbook_bytes`) makes of the same rows: every cell's value, number format and
type, the merged title, the frozen and filtered header, the widths and the print setup."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from fazhan.core import excel
from fazhan.core.excel import Table, workbook_bytes, workbook_write
from fazhan.demo.synth import synth_build
from fazhan.interchange.ledger import (
    HEADERS,
    ROSTERS,
    TITLE,
    ledger_export_bytes,
    ledger_rows,
    roster_bytes,
    roster_table,
)
from fazhan.procedure.models import Case
from tests.demo_copy import DEMO_DAY
from tests.workbooks import assert_shaped

TODAY = datetime.date(2026, 11, 25)


def _streamed(tables: list[Table]) -> bytes:
    out = io.BytesIO()
    workbook_write(tables, out)
    return out.getvalue()


def _cells(sheet: Worksheet) -> list[list[tuple]]:
    """Every cell as a clerk's spreadsheet holds it: value, type and number format (of cells with a value)."""
    return [
        [(c.value, c.data_type, c.number_format if c.value is not None else None) for c in row]
        for row in sheet.iter_rows()
    ]


def _layout(sheet: Worksheet) -> dict:
    widths = {k: d.width for k, d in sheet.column_dimensions.items() if d.width}
    return {
        "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
        "freeze": sheet.freeze_panes,
        "filter": sheet.auto_filter.ref,
        "print_titles": sheet.print_title_rows,
        "orientation": sheet.page_setup.orientation,
        "paper": int(sheet.page_setup.paperSize),
        "fit": (sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.page_setup.fitToWidth),
        "footer": sheet.oddFooter.center.text,
        "title_height": sheet.row_dimensions[1].height,
        "widths": widths,
    }


def _assert_same_workbook(whole: bytes, streamed: bytes) -> list[list[tuple]]:
    a, b = load_workbook(io.BytesIO(whole)), load_workbook(io.BytesIO(streamed))
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        assert _cells(b[name]) == _cells(a[name]), name
        assert _layout(b[name]) == _layout(a[name]), name
        assert_shaped(b[name])
    return _cells(b[a.sheetnames[0]])


MIXED = [
    [1, "张三", "51100219960405011X", datetime.date(2018, 3, 1), None, "=1+1"],
    [2, "李四", "", datetime.datetime(2019, 7, 1, 9, 30), "中共罗汉镇高桥村支部委员会", "-3"],
    [3, None, None, None, None, "@x"],
]


def test_a_streamed_sheet_is_the_whole_writers_sheet_cell_for_cell():
    table = ["序号", "姓名", "身份证号", "日期", "所在党支部名称", "备注"]
    whole = workbook_bytes([Table("测试表", table, MIXED, sheet="表")])
    streamed = _streamed([Table("测试表", table, iter(MIXED), sheet="表")])
    cells = _assert_same_workbook(whole, streamed)
    assert cells[0][0][0] == "测试表"
    assert [c[0] for c in cells[1]] == table
    assert cells[2][3] == (datetime.datetime(2018, 3, 1), "d", 'yyyy"年"m"月"d"日"')
    assert cells[2][5] == ("=1+1", "s", "General")  # text, never a live formula
    assert cells[3][3][2] == 'yyyy"年"m"月"d"日" hh:mm'
    assert [c[0] for c in cells[4]] == [3, None, None, None, None, "@x"]
    sheet = load_workbook(io.BytesIO(streamed))["表"]
    assert sheet.auto_filter.ref == "A2:F5"  # the header and three rows
    assert sheet.column_dimensions["E"].width == 26 + 2  # the branch's 13 characters, counted double


def test_a_streamed_sheets_widths_come_from_its_first_rows_and_every_row_is_still_written(monkeypatch):
    monkeypatch.setattr(excel, "WIDTH_SAMPLE", 2)
    rows = [["甲"], ["乙"], ["一个很长很长很长的名字"]]
    sheet = load_workbook(io.BytesIO(_streamed([Table("表", ["名"], iter(rows))])))["表"]
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == [
        "甲",
        "乙",
        "一个很长很长很长的名字",
    ]
    assert sheet.column_dimensions["A"].width == 6  # MIN_WIDTH: the third row is past the sample
    assert sheet.auto_filter.ref == "A2:A5"


def _whole_ledger(rows: list[list]) -> bytes:
    return workbook_bytes([Table(TITLE, HEADERS, rows, sheet=TITLE)])


def _whole_roster(kind: str) -> bytes:
    table = roster_table(kind, root=None)
    return workbook_bytes([Table(table.title, table.headers, list(table.rows), sheet=table.sheet)])


@pytest.fixture
def demo(demo_world):
    """`fazhan demo --today TODAY` (tests/demo_copy.py: built once per run, copied into this test)."""
    assert TODAY == DEMO_DAY


def test_the_demos_streamed_ledger_and_rosters_hold_the_whole_writers_cells(demo):
    persons = Case.objects.values("person").distinct().count()
    # Chunks of 7 persons against the export's chunks of 2,000: the rows do not depend on the chunking.
    rows = list(ledger_rows(chunk=7))
    assert len(rows) == persons > 7
    assert [r[0] for r in rows] == list(range(1, persons + 1))  # 序号 runs on across the chunks
    cells = _assert_same_workbook(_whole_ledger(rows), ledger_export_bytes())
    assert len(cells) == 2 + persons
    for kind in ROSTERS:
        _assert_same_workbook(_whole_roster(kind), roster_bytes(kind, root=None))


def test_a_synth_townships_streamed_ledger_holds_the_whole_writers_cells(db):
    synth_build(scale="township", cases=300, today=TODAY)
    persons = Case.objects.values("person").distinct().count()
    rows = list(ledger_rows(chunk=13))
    assert len(rows) == persons >= 300
    dated = sum(1 for r in rows for v in r if isinstance(v, datetime.date))
    assert dated > 300  # the step dates are there, not blank
    _assert_same_workbook(_whole_ledger(rows), ledger_export_bytes())
    for kind in ROSTERS:
        _assert_same_workbook(_whole_roster(kind), roster_bytes(kind, root=None))
