"""The office documents' common layout, rendered for real: python-docx writes it, LibreOffice converts it,
poppler reads the PDF back."""

import datetime
import io
import subprocess

import pytest
from docx import Document

from fazhan.core import office
from fazhan.core.dates import date_cn


def _sample() -> bytes:
    document = office.official_document()
    office.add_title(document, "关于发展党员工作的自查报告")
    document.add_heading("一、基本情况", level=1)
    office.add_body(document, f"截至{date_cn(datetime.date(2018, 8, 31))}，全镇发展党员三名。")
    return office.docx_bytes(document)


def test_the_docx_is_a4_with_gbt9704_margins_named_fonts_and_page_numbers():
    data = _sample()
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin)] == [37, 35]
    assert [round(m.mm) for m in (section.left_margin, section.right_margin)] == [28, 26]
    body_xml = document.element.xml
    assert 'w:eastAsia="方正小标宋简体"' in body_xml
    styles_xml = document.styles.element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in styles_xml
    assert 'w:eastAsia="黑体"' in styles_xml
    assert "PAGE" in section.footer._element.xml


def test_the_pdf_is_libreoffices_conversion_of_the_docx(tmp_path):
    pdf = office.docx_to_pdf(_sample())
    assert pdf.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, check=True).stdout
    text = "".join(text.decode().split())  # pdftotext spaces digits apart from CJK
    assert "自查报告" in text
    assert "2018年8月31日" in text
    assert "—1—" in text
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "r.pdf")], capture_output=True, check=True
    ).stdout.decode()
    assert ("595.3" in info and "841.8" in info) or "(A4)" in info
    pages = office.pdf_to_png(pdf)
    assert len(pages) == 1
    assert pages[0].startswith(b"\x89PNG")


def test_a_broken_docx_is_a_clear_error():
    # LibreOffice itself would print any bytes as a page of text: the conversion refuses what is no DOCX.
    for junk in (b"not a docx", b"PK\x03\x04 truncated"):
        with pytest.raises(office.OfficeError, match="DOCX"):
            office.docx_to_pdf(junk)
