"""The project's default templates: DOCX files built here with python-docx on core.office's page (A4,
GB/T 9704 margins, named fonts), holding docxtpl placeholders (`{{ name }}`, `{%tr for row in … %}`). A form
declares its layout as blocks; `build_template` lays them out. Tables have fixed column widths so that a date
such as 2018年12月31日 stays on one line."""

from dataclasses import dataclass

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from fazhan.core.office import (
    BODY_FONT,
    HEADING1_FONT,
    HEADING2_FONT,
    SIZE_3,
    SIZE_5,
    SIZE_SMALL_4,
    SONG_FONT,
    add_body,
    add_title,
    docx_bytes,
    official_document,
    set_font,
)

TEXT_WIDTH_MM = 156  # 210 − 28 − 26 (core.office margins)
LATIN_FONT = "Times New Roman"


@dataclass(frozen=True)
class Facts:
    """A grid of label/value pairs, two pairs a row; a label ending in "*" takes the whole row."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Box:
    """A labelled cell for text: what the record holds, then room to write by hand."""

    label: str
    text: str
    height_mm: int = 40


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: 一、 in 黑体; 2: （一） in 楷体


@dataclass(frozen=True)
class Para:
    text: str
    indent: bool = True
    align: str = "left"  # left | right | center


@dataclass(frozen=True)
class Rows:
    """A table with one row per item of a list field: headers, the item's keys, column widths (mm)."""

    items: str
    headers: tuple[str, ...]
    keys: tuple[str, ...]
    widths: tuple[int, ...]
    nowrap: tuple[str, ...] = ()  # keys whose cells never wrap (dates)


@dataclass(frozen=True)
class Sign:
    """Signature and seal lines, each with its own 年 月 日 (blank: signed by hand)."""

    lines: tuple[str, ...]


Block = Facts | Box | Heading | Para | Rows | Sign


def _cell_width(cell, mm: float) -> None:
    cell.width = Mm(mm)
    tc_pr = cell._tc.get_or_add_tcPr()
    width = tc_pr.find(qn("w:tcW"))
    if width is None:
        width = OxmlElement("w:tcW")
        tc_pr.append(width)
    width.set(qn("w:w"), str(int(mm * 56.7)))
    width.set(qn("w:type"), "dxa")


def _nowrap(cell) -> None:
    cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))


def _row_height(row, mm: int) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(int(mm * 56.7)))
    height.set(qn("w:hRule"), "atLeast")
    tr_pr.append(height)


def _fixed_table(document, rows: int, widths: tuple[float, ...]):
    table = document.add_table(rows=rows, cols=len(widths))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    grid = table._tbl.tblGrid
    for col, mm in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(mm * 56.7)))
    for row in table.rows:
        for cell, mm in zip(row.cells, widths, strict=True):
            _cell_width(cell, mm)
    return table


def _write(cell, text: str, font: str, size, *, bold: bool = False, center: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.line_spacing = 1.15
    paragraph.paragraph_format.first_line_indent = Pt(0)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p_pr = paragraph._p.get_or_add_pPr()
    for name in (
        "w:autoSpaceDN",
        "w:autoSpaceDE",
    ):  # no extra space between 2018 and 年: a date fits its cell
        spacing = OxmlElement(name)
        spacing.set(qn("w:val"), "0")
        p_pr.insert(0, spacing)  # before w:spacing, as the schema orders them
    run = paragraph.add_run(text)
    set_font(run, font, size, bold=bold)
    # Figures in a form's cells in Times New Roman, as offices set them: narrow, so a date keeps to one line.
    fonts = run.element.rPr.find(qn("w:rFonts"))
    for attribute in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), LATIN_FONT)


