"""The 发展党员工作台账 in and out (interchange.md, Excel ledgers)."""

import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook

from fazhan.interchange.ledger import HEADERS, ledger_template_bytes, roster_bytes
from fazhan.people.models import Person
from fazhan.procedure.models import Case, StepRecord
from tests.conftest import make_id_number
from tests.interchange.conftest import run, snapshot

ID_A = make_id_number(datetime.date(1996, 4, 5), 11)
ID_B = make_id_number(datetime.date(1997, 8, 9), 17)
FULL_HISTORY = {
    "申请入党日期": "2018-01-02",
    "谈话日期": "2018-01-20",
    "确定积极分子日期": "2018-06-01",
    "培养联系人": "高建国",
    "确定发展对象日期": "2019-06-01",
    "入党介绍人": "M0001",
    "政审日期": "2019-06-20",
    "集中培训日期": "2019-06-25",
    "预审日期": "2019-07-10",
    "志愿书编号": "SZQ2019-0007",
    "支部大会日期": "2019-07-20",
    "审批日期": "2019-08-10",
    "入党宣誓日期": "2019-09-01",
    "转正申请日期": "2020-07-10",
    "转正大会日期": "2020-07-20",
    "转正审批日期": "2020-08-10",
}


def ledger(path: Path, rows: list[dict]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for n, row in enumerate(rows, start=1):
        sheet.append([n if h == "序号" else row.get(h) for h in HEADERS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed as text ('=…), as a clerk's Excel keeps it
    book.save(path)
    return path


def person_row(name: str, id_number: str, **columns) -> dict:
    return {"姓名": name, "身份证号": id_number, "性别": "男", "民族": "汉族", "学历": "大学专科"} | {
        "职业": "农牧渔民",
        "所在党支部(代码)": "SZQ-LH-01",
        **columns,
    }


def read_rows(path: Path) -> list[tuple]:
    """A workbook's table: its header and rows, under the title row every Fazhan workbook has."""
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].endswith(("发展党员工作台账", "花名册")), rows[0]
    assert not any(rows[0][1:]), rows[0]  # the title, merged across the table
    return rows[1:]


def test_a_ledger_imports_with_the_steps_its_dates_imply(world, tmp_path):
    rows = [
        person_row("钱七", ID_A, **FULL_HISTORY),
        person_row(
            "孙八", ID_B, 申请入党日期="2020-03-01", 谈话日期="2020-03-20", 确定积极分子日期="2020-09-01"
        )
        | {"培养联系人": "M0001"},
    ]
    status, out = run("import", str(ledger(tmp_path / "l.xlsx", rows)))
    assert status == 0, out
    a = Person.objects.get(name="钱七")
    case = Case.objects.get(person=a)
    assert case.stage == "full"
    assert (a.party_status, a.joined_on) == ("full", datetime.date(2019, 7, 20))
    steps = {r.step: r for r in StepRecord.objects.filter(case=case)}
    assert steps["S05"].details == {"contacts": ["M0001"]}  # named by name within the branch
    assert steps["S05"].date == datetime.date(2018, 6, 1)
    assert steps["S13"].details == {"reviewer": "SZQ-LH", "result": "pass"}
    assert steps["S14"].details == {"form_number": "SZQ2019-0007"}
    assert steps["S02"].recorded_at is None
    assert Case.objects.get(person__name="孙八").stage == "activist"


def test_a_ledger_exported_and_imported_again_gives_the_same_records(world, tmp_path):
    rows = [person_row("钱七", ID_A, **FULL_HISTORY)]
    assert run("import", str(ledger(tmp_path / "l0.xlsx", rows)))[0] == 0
    assert run("export", str(tmp_path / "l1.xlsx"), "--org", "SZQ-LH-01")[0] == 0
    first = read_rows(tmp_path / "l1.xlsx")
    assert list(first[0]) == HEADERS
    exported = dict(zip(HEADERS, first[1], strict=True))
    for header, value in FULL_HISTORY.items():
        if header.endswith("日期"):
            assert exported[header].date().isoformat() == value
    assert exported["培养联系人"] == "高建国（M0001）"
    before = snapshot()

    status, out = run("import", str(tmp_path / "l1.xlsx"))

    assert status == 0, out
    assert snapshot() == before
    assert run("export", str(tmp_path / "l2.xlsx"), "--org", "SZQ-LH-01")[0] == 0
    assert read_rows(tmp_path / "l2.xlsx") == first


def test_a_changed_date_in_the_ledger_corrects_the_step(world, tmp_path):
    rows = [person_row("钱七", ID_A, 申请入党日期="2018-01-02", 谈话日期="2018-01-20")]
    assert run("import", str(ledger(tmp_path / "a.xlsx", rows)))[0] == 0
    rows[0]["谈话日期"] = "2018-01-25"
    assert run("import", str(ledger(tmp_path / "b.xlsx", rows)))[0] == 0
    old, new = StepRecord.objects.filter(step="S02").order_by("pk")
    assert new.supersedes == old
    assert new.date == datetime.date(2018, 1, 25)


def test_ledger_problems_are_listed_by_row_and_column_and_nothing_is_imported(world, tmp_path):
    rows = [
        person_row("钱七", ID_A, 申请入党日期="2018-01-02", 谈话日期="2018-13-01"),
        person_row("孙八", ID_B, 学历="私塾", 申请入党日期="2018-01-02"),
        person_row("周九", "511002199601011234", 申请入党日期="2018-01-02"),
        person_row("吴十", make_id_number(datetime.date(1995, 1, 1), 13), 确定积极分子日期="2018-06-01")
        | {"培养联系人": "无名氏"},
        person_row("郑一", make_id_number(datetime.date(1995, 1, 2), 15), 志愿书编号="SZQ2019-0001"),
    ]
    before = snapshot()
    status, out = run("import", str(ledger(tmp_path / "bad.xlsx", rows)))
    assert status == 1
    assert out.splitlines() == [
        "第2行：谈话日期：应为日期，如 2018-03-01、2018年3月1日、2018.3.1 或 2018/3/1",
        "第3行：学历：不在可选值内：私塾（可选：研究生、大学本科、大学专科、中专、高中、初中及以下）",
        "第4行：身份证号：身份证号校验码错误，请核对。",
        "第5行：培养联系人：找不到本支部的人员：无名氏",
        "第6行：志愿书编号：须同时填写“填写志愿书日期”或“预审日期”",
    ]
    assert snapshot() == before


def test_the_template_and_the_rosters_have_their_headers(world, tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(ledger_template_bytes())
    assert read_rows(path) == [tuple(HEADERS)]
    rows = [
        person_row(
            "孙八", ID_B, 申请入党日期="2020-03-01", 谈话日期="2020-03-20", 确定积极分子日期="2020-09-01"
        )
    ]
    assert run("import", str(ledger(tmp_path / "l.xlsx", rows)))[0] == 0
    path.write_bytes(roster_bytes("activists", root=world.township))
    roster = read_rows(path)
    assert roster[0][-2:] == ("培养联系人", "指定培养联系人日期")
    assert [r[1] for r in roster[1:]] == ["孙八"]
    path.write_bytes(roster_bytes("targets", root=world.township))
    assert len(read_rows(path)) == 1


def test_a_step_the_ledger_dates_by_the_step_it_follows_is_inferred_and_never_supersedes(world, tmp_path):
    rows = [
        person_row(
            "钱七", ID_A, 申请入党日期="2018-01-02", 谈话日期="2018-01-20", 确定积极分子日期="2018-06-01"
        )
    ]
    rows[0]["培养联系人"] = "高建国"
    assert run("import", str(ledger(tmp_path / "a.xlsx", rows)))[0] == 0
    s05 = StepRecord.objects.get(step="S05")
    assert (s05.date, s05.date_inferred, s05.from_ledger) == (datetime.date(2018, 6, 1), True, True)

    # Exported, the inferred date is left blank, so the file imports back unchanged.
    assert run("export", str(tmp_path / "out.xlsx"), "--org", "SZQ-LH-01")[0] == 0
    exported = dict(zip(HEADERS, read_rows(tmp_path / "out.xlsx")[1], strict=True))
    assert exported["指定培养联系人日期"] is None
    before = snapshot()
    assert run("import", str(tmp_path / "out.xlsx"))[0] == 0
    assert snapshot() == before

    # A ledger whose activist date moved moves the date the contacts' assignment took from it.
    rows[0]["确定积极分子日期"] = "2018-06-05"
    status, out = run("import", "--dry-run", str(ledger(tmp_path / "b.xlsx", rows)))
    assert status == 0, out
    assert "第2行：更正 步骤记录 钱七（P0005）3. 推荐和确定入党积极分子：日期：2018-06-01 → 2018-06-05" in out
    assert "第2行：更正 步骤记录 钱七（P0005）5. 指定培养联系人：日期：2018-06-01 → 2018-06-05" in out

    # An inferred date never supersedes a recorded one.
    recorded = StepRecord.objects.create(
        case=s05.case,
        step="S05",
        date=datetime.date(2018, 6, 3),
        details=s05.details,
        supersedes=s05,
        reason="核对",
    )
    status, out = run("import", "--dry-run", str(ledger(tmp_path / "b.xlsx", rows)))
    assert "5. 指定培养联系人" not in out
    recorded.delete()

    # The recorded date replaces the inferred one as a correction the preview shows.
    rows[0] |= {"确定积极分子日期": "2018-06-01", "指定培养联系人日期": "2018-06-10"}
    status, out = run("import", "--dry-run", str(ledger(tmp_path / "c.xlsx", rows)))
    assert "第2行：更正 步骤记录 钱七（P0005）5. 指定培养联系人：日期：2018-06-01 → 2018-06-10" in out
    assert "第2行：更正 步骤记录 钱七（P0005）5. 指定培养联系人：日期系推定：是 → 否" in out
    assert snapshot() == before  # a dry run writes nothing
    assert run("import", str(tmp_path / "c.xlsx"))[0] == 0
    live = StepRecord.objects.get(step="S05", superseded_by__isnull=True)
    assert (live.date, live.date_inferred, live.supersedes) == (datetime.date(2018, 6, 10), False, s05)


def test_a_ledger_row_never_renames_or_moves_the_person_its_id_number_names(world, tmp_path):
    rows = [person_row("张三丰", world.p1.id_number, 申请入党日期="2018-01-02")]
    rows[0]["所在党支部(代码)"] = "SZQ-LH-02"
    before = snapshot()
    status, out = run("import", str(ledger(tmp_path / "a.xlsx", rows)))
    assert status == 1
    assert out.splitlines() == [
        "第2行：姓名：与已登记的张三（P0001）姓名不同：导入不修改姓名、身份证号和出生日期，"
        "请在人员页面更正并说明原因",
        "第2行：所在党支部(代码)：与张三（P0001）已登记的所在党组织（中共罗汉镇高桥村支部委员会）不同："
        "组织关系的变动须以转接记录（transfer）导入",
    ]
    assert snapshot() == before


def test_a_clerks_ledger_is_read_by_its_headers_under_a_title_in_any_order(world, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["罗汉镇高桥村发展党员工作台账（2018年）"])
    sheet.append(["姓名", "公民身份号码", "所在党支部（代码）", "递交入党申请书日期", "谈话时间", "家庭住址"])
    sheet.append(
        ["钱七", ID_A, "SZQ-LH-01", "2018 年 1 月 2 日", datetime.datetime(2018, 1, 20), "高桥村三组"]
    )
    book.save(tmp_path / "clerk.xlsx")
    status, out = run("import", "--dry-run", str(tmp_path / "clerk.xlsx"))
    assert status == 0, out
    assert "说明：第2行：表头：未识别的列，未导入：家庭住址" in out
    assert run("import", str(tmp_path / "clerk.xlsx"))[0] == 0
    steps = StepRecord.objects.filter(case__person__name="钱七").order_by("date")
    assert [(r.step, r.date) for r in steps] == [
        ("S01", datetime.date(2018, 1, 2)),
        ("S02", datetime.date(2018, 1, 20)),
    ]


def test_a_cell_a_spreadsheet_would_take_for_a_formula_is_written_as_text_and_reads_back(world, tmp_path):
    name = '=HYPERLINK("http://example.com","点击")'
    rows = [person_row(name, ID_A, 申请入党日期="2018-01-02")]
    assert run("import", str(ledger(tmp_path / "a.xlsx", rows)))[0] == 0
    assert run("export", str(tmp_path / "out.xlsx"), "--org", "SZQ-LH-01")[0] == 0
    sheet = load_workbook(tmp_path / "out.xlsx").worksheets[0]
    cell = next(c for c in sheet["B"] if c.value == name)
    assert cell.data_type == "s"
    before = snapshot()
    assert run("import", str(tmp_path / "out.xlsx"))[0] == 0
    assert snapshot() == before


def test_a_ledger_correcting_a_step_keeps_what_its_row_does_not_hold(pw, tmp_path):
    from tests.procedure.conftest import walk

    walk(pw, "S13")
    assert run("export", str(tmp_path / "l.xlsx"), "--org", "SZQ-LH-01")[0] == 0
    book = load_workbook(tmp_path / "l.xlsx")
    sheet = book.worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[HEADERS.index("姓名")].value == "张三")
    talk = row[HEADERS.index("谈话日期")]
    talk.value = talk.value + datetime.timedelta(days=2)
    book.save(tmp_path / "l2.xlsx")
    old = StepRecord.objects.get(case=pw.case, step="S02")
    status, out = run("import", str(tmp_path / "l2.xlsx"))
    assert status == 0, out
    new = StepRecord.objects.get(case=pw.case, step="S02", superseded_by__isnull=True)
    assert new.supersedes == old
    assert (new.date, new.details, new.from_ledger) == (
        old.date + datetime.timedelta(days=2),
        old.details,
        False,
    )
    assert "谈话人" not in out  # the correction changes the date alone
