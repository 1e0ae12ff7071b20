"""A district replaces a form's template with its own DOCX: checked at upload (a DOCX, declared names only, no
escape from the sandbox), used for every print below it, audited, and reverted by deactivation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.paperwork.declarations import FORMS_BY_CODE
from fazhan.paperwork.models import FormTemplate
from fazhan.paperwork.services import (
    ERR_NOT_DOCX,
    ERR_UNSAFE,
    form_print,
    template_revert,
    template_upload,
)
from tests.paperwork.conftest import docx_xml, make_docx, pdf_text

TALK = FORMS_BY_CODE["talk_record"]


def upload(w, content: bytes, user: str = "district"):
    return template_upload(
        actor=w.users[user], form=TALK, org=w.district, filename="本省谈话记录.docx", content=content
    )


def test_a_replaced_template_is_used_and_reverted(full):
    upload(
        full,
        make_docx("四川省入党申请人谈话记录（本省样式）", "申请人：{{ name }}，谈话时间：{{ talk_date }}"),
    )
    pdf = form_print(actor=full.users["sec1"], form=TALK, person=full.p1, fmt="pdf")
    text = pdf_text(pdf).replace(" ", "")
    assert "本省样式" in text
    assert "申请人：张三" in text
    assert "2020年3月20日" in text
    assert AuditEvent.objects.filter(action="paperwork.template_uploaded").count() == 1

    template_revert(actor=full.users["district"], form=TALK, org=full.district)
    xml = docx_xml(form_print(actor=full.users["sec1"], form=TALK, person=full.p1, fmt="docx"))
    assert "本省样式" not in xml
    assert "入党申请人谈话记录" in xml
    assert FormTemplate.objects.get().active is False  # kept, inactive


def test_a_second_upload_replaces_the_first(full):
    upload(full, make_docx("第一版 {{ name }}"))
    upload(full, make_docx("第二版 {{ name }}"))
    xml = docx_xml(form_print(actor=None, form=TALK, person=full.p1, fmt="docx"))
    assert "第二版 张三" in xml
    assert "第一版" not in xml
    assert FormTemplate.objects.filter(active=True).count() == 1
    assert FormTemplate.objects.count() == 2


def test_an_undeclared_name_is_refused_and_changes_nothing(world):
    with pytest.raises(ValidationError) as refused:
        upload(world, make_docx("{{ name }} {{ id_number }} {{ person.pid }}"))
    message = refused.value.message_dict["file"][0]
    assert "id_number" in message
    assert "person" in message
    assert "本表格未声明" in message
    assert not FormTemplate.objects.exists()
    assert not AuditEvent.objects.filter(action="paperwork.template_uploaded").exists()


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ name.__class__.__base__.__subclasses__() }}",
        "{{ name.format.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_a_template_escaping_the_sandbox_is_refused(world, text):
    with pytest.raises(ValidationError) as refused:
        upload(world, make_docx(text))
    assert refused.value.message_dict["file"] == [ERR_UNSAFE]
    assert not FormTemplate.objects.exists()


def test_markup_in_the_record_is_escaped(full):
    from fazhan.people.models import Person

    Person.objects.filter(pk=full.p1.pk).update(work_unit="A&B <公司>")
    full.p1.refresh_from_db()
    xml = docx_xml(form_print(actor=None, form=TALK, person=full.p1, fmt="docx"))
    assert "A&amp;B &lt;公司&gt;" in xml


def test_a_file_that_is_not_a_docx_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        upload(world, b"%PDF-1.4 not a word file")
    assert refused.value.message_dict["file"] == [ERR_NOT_DOCX]


@pytest.mark.parametrize("text", ["{{ name ", "{{ name() }}", "{{ name|no_such_filter }}"])
def test_a_broken_placeholder_is_refused_with_its_reason(world, text):
    with pytest.raises(ValidationError) as refused:
        upload(world, make_docx(text))
    assert "占位符写法有误" in refused.value.message_dict["file"][0]
    assert not FormTemplate.objects.exists()


def test_only_the_district_reviewer_replaces_templates(world):
    for user in ("lh_organizer", "sec1", "secadmin"):
        with pytest.raises(PermissionDenied):
            upload(world, make_docx("{{ name }}"), user=user)
    assert not FormTemplate.objects.exists()
