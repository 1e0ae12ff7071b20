"""A case walked along the whole legal path (tests/procedure/conftest.py), for 张三 with the particulars the
forms ask (工作单位及职务, 籍贯, 参加工作时间)."""

import datetime
import subprocess
import tempfile
from pathlib import Path

import pytest

from fazhan.people.models import Person
from tests.procedure import conftest as procedure_conftest

pw = procedure_conftest.pw


@pytest.fixture
def full(pw):
    Person.objects.filter(pk=pw.p1.pk).update(
        work_unit="罗汉镇高桥村村民委员会",
        position="文书",
        native_place="四川内江",
        work_started_on=datetime.date(2016, 7, 1),
    )
    pw.p1.refresh_from_db()
    pw.records = procedure_conftest.walk(pw)
    return pw


def pdf_text(pdf: bytes, *, layout: bool = False) -> str:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "f.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def docx_xml(docx: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def make_docx(*paragraphs: str) -> bytes:
    """A DOCX as a district might make one in Word: plain paragraphs holding placeholders."""
    from docx import Document

    from fazhan.core.office import docx_bytes

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return docx_bytes(document)
