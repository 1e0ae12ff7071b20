"""The self-inspection report (自查报告) as a township hands it in: one DOCX (GB/T 9704, core/office.py)
with the five sections, the 落款 and page numbers, the PDF as LibreOffice's conversion of it, and the
on-screen page with the same text. Users read Chinese: no severity code, rule id, article, person id or
stored code anywhere, the annex included — read back with python-docx from body, tables and footers, on
the demo world."""

import datetime
import io
import re
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from PIL import Image

from fazhan.auditlog.models import AuditEvent
from fazhan.core.office import docx_to_pdf, pdf_to_png
from fazhan.inspection.categories import CATEGORY_LABELS, RULE_CATEGORY, SEVERITY_LABELS
from fazhan.inspection.models import InspectionRun
from fazhan.inspection.report import NAMED_IN_TEXT, names_in_text, report_build, report_docx
from fazhan.inspection.services import ERR_REPORT_TEXT_ROLE, inspection_run
from fazhan.jobs.models import Job
from fazhan.organizations.models import Org
from fazhan.people.choices import DisciplineKind, KinRelation
from fazhan.people.models import Person
from fazhan.procedure.definition import RULES_BY_ID
from fazhan.procedure.services import case_record_step
from tests.demo_copy import DEMO_DAY
from tests.procedure.conftest import day, legal_details

SECTIONS = ("一、基本情况", "二、主要做法", "三、存在的问题", "四、整改措施", "五、下一步打算")
STORED_CODES = (
    *(v for v, _label in KinRelation.choices),
    *(v for v, _label in DisciplineKind.choices),
    *("open", "assigned", "explained", "corrected", "verified", "closed"),
    *("convert", "extend", "cancel", "approved", "rejected"),
)


def a_run(w):
    case_record_step(actor=None, case=w.case, step="S01", date=day(0), details={})
    case_record_step(actor=None, case=w.case, step="S02", date=day(50), details=legal_details("S02", 0, w))
    return inspection_run(actor=w.users["lh_organizer"], org=w.township, as_of=datetime.date.today())


def docx_texts(data: bytes) -> tuple[list[str], list[str], list[str]]:
    """(body paragraphs, table cells, footer texts) of a DOCX."""
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    footers = [p.text for s in doc.sections for p in s.footer.paragraphs]
    return [p.text for p in doc.paragraphs], cells, footers


def leaked(text: str, pids: set[str]) -> list[str]:
    """What a user must not read in a document: severity codes, rule ids, articles, person ids, stored
    codes (any Latin word of three letters or more)."""
    found = re.findall(r"\b(?:ERROR|WARN|BLOCK)\b|Art\.|\[P\]", text)
    found += [r for r in RULES_BY_ID if r in text]
    found += [p for p in pids if re.search(rf"\b{p}\b", text)]
    found += [c for c in STORED_CODES if re.search(rf"\b{c}\b", text)]
    found += re.findall(r"[A-Za-z]{3,}", text)
    return found


def test_every_rule_of_the_definition_has_one_category_of_the_notice():
    assert set(RULE_CATEGORY) == set(RULES_BY_ID)
    assert set(RULE_CATEGORY.values()) <= set(CATEGORY_LABELS)
    assert set(RULE_CATEGORY.values()) == set(CATEGORY_LABELS)  # every category holds some rule
    assert set(SEVERITY_LABELS.values()) == {"严重", "一般", "提示"}


@pytest.fixture
def demo_run(demo_world):
    """The demo of DEMO_DAY (tests/demo_copy.py: built once per run, copied into this test's transaction)."""
    return inspection_run(actor=None, org=Org.objects.get(code="SZQ-LH"), as_of=DEMO_DAY)