def _facts(document, block: Facts, font: str) -> None:
    widths = (30.0, 48.0, 30.0, 48.0)
    lines: list[list[tuple[str, str]]] = []
    for label, key in block.pairs:
        if label.endswith("*") or not lines or len(lines[-1]) == 2 or lines[-1][0][0].endswith("*"):
            lines.append([(label, key)])
        else:
            lines[-1].append((label, key))
    table = _fixed_table(document, len(lines), widths)
    for row, pairs in zip(table.rows, lines, strict=True):
        _row_height(row, 10)
        cells = row.cells
        if pairs[0][0].endswith("*") or len(pairs) == 1:
            merged = cells[1].merge(cells[3])
            _write(cells[0], pairs[0][0].rstrip("*"), font, SIZE_SMALL_4, center=True)
            _write(merged, f"{{{{ {pairs[0][1]} }}}}", font, SIZE_SMALL_4)
            continue
        for k, (label, key) in enumerate(pairs):
            _write(cells[2 * k], label, font, SIZE_SMALL_4, center=True)
            _write(cells[2 * k + 1], f"{{{{ {key} }}}}", font, SIZE_SMALL_4)
            if key.endswith("_date") or key.endswith("_on"):
                _nowrap(cells[2 * k + 1])


def _box(document, block: Box, font: str) -> None:
    table = _fixed_table(document, 1, (30.0, 126.0))
    row = table.rows[0]
    _row_height(row, block.height_mm)
    _write(row.cells[0], block.label, font, SIZE_SMALL_4, center=True)
    _write(row.cells[1], block.text, font, SIZE_SMALL_4)


def _rows(document, block: Rows, font: str) -> None:
    table = _fixed_table(document, 4, tuple(float(w) for w in block.widths))
    header, opening, body, closing = table.rows
    for cell, text in zip(header.cells, block.headers, strict=True):
        _write(cell, text, font, SIZE_5, bold=True, center=True)
    # docxtpl's row tags: the whole row holding a {%tr %} tag is replaced by the tag.
    _write(opening.cells[0], f"{{%tr for row in {block.items} %}}", font, SIZE_5)
    for cell, key in zip(body.cells, block.keys, strict=True):
        if key:
            _write(cell, f"{{{{ row.{key} }}}}", font, SIZE_5)
        if key in block.nowrap:
            _nowrap(cell)
    _write(closing.cells[0], "{%tr endfor %}", font, SIZE_5)


def _sign(document, block: Sign) -> None:
    """Each signer's line ending in its own 年 月 日, the lines kept together on one page (the seal needs
    them all)."""
    for k, line in enumerate(block.lines):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.keep_with_next = k < len(block.lines) - 1
        paragraph.paragraph_format.space_before = Pt(12)  # room for a seal
        set_font(paragraph.add_run(f"{line}{'　' * 6}年　　月　　日"), BODY_FONT, SIZE_3)


def build_template(title: str, blocks: tuple[Block, ...], *, table_font: str = BODY_FONT) -> bytes:
    """The default DOCX of a form: its title (2号 方正小标宋简体), then its blocks."""
    document = official_document()
    add_title(document, title)
    for block in blocks:
        if isinstance(block, Facts):
            _facts(document, block, table_font)
        elif isinstance(block, Box):
            _box(document, block, table_font)
        elif isinstance(block, Rows):
            _rows(document, block, table_font)
        elif isinstance(block, Sign):
            _sign(document, block)
        elif isinstance(block, Heading):
            paragraph = document.add_paragraph(style=f"Heading {block.level}")
            font = HEADING1_FONT if block.level == 1 else HEADING2_FONT
            set_font(paragraph.add_run(block.text), font, SIZE_3)
        else:
            paragraph = add_body(document, block.text, indent=block.indent)
            paragraph.alignment = {
                "right": WD_ALIGN_PARAGRAPH.RIGHT,
                "center": WD_ALIGN_PARAGRAPH.CENTER,
            }.get(block.align, WD_ALIGN_PARAGRAPH.LEFT)
    return docx_bytes(document)


__all__ = ["SONG_FONT", "Block", "Box", "Facts", "Heading", "Para", "Rows", "Sign", "build_template"]
