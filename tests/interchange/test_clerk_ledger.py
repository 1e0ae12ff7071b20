"""Ledgers as clerks keep them (issue 14, item 4): a ledger made as a clerk makes one — a title row, a two-row
header, shuffled and renamed columns, serial and written dates, everyday words, branch names, the table on its
second sheet — and its .xls and .ods copies (converted by LibreOffice, as a clerk's Excel or WPS saves them)
import to the same records as the project's own template filled in."""

import datetime
import io
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from fazhan.core.office import convert
from fazhan.interchange.ledger import HEADERS, ledger_sources, ledger_template_bytes
from fazhan.organizations.models import OrgKind
from fazhan.organizations.services import org_create
from fazhan.people.models import Person
from fazhan.procedure.models import StepRecord
from tests.conftest import make_id_number
from tests.interchange.conftest import run, snapshot
from tests.workbooks import assert_shaped, sheets, table

ID_A = make_id_number(datetime.date(1996, 4, 5), 11)
ID_B = make_id_number(datetime.date(1997, 8, 9), 18)
D = datetime.date

# The two persons as the project's template holds them: code-list values, date cells, branch codes.
CANON = [
    {
        "姓名": "钱七",
        "身份证号": ID_A,
        "性别": "男",
        "民族": "汉族",
        "学历": "大学专科",
        "职业": "农牧渔民",
        "所在党支部(代码)": "SZQ-LH-01",
        "申请入党日期": D(2018, 1, 2),
        "谈话日期": D(2018, 1, 20),
        "确定积极分子日期": D(2018, 6, 1),
        "培养联系人": "高建国",
        "确定发展对象日期": D(2019, 6, 3),
        "入党介绍人": "高建国",
        "政审日期": D(2019, 6, 20),
    },
    {
        "姓名": "孙八",
        "身份证号": ID_B,
        "性别": "女",
        "民族": "彝族",
        "学历": "大学本科",
        "职业": "工人",
        "所在党支部(代码)": "SZQ-LH-02",
        "申请入党日期": D(2020, 3, 1),
        "谈话日期": D(2020, 3, 20),
        "确定积极分子日期": D(2020, 9, 1),
    },
]


