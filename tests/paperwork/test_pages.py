"""The pages: a step's forms on the person page, a form's download in the user's subtree only (404 outside),
the template page for the district, and the batch."""

import io
import zipfile

from fazhan.auditlog.models import AuditEvent
from fazhan.paperwork.models import FormTemplate
from tests.paperwork.conftest import docx_xml, make_docx


def test_the_person_page_offers_each_recorded_steps_forms(full, client_for):
    page = client_for("sec1").get("/people/P0001/").content.decode()
    assert 'id="step-forms"' in page
    assert "/paperwork/people/P0001/talk_record.docx" in page
    assert "/paperwork/people/P0001/prereview_sheet.pdf" in page
    assert "/paperwork/people/P0001/record_table.docx" in page


def test_a_person_without_steps_gets_only_the_record_table(world, client_for):
    page = client_for("sec2").get("/people/P0002/").content.decode()
    assert "/paperwork/people/P0002/record_table.docx" in page
    assert "talk_record" not in page


def test_a_form_downloads_inside_the_subtree_only(full, client_for):
    response = client_for("sec1").get("/paperwork/people/P0001/talk_record.docx")
    assert response.status_code == 200
    assert "张三" in docx_xml(response.content)
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert client_for("sec2").get("/paperwork/people/P0001/talk_record.docx").status_code == 404
    assert client_for("yx_organizer").get("/paperwork/people/P0001/talk_record.pdf").status_code == 404
    assert client_for("sec1").get("/paperwork/people/P0001/no_such.docx").status_code == 404
    assert client_for("sec1").get("/paperwork/people/P0001/talk_record.exe").status_code == 400
    printed = AuditEvent.objects.filter(action="paperwork.printed")
    assert printed.count() == 1
    assert printed.get().actor.username == "sec1"


def test_the_district_uploads_a_template_on_its_page(world, client_for):
    district = client_for("district")
    page = district.get("/paperwork/templates/")
    assert page.status_code == 200
    assert "发展党员工作预审表" in page.content.decode()
    bad = make_docx("{{ name }} {{ secret_field }}")
    refused = district.post("/paperwork/templates/talk_record/upload/", {"file": _file(bad)})
    assert refused.status_code == 400
    assert "secret_field" in refused.content.decode()
    assert not FormTemplate.objects.exists()
    done = district.post(
        "/paperwork/templates/talk_record/upload/", {"file": _file(make_docx("本区 {{ name }}"))}
    )
    assert done.status_code == 302
    assert FormTemplate.objects.get().active
    default = district.get("/paperwork/templates/talk_record/default.docx")
    assert default.status_code == 200
    assert "{{ name }}" in docx_xml(default.content)
    assert "本区" in docx_xml(district.get("/paperwork/templates/talk_record/current.docx").content)
    district.post("/paperwork/templates/talk_record/revert/")
    assert not FormTemplate.objects.get().active


def test_the_template_page_is_the_districts(world, client_for):
    assert client_for("lh_organizer").get("/paperwork/templates/").status_code == 403
    response = client_for("lh_organizer").post(
        "/paperwork/templates/talk_record/upload/", {"file": _file(make_docx("{{ name }}"))}
    )
    assert response.status_code == 403
    assert not FormTemplate.objects.exists()


def test_a_batch_prints_a_zip_for_the_orgs_persons_at_a_stage(full, client_for):
    response = client_for("lh_organizer").get(
        "/paperwork/batch/", {"form": "record_table", "org": "SZQ-LH", "stage": "applicant", "fmt": "docx"}
    )
    # 张三's case is converted: nobody of 罗汉镇 is an applicant, so the batch is refused on the page
    assert response.status_code == 400
    assert "名单中没有人员" in response.content.decode()
    from fazhan.procedure.services import case_open
    from tests.procedure.conftest import START

    case_open(actor=None, person=full.p2, opened_on=START)
    response = client_for("lh_organizer").get(
        "/paperwork/batch/", {"form": "record_table", "org": "SZQ-LH", "stage": "applicant", "fmt": "docx"}
    )
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert len(names) == 1
        assert "李四" in names[0]
        assert "李四" in docx_xml(archive.read(names[0]))
    assert (
        client_for("yx_organizer")
        .get(
            "/paperwork/batch/",
            {"form": "record_table", "org": "SZQ-LH", "stage": "applicant", "fmt": "docx"},
        )
        .status_code
        == 404
    )


def test_a_batch_without_a_list_is_refused_at_the_form(world, client_for):
    response = client_for("lh_organizer").get("/paperwork/batch/", {"form": "record_table", "fmt": "pdf"})
    assert response.status_code == 400
    assert "请填写公示编号" in response.content.decode()


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("模板.docx", content)
