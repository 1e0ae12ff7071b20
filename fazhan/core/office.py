"""Office documents as a township files them: DOCX laid out after GB/T 9704 (党政机关公文格式), and their PDF.

The DOCX is the source. python-docx builds it (or docxtpl fills a template), and the PDF is always LibreOffice
headless's conversion of that same file, so what a district edits or replaces governs both. Fonts are *named*
(方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312): Word on an office PC uses its own; LibreOffice here
substitutes the CJK fonts Debian has (fonts-noto-cjk).
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

# GB/T 9704-2012 §5.2.1 and §5.2.2: A4, 天头 37 mm, 订口 28 mm; the text block 156 × 225 mm leaves 35 mm
# at the foot and 26 mm on the right.
PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(37)
MARGIN_BOTTOM = Mm(35)
MARGIN_LEFT = Mm(28)
MARGIN_RIGHT = Mm(26)

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"  # 一、
HEADING2_FONT = "楷体_GB2312"  # （一）
SONG_FONT = "宋体"  # only where a province's form uses it, and the page number

# 号 → points, as Chinese word processors size them.
SIZE_2 = Pt(22)
SIZE_3 = Pt(16)
SIZE_4 = Pt(14)
SIZE_SMALL_4 = Pt(12)
SIZE_5 = Pt(10.5)


class OfficeError(RuntimeError):
    """A document could not be converted (LibreOffice missing, failing or too slow)."""


def set_font(run_or_style, name: str, size: Pt | None = None, *, bold: bool | None = None) -> None:
    """Name the font for Latin and East Asian text alike (python-docx's font.name sets only the Latin one)."""
    run_or_style.font.name = name
    r_pr = run_or_style.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, r_fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        r_fonts.set(qn(attribute), name)
    if size is not None:
        run_or_style.font.size = size
    if bold is not None:
        run_or_style.font.bold = bold


def official_document() -> DocumentObject:
    """A new DOCX with the page, margins and body text of GB/T 9704, and page numbers at the foot."""
    from docx import Document

    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
        add_page_numbers(section)
    normal = document.styles["Normal"]
    set_font(normal, BODY_FONT, SIZE_3)
    normal.paragraph_format.line_spacing = Pt(28)  # 每页 22 行
    normal.paragraph_format.space_after = Pt(0)
    for level, font in ((1, HEADING1_FONT), (2, HEADING2_FONT)):
        style = document.styles[f"Heading {level}"]
        set_font(style, font, SIZE_3, bold=False)
        style.font.color.rgb = None  # black, not Word's blue
        style.font.italic = False
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.first_line_indent = Pt(32)
    return document


def add_title(document: DocumentObject, text: str) -> None:
    """The title: 2号 方正小标宋简体, centred, one blank line under it."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing = Pt(36)
    set_font(paragraph.add_run(text), TITLE_FONT, SIZE_2)
    document.add_paragraph()


def add_body(document: DocumentObject, text: str, *, indent: bool = True):
    """A paragraph of body text, its first line indented by two characters."""
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    set_font(paragraph.add_run(text), BODY_FONT, SIZE_3)
    return paragraph


def add_page_numbers(section) -> None:
    """— 1 — at the foot of every page, 4号 宋体, centred (GB/T 9704 §7.5), as a PAGE field."""
    paragraph = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(paragraph.add_run("— "), SONG_FONT, SIZE_4)
    run = paragraph.add_run()
    set_font(run, SONG_FONT, SIZE_4)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    set_font(paragraph.add_run(" —"), SONG_FONT, SIZE_4)


def docx_bytes(document: DocumentObject) -> bytes:
    import io

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def is_docx(data: bytes) -> bool:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise OfficeError(
            "LibreOffice (soffice) is not installed: `make test` installs libreoffice-writer-nogui"
        )
    return found


def docx_to_pdf(docx: bytes, *, timeout: float = 120) -> bytes:
    """The PDF of a DOCX, converted by LibreOffice headless in a private profile (so conversions may run side
    by side and never touch a user's own LibreOffice settings)."""
    if not is_docx(docx):
        raise OfficeError("the file is not a DOCX document (word/document.xml is missing)")
    with tempfile.TemporaryDirectory(prefix="fazhan-office-") as work:
        folder = Path(work)
        source = folder / "document.docx"
        source.write_bytes(docx)
        profile = (folder / "profile").as_uri()
        command = [
            soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        env = {**os.environ, "HOME": str(folder)}
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired as error:
            raise OfficeError(
                f"LibreOffice took more than {timeout:.0f} s to convert the document"
            ) from error
        target = folder / "document.pdf"
        if done.returncode != 0 or not target.exists():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-500:]
            raise OfficeError(f"LibreOffice could not convert the document: {detail}")
        return target.read_bytes()


def pdf_to_png(pdf: bytes, *, resolution: int = 60, first: int = 1, last: int | None = None) -> list[bytes]:
    """The pages of a PDF as PNG images (poppler's pdftoppm; WeasyPrint and LibreOffice write no PNG)."""
    with tempfile.TemporaryDirectory(prefix="fazhan-png-") as work:
        folder = Path(work)
        (folder / "in.pdf").write_bytes(pdf)
        command = ["pdftoppm", "-png", "-r", str(resolution), "-f", str(first)]
        if last is not None:
            command += ["-l", str(last)]
        subprocess.run(
            [*command, str(folder / "in.pdf"), str(folder / "page")], check=True, capture_output=True
        )
        return [path.read_bytes() for path in sorted(folder.glob("page*.png"))]


def convert(content: bytes, suffix: str, to: str, *, timeout: float = 120) -> bytes:
    """A file converted by LibreOffice headless in a private profile: `suffix` is what the file is (".xlsx"),
    `to` the format to write ("xls", "ods", "pdf"). Workbooks need LibreOffice's Calc
    (libreoffice-calc-nogui, which `make test` installs)."""
    with tempfile.TemporaryDirectory(prefix="fazhan-office-") as work:
        folder = Path(work)
        source = folder / f"source{suffix}"
        source.write_bytes(content)
        out = folder / "out"
        command = [
            soffice(),
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "HOME": str(folder)}
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired as error:
            raise OfficeError(f"LibreOffice took more than {timeout:.0f} s to convert the file") from error
        target = out / f"source.{to.split(':')[0]}"
        if done.returncode != 0 or not target.exists():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-500:]
            raise OfficeError(f"LibreOffice could not convert the file to {to}: {detail}")
        return target.read_bytes()
