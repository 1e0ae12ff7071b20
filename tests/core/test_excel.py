"""The one shaping every Fazhan workbook gets (core/excel.py), read back with openpyxl."""

import datetime
import io

from openpyxl import load_workbook

from fazhan.core.excel import Table, text_width, workbook_bytes, xlsx_bytes
from tests.workbooks import assert_shaped, table


def test_a_chinese_character_counts_double_in_a_columns_width():
    assert text_width("身份证号") == 8
    assert text_width("SZQ-LH-01") == 9
    assert text_width("2018年3月1日") == 12


def test_columns_are_as_wide_as_their_contents_and_dates_read_as_nian_yue_ri():
    content = xlsx_bytes(
        title="测试表",
        headers=["姓名", "身份证号", "日期", "所在党支部名称"],
        rows=[["张三", "51100219960405011X", datetime.date(2018, 3, 1), "中共罗汉镇高桥村支部委员会"]],
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert_shaped(sheet, title="测试表")
    widths = {c: sheet.column_dimensions[c].width for c in "ABCD"}
    assert widths["A"] < widths["B"] < widths["D"]  # 姓名 narrow, the branch's full name widest
    assert widths["B"] >= 18  # eighteen digits never show as ####
    assert sheet["C3"].number_format == 'yyyy"年"m"月"d"日"'
    assert sheet["C3"].value.date() == datetime.date(2018, 3, 1)
    assert table(sheet)[0] == ("姓名", "身份证号", "日期", "所在党支部名称")
    assert int(sheet.page_setup.paperSize) == 9  # A4


def test_a_wide_table_prints_on_a3_and_a_formula_like_cell_stays_text():
    headers = [f"第{n}列的较长表头" for n in range(20)]
    content = xlsx_bytes(title="宽表", headers=headers, rows=[["=1+1", *range(19)]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert_shaped(sheet)
    assert int(sheet.page_setup.paperSize) == 8  # A3
    assert sheet["A3"].value == "=1+1"
    assert sheet["A3"].data_type == "s"


def test_one_table_per_sheet_with_distinct_names_and_the_dropdowns_on_a_hidden_sheet():
    tables = [
        Table("甲表", ["性别"], [["男"]], sheet="表"),
        Table("乙表", ["项目"], [["x"]], sheet="表", choices={"项目": ["x", "y"]}),
    ]
    book = load_workbook(io.BytesIO(workbook_bytes(tables, notes=("填表说明", ["一、说明"]))))
    assert book.sheetnames == ["表", "表(2)", "填表说明", "代码表"]
    assert book["代码表"].sheet_state == "hidden"
    assert book.active.title == "表"
    rule = book["表(2)"].data_validations.dataValidation[0]
    assert (rule.type, str(rule.sqref).split(":")[0]) == ("list", "A3")
    assert rule.formula1 == "'代码表'!$A$2:$A$3"
    assert [c.value for c in book["代码表"]["A"]] == ["项目", "x", "y"]
