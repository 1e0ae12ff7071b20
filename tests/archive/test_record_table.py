"""The 全程纪实表 rendered for real: the PDF through pdftotext and pdftoppm (poppler), the DOCX read back."""

import datetime
import io
import subprocess

import pytest
from docx import Document
from PIL import Image

from fazhan.archive.services import attachment_add
from fazhan.auditlog.models import AuditEvent
from fazhan.core.dates import date_cn
from fazhan.procedure.services import step_correct
from tests.archive.conftest import png_bytes, upload
from tests.conftest import ID_1998_MALE
from tests.procedure.conftest import day, walk


def test_print_dates_read_as_on_paper():
    assert date_cn(datetime.date(2018, 3, 1)) == "2018年3月1日"
    assert date_cn(datetime.date(2021, 12, 25)) == "2021年12月25日"


@pytest.fixture
def corrected(pw):
    """A case at S07 whose talk was first entered with the wrong date, then corrected."""
    done = walk(pw, "S07")
    step_correct(
        actor=None, record=done["S02"][0], date=day(20), details={"talkers": ["M0001"]}, reason="日期抄错"
    )
    attachment_add(
        actor=pw.users["sec1"], record=done["S01"][0], material="application", upload=upload(png_bytes())
    )
    return pw


def _pdf(client, tmp_path):
    response = client.get("/archive/people/P0001/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "record.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return path, "".join(text.split())  # table cells wrap: compare without the line breaks


def test_the_pdf_shows_the_person_and_every_step_record(corrected, client_for, tmp_path):
    _path, text = _pdf(client_for("lh_organizer"), tmp_path)
    assert "发展党员全程纪实表" in text
    assert "张三" in text
    assert "高桥村" in text
    for name in ("递交入党申请书", "党组织派人谈话", "推荐和确定入党积极分子", "确定发展对象"):
        assert name in text
    assert date_cn(day(0)) in text  # 2020年3月2日
    assert "日期抄错" in text  # the superseded talk and its reason
    assert "入党申请书" in text  # the attached material
    assert "高建国" in text  # the talker by name


def test_the_pdf_renders_to_a_page_with_ink(corrected, client_for, tmp_path):
    path, _ = _pdf(client_for("lh_organizer"), tmp_path)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    width, height = page.size
    assert height > width  # A4 portrait
    dark = sum(page.histogram()[:128])
    assert 0.005 < dark / (width * height) < 0.5  # text and rules on a white page


def test_the_id_number_is_masked_for_a_branch_secretary_and_clear_for_the_township(
    corrected, client_for, tmp_path
):
    _, text = _pdf(client_for("sec1"), tmp_path)
    assert ID_1998_MALE not in text
    assert "5110**********1215" in text
    assert not AuditEvent.objects.filter(action="person.personal_data_viewed").exists()
    _, text = _pdf(client_for("lh_organizer"), tmp_path)
    assert ID_1998_MALE in text
    assert AuditEvent.objects.filter(
        action="person.personal_data_viewed", actor=corrected.users["lh_organizer"]
    ).exists()
    assert AuditEvent.objects.filter(action="archive.download.record_pdf").count() == 2


def test_the_docx_strikes_through_the_superseded_record_and_gives_its_reason(corrected, client_for):
    response = client_for("sec1").get("/archive/people/P0001/record.docx")
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    header, steps = doc.tables
    assert "张三" in [c.text for c in header.rows[0].cells]
    talks = [row for row in steps.rows if row.cells[0].text.startswith("2. ")]
    assert len(talks) == 2
    struck = [row for row in talks if row.cells[0].paragraphs[0].runs[0].font.strike]
    assert len(struck) == 1
    assert "日期抄错" in struck[0].cells[3].text
    assert struck[0].cells[1].text == date_cn(day(18))
    live = next(row for row in talks if row is not struck[0])
    assert live.cells[1].text == date_cn(day(20))
    dates = [row.cells[1].text for row in steps.rows[1:]]
    assert dates[0] == date_cn(day(0))


def test_a_person_without_any_step_record_still_prints(pw, client_for, tmp_path):
    response = client_for("sec2").get("/archive/people/P0002/record.pdf")
    assert response.status_code == 200
    path = tmp_path / "empty.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "李四" in text
    assert "尚无步骤记录" in text
    assert client_for("sec2").get("/archive/people/P0002/record.docx").status_code == 200
