"""`fazhan print FORM PERSON --out FILE` and its batch, on the command line."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from fazhan.auditlog.models import AuditEvent
from fazhan.procedure.services import case_open
from tests.paperwork.conftest import docx_xml, pdf_text
from tests.procedure.conftest import START


def test_print_one_form_by_code_or_title(full, tmp_path):
    out = io.StringIO()
    call_command("print", "talk_record", "P0001", out=str(tmp_path / "t.docx"), stdout=out)
    assert "张三" in docx_xml((tmp_path / "t.docx").read_bytes())
    call_command("print", "发展党员工作预审表", "P0001", out=str(tmp_path / "p.pdf"), stdout=out)
    text = pdf_text((tmp_path / "p.pdf").read_bytes()).replace(" ", "")
    assert "发展党员工作预审表" in text
    assert "审卷人签字" in text
    assert full.p1.id_number not in text  # no login named: the ID number is masked
    assert AuditEvent.objects.filter(action="paperwork.printed", actor=None).count() == 2


def test_print_as_a_user_keeps_to_the_users_subtree(full, tmp_path):
    with pytest.raises(CommandError, match="不在该用户的管辖范围内"):
        call_command("print", "talk_record", "P0001", out=str(tmp_path / "t.docx"), user="sec2")
    call_command("print", "activist_filing", "P0001", out=str(tmp_path / "a.docx"), user="lh_organizer")
    assert full.p1.id_number in docx_xml((tmp_path / "a.docx").read_bytes())


def test_print_refuses_what_it_cannot_do(world, tmp_path):
    with pytest.raises(CommandError, match="没有名为"):
        call_command("print", "no_such_form", "P0001", out=str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match=r"\.docx 或 \.pdf"):
        call_command("print", "talk_record", "P0001", out=str(tmp_path / "x.txt"))
    with pytest.raises(CommandError, match="须给出 --notice"):
        call_command("print", "talk_record", out=str(tmp_path / "x.pdf"))


def test_a_batch_prints_one_merged_pdf_or_a_zip(full, tmp_path):
    case_open(actor=None, person=full.p2, opened_on=START)
    case_open(actor=None, person=full.p3, opened_on=START)
    call_command("print", "record_table", out=str(tmp_path / "all.pdf"), org="SZQ-LH", stage="applicant")
    text = pdf_text((tmp_path / "all.pdf").read_bytes())
    assert "李四" in text
    assert "王五" in text
    assert text.count("发展党员全程纪实表") == 2
    call_command("print", "record_table", out=str(tmp_path / "all.zip"), org="SZQ-LH-02", stage="applicant")
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        assert len(archive.namelist()) == 1