def test_the_demo_report_docx_has_five_sections_a_signature_page_numbers_and_nothing_a_user_cannot_read(
    demo_run, tmp_path
):
    report = report_build(demo_run, user=None)
    data = report_docx(report)
    body, cells, footers = docx_texts(data)
    assert body[0] == "中共罗汉镇委员会关于发展党员工作自查情况的报告"
    assert "中共市中区委员会组织部：" in body  # 主送: the district's organization department
    positions = [body.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert body[body.index("（盖章）") - 2] == "中共罗汉镇委员会"  # 落款, date, seal space
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", body[body.index("（盖章）") - 1])
    assert "附件" in body
    assert "发展党员工作自查问题清单" in body
    basics = " ".join(body[positions[0] : positions[1]])
    assert "收到入党申请" in basics
    assert "6:3:1" in basics
    assert "发展党员" in basics
    problems = body[positions[2] : positions[3]]
    for heading in ("执行发展党员计划方面", "“近亲繁殖”方面", "突击发展方面"):
        assert any(heading in p for p in problems)
    # a finding named by the person's name and branch name, in the section and in the annex
    finding = next(f for f in report.findings if f.person is not None)
    assert any(f"{finding.person.name}（{finding.org.name}）" in p for p in problems)
    assert finding.person.name in cells
    assert finding.org.name in cells
    assert cells[:7] == ["序号", "党组织", "姓名", "问题类别", "问题", "程度", "整改状态"]
    assert len(cells) == 7 * (1 + len(report.findings))
    assert {"严重", "一般", "提示"} & set(cells)
    assert all("—" in f for f in footers if f)  # — 1 —
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        footer_xml = "".join(archive.read(n).decode() for n in archive.namelist() if "footer" in n)
    assert "PAGE" in footer_xml  # the page number is a field, right on every page
    pids = set(Person.objects.values_list("pid", flat=True))
    assert leaked("\n".join(body + cells + footers), pids) == []
    assert not re.search(r"\d{4}-\d{2}-\d{2}", "".join(body + cells))  # dates as 2018年8月31日

    # The PDF is LibreOffice's conversion of this DOCX: its text holds the five headings; page 1 is not blank.
    pdf = docx_to_pdf(data)
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in SECTIONS:
        assert heading in text
    assert "ERROR" not in text
    assert "WARN" not in text
    [first] = pdf_to_png(pdf, last=1)
    image = Image.open(io.BytesIO(first)).convert("L")
    assert sum(image.histogram()[:128]) > 0.005 * image.width * image.height


def test_the_orgs_paragraphs_are_kept_with_the_run_through_the_service_audited_and_printed(pw, client_for):
    client = client_for("lh_organizer")
    run = a_run(pw)
    response = client.post(
        f"/inspection/runs/{run.pk}/",
        {
            "action": "report_text",
            "practice": "坚持月度例会制度。\n严格落实公示。",
            "next_steps": "加强培训。",
        },
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.report_practice == "坚持月度例会制度。\n严格落实公示。"
    event = AuditEvent.objects.get(action="inspection.report_text")
    assert event.data["changed"] == ["report_next_steps", "report_practice"]
    body, _cells, _footers = docx_texts(client.get(f"/inspection/runs/{run.pk}/report/?format=docx").content)
    practice = body.index("二、主要做法")
    assert body[practice + 1 : practice + 3] == ["坚持月度例会制度。", "严格落实公示。"]
    assert body[body.index("五、下一步打算") + 1] == "加强培训。"
    # the on-screen page says what the document says
    html = client.get(f"/inspection/runs/{run.pk}/report/?format=html").content.decode()
    for text in body:
        if text:
            assert text in html, text
    assert "<svg" in html


def test_a_role_that_may_not_write_the_report_is_told_so_on_the_form_and_nothing_changes(pw, client_for):
    run = a_run(pw)
    response = client_for("inspector_lh").post(
        f"/inspection/runs/{run.pk}/", {"action": "report_text", "practice": "某某", "next_steps": ""}
    )
    assert response.status_code == 400
    form = response.content.decode().split('id="report-text-form"')[1].split("</form>")[0]
    assert ERR_REPORT_TEXT_ROLE in form
    too_long = client_for("lh_organizer").post(
        f"/inspection/runs/{run.pk}/", {"action": "report_text", "practice": "长" * 3001, "next_steps": ""}
    )
    assert too_long.status_code == 400
    form = too_long.content.decode().split('id="report-text-form"')[1].split("</form>")[0]
    assert "不能超过 3000 字（现 3001 字）" in form
    assert InspectionRun.objects.get(pk=run.pk).report_practice == ""
    assert not AuditEvent.objects.filter(action="inspection.report_text").exists()
    assert not Job.objects.exists()


def test_the_report_pdf_is_the_docx_converted_and_the_page_offers_both(pw, client_for, tmp_path):
    client = client_for("lh_organizer")
    run = a_run(pw)
    page = client.get(f"/inspection/runs/{run.pk}/").content.decode()
    assert f'href="/inspection/runs/{run.pk}/report/?format=docx"' in page
    assert f'href="/inspection/runs/{run.pk}/report/?format=pdf"' in page
    response = client.get(f"/inspection/runs/{run.pk}/report/")
    assert response["Content-Type"] == "application/pdf"
    (tmp_path / "report.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s", "", text)
    assert "张三" in flat
    assert "收到申请后一个月内派人谈话" in flat
    assert "APP-TALK" not in text
    producer = subprocess.run(
        ["pdfinfo", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "LibreOffice" in producer
    assert AuditEvent.objects.filter(action="inspection.report_read", data__format="pdf").count() == 1


def test_the_report_of_a_run_outside_the_users_subtree_is_404(pw, client_for):
    run = a_run(pw)
    assert client_for("yx_organizer").get(f"/inspection/runs/{run.pk}/report/").status_code == 404
    assert (
        client_for("yx_organizer")
        .post(f"/inspection/runs/{run.pk}/", {"action": "report_text", "practice": "x"})
        .status_code
        == 404
    )


def test_the_run_page_refuses_a_report_with_no_period_or_an_unknown_format_at_its_field(pw, client_for):
    client = client_for("lh_organizer")
    run = a_run(pw)
    response = client.post(f"/inspection/runs/{run.pk}/", {"since": "2018-02-30", "format": "pdf"})
    assert response.status_code == 400
    page = response.content.decode()
    form = page.split('id="report-form"')[1].split("</form>")[0]
    assert "输入一个有效的日期。" in form
    response = client.post(f"/inspection/runs/{run.pk}/", {"since": "2018-01-01", "format": "xls"})
    assert response.status_code == 400
    assert "xls" in response.content.decode().split('id="report-form"')[1].split("</form>")[0]
    assert not Job.objects.exists()
    assert (
        client_for("yx_organizer").post(f"/inspection/runs/{run.pk}/", {"format": "pdf"}).status_code == 404
    )


def test_fazhan_report_writes_a_saved_runs_report_as_pdf_or_docx_by_the_suffix(pw, tmp_path):
    run = a_run(pw)
    err = io.StringIO()
    call_command("report", str(run.pk), "--out", str(tmp_path / "r.pdf"), stderr=err)
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert f"{run.found} findings" in err.getvalue()
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert all(s in text for s in SECTIONS)
    call_command("report", str(run.pk), "--out", str(tmp_path / "r.docx"), stderr=io.StringIO())
    body, cells, _footers = docx_texts((tmp_path / "r.docx").read_bytes())
    assert all(s in body for s in SECTIONS)
    assert "张三" in cells
    with pytest.raises(CommandError, match="run"):
        call_command("report", "999999", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="--since"):
        call_command("report", str(run.pk), "--out", str(tmp_path / "x.pdf"), "--since", "2018-13-01")
    assert not (tmp_path / "x.pdf").exists()


def test_the_reports_first_day_is_2017_01_01_unless_chosen_on_the_page_and_the_command(
    pw, client_for, tmp_path
):
    """procedure.md G: the notice's self-inspection covers the work since 2017-01-01 — the run page's form
    starts there, and `fazhan report` without --since reports that period (in print: 2017年1月1日)."""
    client = client_for("lh_organizer")
    run = a_run(pw)
    form = client.get(f"/inspection/runs/{run.pk}/").content.decode().split('id="report-form"')[1]
    assert 'value="2017-01-01"' in form.split("</form>")[0]
    call_command("report", str(run.pk), "--out", str(tmp_path / "r.docx"), stderr=io.StringIO())
    body, _cells, _footers = docx_texts((tmp_path / "r.docx").read_bytes())
    assert any("对2017年1月1日以来的发展党员工作开展了自查" in p for p in body)
    assert any(p.startswith("2017年1月1日至") for p in body)
    call_command(
        "report",
        str(run.pk),
        "--out",
        str(tmp_path / "s.docx"),
        "--since",
        "2020-03-02",
        stderr=io.StringIO(),
    )
    body, _cells, _footers = docx_texts((tmp_path / "s.docx").read_bytes())
    assert any(p.startswith("2020年3月2日至") for p in body)


def test_a_long_list_of_names_stops_in_the_text_and_points_to_the_annex():
    names = [f"人员{i}" for i in range(NAMED_IN_TEXT + 5)]
    assert names_in_text(names[:3]) == "人员0、人员1、人员2"
    long = names_in_text(names)
    assert long.endswith(f"人员{NAMED_IN_TEXT - 1}等（详见附件）")
    assert f"人员{NAMED_IN_TEXT}" not in long
