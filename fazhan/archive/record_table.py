"""The 全程纪实表 of a person (interchange.md): a header with identity and branch, then one row per step
record in date order — 步骤, 日期, 经办人/组织, 内容与结果, 材料 — superseded records struck through with
their reason.
One set of rows feeds the PDF (WeasyPrint) and the DOCX (python-docx)."""

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fazhan.archive.models import Attachment
from fazhan.core.dates import date_cn
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.definition import CHOICE_LABELS, DETAIL_LABELS, MATERIALS, STEPS_BY_CODE, Step
from fazhan.procedure.models import StepRecord

PRINT_FONT = "Noto Serif CJK SC"
HEADERS = ("步骤", "日期", "经办人/组织", "内容与结果", "材料")
PEOPLE_KINDS = ("pids",)
ORG_KINDS = ("org", "orgs")


@dataclass
class RecordLine:
    step: Step
    date: datetime.date
    actors: list[str]
    content: list[str]
    materials: list[str]
    superseded: bool = False
    superseded_reason: str = ""
    correction_reason: str = ""

    @property
    def step_label(self) -> str:
        return f"{self.step.number}. {self.step.name}"

    @property
    def date_text(self) -> str:
        return date_cn(self.date)

    @property
    def note(self) -> str:
        if self.superseded:
            return _("已更正，原因：%(r)s") % {"r": self.superseded_reason}
        if self.correction_reason:
            return _("更正记录，原因：%(r)s") % {"r": self.correction_reason}
        return ""


@dataclass
class RecordTable:
    person: Person
    id_number: str
    identity: list[tuple[str, str]]
    lines: list[RecordLine] = field(default_factory=list)
    printed_on: str = ""


def _value_text(kind: str, value: Any) -> str:
    if kind == "bool":
        return _("是") if value else _("否")
    if kind == "date":
        try:
            return date_cn(datetime.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind == "choice":
        return str(CHOICE_LABELS.get(value, value))
    if kind == "choices":
        return "、".join(str(CHOICE_LABELS.get(v, v)) for v in value)
    if kind == "flags":
        applying = [str(CHOICE_LABELS.get(k, k)) for k, v in value.items() if v]
        return "、".join(applying) or _("均不适用")
    return str(value)


def _names(records: list[StepRecord]) -> tuple[dict, dict]:
    pids: set[str] = set()
    codes: set[str] = set()
    for r in records:
        for key, spec in STEPS_BY_CODE[r.step].details.items():
            value = r.details.get(key)
            bucket = pids if spec.kind in PEOPLE_KINDS else codes if spec.kind in ORG_KINDS else None
            if bucket is None or value in (None, ""):
                continue
            bucket.update(value if isinstance(value, list) else [value])
    people = dict(Person.objects.filter(pid__in=pids).values_list("pid", "name"))
    orgs = dict(Org.objects.filter(code__in=codes).values_list("code", "name"))
    return people, orgs


def _line(record: StepRecord, people: dict, orgs: dict, materials: list[str]) -> RecordLine:
    step = STEPS_BY_CODE[record.step]
    actors, content = [], []
    for key, spec in step.details.items():
        if key not in record.details:
            continue
        value = record.details[key]
        label = DETAIL_LABELS.get(key, key)
        label = str(label).split("（")[0]
        if spec.kind in PEOPLE_KINDS:
            actors.append(f"{label}：" + "、".join(str(people.get(v, v)) for v in value))
        elif spec.kind in ORG_KINDS:
            values = value if isinstance(value, list) else [value]
            actors.append(f"{label}：" + "、".join(str(orgs.get(v, v)) for v in values))
        else:
            content.append(f"{label}：{_value_text(spec.kind, value)}")
    recorder = record.recorded_by_label or (str(record.recorded_by) if record.recorded_by else "")
    if recorder:
        actors.append(_("录入：%(who)s") % {"who": recorder})
    successor = getattr(record, "superseded_by", None) if getattr(record, "is_superseded", False) else None
    return RecordLine(
        step=step,
        date=record.date,
        actors=actors,
        content=content,
        materials=materials,
        superseded=successor is not None,
        superseded_reason=successor.reason if successor else "",
        correction_reason=record.reason if record.supersedes_id else "",
    )


def record_table(
    person: Person, *, id_number: str, records: list[StepRecord], attachments: list[Attachment]
) -> RecordTable:
    people, orgs = _names(records)
    by_record: dict[int, list[str]] = {}
    for a in attachments:
        if not getattr(a, "is_superseded", False):
            by_record.setdefault(a.record_id, []).append(str(MATERIALS.get(a.material, a.material)))
    identity = [
        (_("姓名"), person.name),
        (_("人员编号"), person.pid),
        (_("性别"), str(person.get_gender_display())),
        (_("出生日期"), date_cn(person.birth_date)),
        (_("民族"), person.ethnicity),
        (_("学历"), person.education),
        (_("职业"), person.occupation),
        (_("身份证号"), id_number),
        (_("所在党支部"), person.org.name),
        (_("党员身份"), str(person.get_party_status_display()) or _("入党申请人")),
    ]
    lines = [
        _line(
            r,
            people,
            orgs,
            sorted(set(by_record.get(r.pk, [])), key=list(map(str, MATERIALS.values())).index),
        )
        for r in sorted(records, key=lambda r: (r.date, r.pk))
    ]
    return RecordTable(person=person, id_number=id_number, identity=identity, lines=lines)


def record_table_pdf(table: RecordTable) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "archive/record_table_print.html", {"table": table, "headers": HEADERS, "font": PRINT_FONT}
    )
    return HTML(string=html).write_pdf()


def _docx_font(run_or_style, *, size: float | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run_or_style.font.name = PRINT_FONT
    r_pr = run_or_style.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), PRINT_FONT)
    if size:
        run_or_style.font.size = Pt(size)


def record_table_docx(table: RecordTable) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    _docx_font(doc.styles["Normal"], size=10)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_("发展党员全程纪实表"))
    run.bold = True
    _docx_font(run, size=16)
    facts = doc.add_table(rows=0, cols=4)
    facts.style = "Table Grid"
    pairs = table.identity
    for i in range(0, len(pairs), 2):
        cells = facts.add_row().cells
        for j, (label, value) in enumerate(pairs[i : i + 2]):
            cells[2 * j].text, cells[2 * j + 1].text = str(label), str(value)
    doc.add_paragraph()
    grid = doc.add_table(rows=1, cols=len(HEADERS))
    grid.style = "Table Grid"
    for cell, header in zip(grid.rows[0].cells, HEADERS, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(_(header)).bold = True
    for line in table.lines:
        cells = grid.add_row().cells
        texts = (
            line.step_label,
            line.date_text,
            "；".join(line.actors),
            "；".join(line.content),
            "、".join(line.materials),
        )
        for cell, text in zip(cells, texts, strict=True):
            run = cell.paragraphs[0].add_run(text)
            run.font.strike = line.superseded
        if line.note:
            cells[3].add_paragraph().add_run(line.note).italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