def template_ledger() -> bytes:
    """The downloadable template, filled in under its header."""
    book = load_workbook(io.BytesIO(ledger_template_bytes()))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[2]] == HEADERS
    for n, person in enumerate(CANON, start=1):
        sheet.append([n if h == "序号" else person.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def clerk_ledger() -> bytes:
    """The same two persons as a township clerk's own workbook holds them."""
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["本表由各村党支部每季度报镇党委组织办"])
    sheet = book.create_sheet("2020年台账")
    sheet.append(["罗汉镇发展党员工作台账（2018—2020年）"])
    sheet.merge_cells("A1:P1")
    # Two header rows: single columns merged down, groups over the steps of a stage. Columns shuffled,
    # renamed, two the import does not know.
    upper = ["编号", "姓名", "性别", "公民身份号码", "文化程度", "民族", "职业", "所在党支部"]
    upper += ["申请入党", None, "入党积极分子", None, "发展对象", None, "政治审查时间", "家庭住址"]
    lower = [None] * 8 + ["递交申请书时间", "谈话时间", "确定为积极分子日期", "培养联系人"]
    lower += ["确定日期", "入党介绍人姓名", None, None]
    sheet.append(upper)
    sheet.append(lower)
    for column in "ABCDEFGHOP":
        sheet.merge_cells(f"{column}2:{column}3")
    for first, last in (("I", "J"), ("K", "L"), ("M", "N")):
        sheet.merge_cells(f"{first}2:{last}2")
    sheet.append(
        [
            *(1, "钱七", "男", ID_A, "大专", "汉", "农民", "中共罗汉镇高桥村支部委员会"),
            *(43102, "2018年1月20日", "2018.6.1", "高建国", "2019 年 6 月 3 日", "高建国", "2019/6/20"),
            "高桥村三组",
        ]
    )
    sheet.append(
        [
            *(2, "孙八", "女", ID_B, "本科", "彝族", "工人", "罗汉镇双河村支部委员会"),
            *(D(2020, 3, 1), "2020-3-20", " 2020 / 9 / 1 ", None, None, None, None, "双河村一组"),
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _records(content: bytes) -> list[dict]:
    sources, problems, _notes = ledger_sources(content)
    assert problems == []
    return [s.data for s in sources]


@pytest.fixture
def office_copies() -> dict[str, bytes]:
    """The clerk's ledger as .xlsx, and as the .xls and .ods LibreOffice saves it in."""
    xlsx = clerk_ledger()
    return {".xlsx": xlsx, ".xls": convert(xlsx, ".xlsx", "xls"), ".ods": convert(xlsx, ".xlsx", "ods")}


def test_a_clerks_ledger_and_its_xls_and_ods_copies_read_as_the_template_does(world, office_copies):
    canon = _records(template_ledger())
    assert [r["type"] for r in canon].count("person") == 2
    assert office_copies[".xls"][:4] == bytes.fromhex("d0cf11e0")  # a real BIFF workbook (an OLE2 file)
    assert office_copies[".ods"][:2] == b"PK"
    for suffix, content in office_copies.items():
        assert _records(content) == canon, suffix


def test_a_clerks_xls_imports_to_the_same_records_as_the_template(world, office_copies, tmp_path):
    path = tmp_path / "台账.et"  # WPS's own suffix on an .xls inside
    path.write_bytes(office_copies[".xls"])
    status, out = run("import", "--dry-run", str(path))
    assert status == 0, out
    assert "说明：第3行：表头：未识别的列，未导入：家庭住址" in out
    assert run("import", str(path))[0] == 0
    qian = Person.objects.get(name="钱七")
    assert (qian.org.code, qian.gender, qian.ethnicity, qian.education, qian.occupation) == (
        "SZQ-LH-01",
        "M",
        "汉族",
        "大学专科",
        "农牧渔民",
    )
    assert Person.objects.get(name="孙八").org.code == "SZQ-LH-02"
    steps = StepRecord.objects.filter(case__person=qian).order_by("date", "step")
    assert [(r.step, r.date) for r in steps] == [
        ("S01", D(2018, 1, 2)),  # the serial day 43102
        ("S02", D(2018, 1, 20)),
        ("S03", D(2018, 6, 1)),
        ("S05", D(2018, 6, 1)),
        ("S07", D(2019, 6, 3)),
        ("S09", D(2019, 6, 3)),
        ("S10", D(2019, 6, 20)),
    ]
    before = snapshot()
    template = tmp_path / "template.xlsx"
    template.write_bytes(template_ledger())
    status, out = run("import", str(template))
    assert status == 0, out
    assert snapshot() == before  # the template holds the very same records


def test_a_branch_name_two_orgs_share_is_refused_naming_both(world, tmp_path):
    for code, name in (
        ("SZQ-LH-09", "中共罗汉镇高桥村支部委员会"),
        ("SZQ-LH-08", "中共罗汉镇石桥村支部委员会"),
    ):
        org_create(actor=None, code=code, name=name, kind=OrgKind.BRANCH, parent=world.township)
    before = snapshot()
    path = tmp_path / "clerk.xlsx"
    path.write_bytes(clerk_ledger())
    status, out = run("import", str(path))
    assert status == 1
    assert (
        "第4行：所在党支部名称：“中共罗汉镇高桥村支部委员会”对应多个党组织："
        "中共罗汉镇高桥村支部委员会（SZQ-LH-01）、中共罗汉镇高桥村支部委员会（SZQ-LH-09），请填写代码"
    ) in out.splitlines()
    assert snapshot() == before


def test_every_refusal_of_a_coded_or_dated_cell_lists_what_is_allowed(world, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号", "性别", "学历", "职业", "所在党支部名称", "申请入党日期"])
    sheet.append(["钱七", ID_A, "未知", "私塾", "农夫", "高桥村", "去年春天"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    status, out = run("import", str(path))
    assert status == 1
    assert sorted(out.splitlines()) == sorted(
        [
            "第2行：所在党支部名称：找不到名为“高桥村”的党组织（可填："
            "中共罗汉镇高桥村支部委员会（SZQ-LH-01）、中共罗汉镇双河村支部委员会（SZQ-LH-02）、中共罗汉镇中心学校总支部委员会（SZQ-LH-03）、"
            "中共罗汉镇中心学校教师支部委员会（SZQ-LH-03-1）、中共永兴镇新桥村支部委员会（SZQ-YX-01））",
            "第2行：性别：不在可选值内：未知（可选：男、女）",
            "第2行：学历：不在可选值内：私塾（可选：研究生、大学本科、大学专科、中专、高中、初中及以下）",
            "第2行：职业：不在可选值内：农夫（可选：工人、农牧渔民、专业技术人员、管理人员、"
            "党政机关工作人员、学生、离退休人员、其他）",
            "第2行：申请入党日期：应为日期，如 2018-03-01、2018年3月1日、2018.3.1 或 2018/3/1",
        ]
    )


def test_the_template_has_dropdowns_for_every_coded_column_and_instructions(client_for, world):
    response = client_for("lh_organizer").get("/interchange/export/?format=template")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(
        "发展党员工作台账模板.xlsx"
    )
    book = sheets(response.content)
    assert list(book) == ["发展党员工作台账", "填表说明"]  # the code lists' sheet is hidden
    sheet = book["发展党员工作台账"]
    assert_shaped(sheet, title="发展党员工作台账")
    assert list(table(sheet)[0]) == HEADERS
    workbook = sheet.parent
    lists = workbook["代码表"]
    by_column = {}
    for rule in sheet.data_validations.dataValidation:
        column = HEADERS[_column_index(str(rule.sqref))]
        assert rule.type == "list"
        assert str(rule.sqref).split(":")[0].endswith("3")  # from the first row under the header
        letter = rule.formula1.split("!")[1].split(":")[0].replace("$", "").rstrip("0123456789")
        by_column[column] = [c.value for c in lists[letter][1:] if c.value is not None]
    assert by_column["性别"] == ["男", "女"]
    assert by_column["学历"][:3] == ["研究生", "大学本科", "大学专科"]
    assert "农牧渔民" in by_column["职业"]
    assert len(by_column["民族"]) == 56
    assert by_column["所在党支部(代码)"] == ["SZQ-LH-01", "SZQ-LH-02", "SZQ-LH-03", "SZQ-LH-03-1"]
    assert by_column["所在党支部名称"][0] == "中共罗汉镇高桥村支部委员会"
    notes = "\n".join(str(c.value) for c in book["填表说明"]["A"] if c.value)
    assert "必填：姓名、身份证号" in notes
    assert "2018年3月1日" in notes
    assert "SZQ-LH-01 — 中共罗汉镇高桥村支部委员会" in notes


def _column_index(sqref: str) -> int:
    letters = sqref.split(":")[0].rstrip("0123456789")
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def test_a_clerks_xls_uploaded_in_the_page_previews_with_its_notes(client_for, world, office_copies):
    client = client_for("lh_organizer")
    upload = SimpleUploadedFile("罗汉镇台账.xls", office_copies[".xls"])
    response = client.post("/interchange/", {"file": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "未识别的列，未导入：家庭住址" in preview
    # The clerk reads where in Chinese: 第N行, under 说明, never `row N` or `note`.
    assert "第3行：表头：未识别的列" in preview
    assert not re.search(r"\brow \d", preview)
    assert "note:" not in preview
    assert "钱七" in preview
    assert "不在可选值内" not in preview


def test_exports_are_shaped_for_clerks_and_reimport_unchanged(world, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_ledger())
    assert run("import", str(path))[0] == 0
    out = tmp_path / "out.xlsx"
    assert run("export", str(out), "--org", "SZQ-LH")[0] == 0
    sheet = load_workbook(out).worksheets[0]
    assert_shaped(sheet, title="中共罗汉镇委员会发展党员工作台账")
    rows = table(sheet)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["所在党支部(代码)"], row["所在党支部名称"]) == ("SZQ-LH-01", "中共罗汉镇高桥村支部委员会")
    width = sheet.column_dimensions["C"].width  # 身份证号: 18 digits fit
    assert width >= 18
    before = snapshot()
    assert run("import", str(out))[0] == 0
    assert snapshot() == before
