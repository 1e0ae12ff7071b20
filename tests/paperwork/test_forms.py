"""Every shipped form filled from a walked case: the DOCX names the official fonts, the PDF (LibreOffice's
conversion of that DOCX) holds the person's name, the dates of the form's steps and its signature block."""

import re

import pytest

from fazhan.core.dates import date_cn
from fazhan.core.office import docx_to_pdf, pdf_to_png
from fazhan.paperwork.declarations import FORMS, FORMS_BY_CODE, form_by_name, forms_for_step
from fazhan.paperwork.record import facts, person_record
from fazhan.paperwork.rendering import form_context, template_names
from fazhan.paperwork.services import form_print
from tests.paperwork.conftest import docx_xml, pdf_text

SIGNATURE = re.compile(r"年\s*月\s*日")


@pytest.mark.parametrize("code", [f.code for f in FORMS])
def test_each_form_is_filled_from_the_record(full, code):
    form = FORMS_BY_CODE[code]
    pdf = form_print(actor=full.users["district"], form=form, person=full.p1, fmt="pdf")
    assert pdf_to_png(pdf, last=1)[0].startswith(b"\x89PNG")
    text = re.sub(r"\s+", "", pdf_text(pdf))  # a paragraph may break a date; LibreOffice spaces 2018 年
    assert "张三" in text
    assert form.title in text
    for step in form.steps:
        dates = {date_cn(r.date) for r in full.records[step]}
        assert any(d in text for d in dates), (step, dates)
    assert SIGNATURE.search(pdf_text(pdf, layout=True))
    assert "签字" in text or "盖章" in text
    assert "P0001" not in text  # never the internal person id
    assert "{{" not in text
    assert "{%" not in text


def test_the_docx_names_the_official_fonts(full):
    xml = docx_xml(
        form_print(actor=None, form=FORMS_BY_CODE["cultivation_register"], person=full.p1, fmt="docx")
    )
    for font in ("方正小标宋简体", "仿宋_GB2312", "黑体"):
        assert f'w:eastAsia="{font}"' in xml
    assert 'w:eastAsia="宋体"' not in xml  # 宋体 only where a province's form uses it
    prereview = docx_xml(FORMS_BY_CODE["prereview_sheet"].default_template())
    assert 'w:eastAsia="宋体"' in prereview
    assert "审卷人签字" in prereview


def test_the_record_table_runs_by_the_five_stages_in_sentences(full):
    import io

    from docx import Document

    form = FORMS_BY_CODE["record_table"]
    docx = form_print(actor=full.users["sec1"], form=form, person=full.p1, fmt="docx")
    grid = Document(io.BytesIO(docx)).tables[-1]
    header = [c.text for c in grid.rows[0].cells]
    assert header == ["阶段", "步骤", "日期", "内容", "经办人签字", "党组织意见（盖章）"]
    stages = [r.cells[0].text for r in grid.rows[1:] if r.cells[0].text]
    assert stages == [
        "一、入党申请人",
        "二、入党积极分子",
        "三、发展对象",
        "四、预备党员接收",
        "五、预备党员教育考察和转正",
    ]
    contents = [r.cells[3].text for r in grid.rows[1:]]
    assert "指定党员0、党员1同志为培养联系人。" in contents
    assert all("：" not in c for c in contents)  # sentences, not key：value
    pdf = docx_to_pdf(docx)
    lines = [re.sub(r"\s+", "", line) for line in pdf_text(pdf, layout=True).splitlines()]
    for record in full.records["S15"] + full.records["S24"]:
        assert any(date_cn(record.date) in line for line in lines)  # the date on one line, not wrapped
    flat = re.sub(r"\s+", "", pdf_text(pdf))
    assert "人员编号" not in flat
    assert "P0001" not in flat


def test_the_context_holds_only_the_declared_fields(full):
    form = FORMS_BY_CODE["talk_record"]
    everything = facts(person_record(full.p1, id_number=""))
    context = form_context(form, everything)
    assert set(context) == set(form.fields) == template_names(form.default_template())
    assert "id_number" not in context
    assert len(everything) > len(context)


def test_id_numbers_are_clear_only_for_a_role_that_reads_them(full):
    form = FORMS_BY_CODE["activist_filing"]
    clear = docx_xml(form_print(actor=full.users["lh_organizer"], form=form, person=full.p1, fmt="docx"))
    masked = docx_xml(form_print(actor=full.users["sec1"], form=form, person=full.p1, fmt="docx"))
    assert full.p1.id_number in clear
    assert full.p1.id_number not in masked
    assert full.p1.id_number[-4:] in masked


def test_every_print_is_in_the_trail(full):
    from fazhan.auditlog.models import AuditEvent

    before = AuditEvent.objects.filter(action="paperwork.printed").count()
    form_print(actor=full.users["sec1"], form=FORMS_BY_CODE["talk_record"], person=full.p1, fmt="docx")
    event = AuditEvent.objects.filter(action="paperwork.printed").order_by("-pk").first()
    assert AuditEvent.objects.filter(action="paperwork.printed").count() == before + 1
    assert event.data["person"] == "P0001"
    assert event.data["form"] == "talk_record"
    assert event.data["id_number_clear"] is False


def test_forms_are_found_by_code_title_and_step():
    assert form_by_name("发展党员工作预审表") is FORMS_BY_CODE["prereview_sheet"]
    assert form_by_name("talk_record").title == "入党申请人谈话记录"
    assert form_by_name("no_such_form") is None
    assert {f.code for f in forms_for_step("S15")} == {"admission_notice", "branch_resolution"}
