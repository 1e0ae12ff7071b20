"""The self-inspection report (自查报告) of a run, as a township hands it in: title, 主送,
一、基本情况 (the period's figures, counted by rules/counting.py as the plan page counts them),
二、主要做法 (the org's own text, kept with the run), 三、存在的问题 (by the notice's categories,
inspection/categories.py, each with its counts and the people by name), 四、整改措施 (the findings'
rectification), 五、下一步打算 (the org's text), the 落款, date and seal space, and the findings list as an
annex table.

One source: the report is a list of blocks (title, heading, paragraph, table …) built once; the DOCX is laid
out from it by core/office.py (GB/T 9704), the PDF is LibreOffice's conversion of that DOCX, and the
on-screen page renders the same blocks. Users read Chinese: severities 严重/一般/提示, rule names, people
by name, dates as 2018年8月31日 — never a rule id, an article code, a person id or a stored code."""

import datetime
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from fazhan.core.dates import date_cn
from fazhan.core.office import (
    BODY_FONT,
    HEADING1_FONT,
    SIZE_3,
    SIZE_5,
    add_body,
    add_title,
    docx_bytes,
    docx_to_pdf,
    official_document,
    set_font,
)
from fazhan.inspection.categories import (
    CATEGORIES,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    rule_category,
    severity_label,
)
from fazhan.inspection.evidence import Names
from fazhan.inspection.models import Finding, FindingStatus, InspectionRun
from fazhan.inspection.selectors import run_findings
from fazhan.organizations.models import Org, OrgKind
from fazhan.plans.selectors import PeriodFigures, period_figures
from fazhan.procedure.definition import RULES_BY_ID, SEVERITY_RANK
from fazhan.procedure.editions import citation
from fazhan.procedure.rules.counting import ConversionKind, path_codes
from fazhan.procedure.rules.notice2018 import REPORT_FIRST_DAY

SEVERITY_COLOURS = {"BLOCK": "#8b0000", "ERROR": "#c8102e", "WARN": "#d98c00"}
# The report's default first day (procedure.md G): the notice's self-inspection covers the development work
# since 2017-01-01, and the rules of sections B and D judge those years in full.
REPORT_SINCE = REPORT_FIRST_DAY
NUMERALS = "一二三四五六七八九十"
ANNEX_HEADERS = ("序号", "党组织", "姓名", "问题类别", "问题", "程度", "整改状态")
ANNEX_WIDTHS_MM = (12, 29, 15, 19, 49, 13, 19)  # the 156 mm of GB/T 9704's text block
NAMED_IN_TEXT = 30  # a district's report names the rest in its annex only
TO_BE_WRITTEN = "（待本级党组织填写。）"
# A rule's title may say in brackets which other rule reports it; a document reads only the name.
_ID_REMARK = re.compile(r"（[^）]*[A-Z]{2,}[^）]*）")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def dates_cn(text: str) -> str:
    """Every ISO date a rule's message holds written as a document writes it (2018年8月31日)."""
    return _ISO_DATE.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)


def rule_name(rule: str) -> str:
    """The rule as a document names it: its Chinese title, without any remark naming another rule."""
    found = RULES_BY_ID.get(rule)
    return _ID_REMARK.sub("", str(found.title)) if found else _("其他问题")


@dataclass(frozen=True)
class Block:
    """One piece of the report: kind is title, recipient, h1, h2, p, signature, annex_title or table."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class CategoryRow:
    key: str
    label: str
    findings: list[Finding]
    cited: dict[str, str] = field(default_factory=dict)  # rule → its article, in the edition of the day

    @property
    def n(self) -> int:
        return len(self.findings)

    def by_severity(self) -> list[tuple[str, int]]:
        counts = Counter(f.severity for f in self.findings)
        return [(SEVERITY_LABELS[s], counts[s]) for s in SEVERITY_ORDER if counts[s]]

    def by_rule(self) -> list[tuple[str, int]]:
        """Each rule broken, by name with its basis (《细则》（2014）第七条), and its count."""
        counts = Counter(
            f"{rule_name(f.rule)}（{self.cited[f.rule]}）" if self.cited.get(f.rule) else rule_name(f.rule)
            for f in self.findings
        )
        return counts.most_common()

    def people(self) -> list[str]:
        """Each person the category's findings are about, once, by name and branch (name)."""
        seen: dict[str, str] = {}
        for f in self.findings:
            if f.person is not None:
                seen.setdefault(f.person.pid, f"{f.person.name}（{f.org.name}）")
        return list(seen.values())

    def orgs(self) -> list[str]:
        return sorted({f.org.name for f in self.findings if f.person is None})

    @property
    def open(self) -> int:
        return sum(1 for f in self.findings if f.status != FindingStatus.CLOSED)


@dataclass
class Report:
    run: InspectionRun
    since: datetime.date
    findings: list[Finding]
    by_rule: list[dict[str, Any]]
    by_org: list[dict[str, Any]]
    by_status: list[tuple[str, int]]
    chart: SafeString
    categories: list[CategoryRow] = field(default_factory=list)
    figures: PeriodFigures | None = None
    made_on: datetime.date | None = None
    blocks: list[Block] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _("%(org)s关于发展党员工作自查情况的报告") % {"org": self.run.org.name}


def report_build(run: InspectionRun, *, user, since: datetime.date = REPORT_SINCE) -> Report:
    """The run's findings in the user's scope whose step is dated on or after `since` (org-level findings
    and those on no record count too), the period's figures, and the report's blocks."""
    rows = [
        f
        for f in run_findings(run, user=user).select_related("record", "person", "org")
        if f.record is None or f.record.date >= since
    ]
    rows.sort(key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.org.path, f.rule, f.pk))
    names = Names([f.message for f in rows])
    for f in rows:  # people and steps by name, not by code (inspection/evidence.py)
        setattr(f, "message_text", dates_cn(names.text(f.message, ids=False)))  # noqa: B010  (read by the templates)
    rules: Counter[tuple[str, str]] = Counter((f.rule, f.severity) for f in rows)
    by_rule = [
        {"rule": r, "severity": severity_label(s), "level": s, "n": n, "title": rule_name(r)}
        for (r, s), n in sorted(rules.items(), key=lambda x: (-SEVERITY_RANK[x[0][1]], x[0][0]))
    ]
    orgs: Counter[tuple[str, str]] = Counter((f.org.path, f.org.name) for f in rows)
    open_by_org = Counter(f.org.path for f in rows if f.status != FindingStatus.CLOSED)
    by_org = [{"name": name, "n": n, "open": open_by_org[path]} for (path, name), n in sorted(orgs.items())]
    statuses = Counter(f.status for f in rows)
    by_status = [(str(label), statuses.get(code, 0)) for code, label in FindingStatus.choices]
    cited = {
        r: citation(RULES_BY_ID[r].article, run.as_of) for r in {f.rule for f in rows} if r in RULES_BY_ID
    }
    categories = [
        CategoryRow(key, label, [f for f in rows if rule_category(f.rule) == key], cited)
        for key, label in CATEGORIES
    ]
    report = Report(
        run,
        since,
        rows,
        by_rule,
        by_org,
        by_status,
        bar_chart(by_rule),
        categories=categories,
        figures=period_figures(run.org, since, run.as_of),
        made_on=timezone.localdate(),
    )
    report.blocks = report_blocks(report)
    return report


def recipient(org: Org) -> str:
    """主送: the organization department of the district committee above the org (of the org's parent where
    there is none)."""
    codes = path_codes(org.path)
    above = Org.objects.filter(code__in=codes).exclude(pk=org.pk)
    district = above.filter(kind=OrgKind.DISTRICT_COMMITTEE).order_by("depth").first()
    top = district or above.order_by("-depth").first()
    return _("%(org)s组织部") % {"org": top.name} if top else _("上级党委组织部")


def _count(n: int, unit: str) -> str:
    return f"{n}{unit}"


def _figures_text(report: Report) -> list[str]:
    fig = report.figures
    if fig is None:
        return []
    period = _("%(a)s至%(b)s") % {"a": date_cn(fig.since), "b": date_cn(fig.until)}
    quota = (
        _("，完成计划 %(q)d 名的 %(p)d%%") % {"q": fig.quota, "p": round(100 * fig.admitted / fig.quota)}
        if fig.quota
        else _("（本期未下达计划）")
    )
    c = fig.conversions
    converted = c[ConversionKind.ON_TIME] + c[ConversionKind.AFTER_EXTENSION]
    first = _(
        "%(period)s，%(org)s共收到入党申请 %(a)d 份，确定入党积极分子 %(b)d 名、"
        "发展对象 %(t)d 名；发展党员 %(n)d 名%(quota)s；预备党员转正 %(c)d 名（其中按期转正 "
        "%(on)d 名、延长预备期后转正 %(after)d 名），延长预备期 %(ext)d 名，"
        "取消预备党员资格 %(cancel)d 名。"
    ) % {
        "period": period,
        "org": fig.org.name,
        "a": fig.applications,
        "b": fig.activists,
        "t": fig.targets,
        "n": fig.admitted,
        "quota": quota,
        "c": converted,
        "on": c[ConversionKind.ON_TIME],
        "after": c[ConversionKind.AFTER_EXTENSION],
        "ext": c[ConversionKind.EXTENDED],
        "cancel": c[ConversionKind.CANCELLED],
    }
    pool = fig.pool
    second = _(
        "截至%(day)s，现有入党申请人 %(a)d 名、入党积极分子 %(b)d 名、发展对象 %(t)d 名，"
        "梯次比例为 %(ratio)s，%(ok)s申请人、积极分子、发展对象 6:3:1 的要求。"
    ) % {
        "day": date_cn(fig.until),
        "a": pool.applicants,
        "b": pool.activists,
        "t": pool.targets,
        "ratio": pool.ratio_text,
        "ok": _("达到") if pool.ratio_ok else _("未达到"),
    }
    severities = Counter(f.severity for f in report.findings)
    third = _(
        "本次自查共检查发展党员档案 %(cases)d 份、步骤记录 %(records)d 条，发现问题 %(n)d 个，其中%(sev)s。"
    ) % {
        "cases": report.run.cases,
        "records": report.run.records,
        "n": len(report.findings),
        "sev": "、".join(f"{SEVERITY_LABELS[s]} {severities[s]} 个" for s in SEVERITY_ORDER),
    }
    return [first, second, third]


def _category_text(row: CategoryRow) -> str:
    if not row.n:
        return _("未发现问题。")
    parts = [
        _("发现问题 %(n)d 个（%(sev)s）")
        % {
            "n": row.n,
            "sev": "、".join(f"{label} {n} 个" for label, n in row.by_severity()),
        },
        _("主要是%(rules)s") % {"rules": "；".join(f"{name} {n} 个" for name, n in row.by_rule())},
    ]
    people = row.people()
    if people:
        parts.append(_("涉及 %(n)d 人：%(names)s") % {"n": len(people), "names": names_in_text(people)})
    orgs = row.orgs()
    if orgs:
        parts.append(_("涉及党组织：%(names)s") % {"names": names_in_text(orgs)})
    return "；".join(parts) + "。"


def names_in_text(names: list[str]) -> str:
    """Names in a sentence: all of them up to NAMED_IN_TEXT, then 等 and the annex, which lists every one."""
    if len(names) <= NAMED_IN_TEXT:
        return "、".join(names)
    return _("%(names)s等（详见附件）") % {"names": "、".join(names[:NAMED_IN_TEXT])}


def _rectification_text(report: Report) -> list[str]:
    if not report.findings:
        return [_("本次自查未发现问题。")]
    counts = dict(report.by_status)
    done = counts.get(str(FindingStatus.CLOSED.label), 0)
    first = _("截至%(day)s，上述 %(n)d 个问题中，%(statuses)s。") % {
        "day": date_cn(report.made_on),
        "n": len(report.findings),
        "statuses": "，".join(f"{label} {n} 个" for label, n in report.by_status if n),
    }
    lines = [first]
    for i, row in enumerate(r for r in report.categories if r.n):
        lines.append(
            _("（%(i)s）%(label)s方面：%(n)d 个问题，已整改关闭 %(done)d 个，正在整改 %(open)d 个。")
            % {"i": NUMERALS[i], "label": row.label, "n": row.n, "done": row.n - row.open, "open": row.open}
        )
    if done < len(report.findings):
        lines.append(
            _(
                "对尚未整改完毕的问题，逐一明确整改责任人和时限，能更正的依规更正记录，不能更正的说明情况，整改情况见附件。"
            )
        )
    return lines


def _annex_rows(report: Report) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            str(i),
            f.org.name,
            f.person.name if f.person else "—",
            next(label for key, label in CATEGORIES if key == rule_category(f.rule)),
            f"{rule_name(f.rule)}：{getattr(f, 'message_text')}",  # noqa: B009
            severity_label(f.severity),
            f.get_status_display(),
        )
        for i, f in enumerate(report.findings, start=1)
    )


def report_blocks(report: Report) -> list[Block]:
    org = report.run.org
    blocks = [
        Block("title", report.title),
        Block("recipient", recipient(org) + "："),
        Block(
            "p",
            _(
                "根据《关于进一步做好发展党员工作的通知》要求，%(org)s对%(a)s以来的发展党员工作开展了自查（检查基准日%(b)s）。"
                "现将自查情况报告如下。"
            )
            % {"org": org.name, "a": date_cn(report.since), "b": date_cn(report.run.as_of)},
        ),
        Block("h1", _("一、基本情况")),
        *(Block("p", text) for text in _figures_text(report)),
        Block("h1", _("二、主要做法")),
        *(Block("p", text) for text in _paragraphs(report.run.report_practice)),
        Block("h1", _("三、存在的问题")),
    ]
    for i, row in enumerate(report.categories):
        blocks.append(Block("h2", f"（{NUMERALS[i]}）{row.label}方面"))
        blocks.append(Block("p", _category_text(row)))
    blocks.append(Block("h1", _("四、整改措施")))
    blocks.extend(Block("p", text) for text in _rectification_text(report))
    blocks.append(Block("h1", _("五、下一步打算")))
    blocks.extend(Block("p", text) for text in _paragraphs(report.run.report_next_steps))
    blocks.append(Block("p", _("附件：发展党员工作自查问题清单")))
    blocks.append(Block("signature", org.name))
    blocks.append(Block("signature", date_cn(report.made_on)))
    blocks.append(Block("signature", _("（盖章）")))
    blocks.append(Block("annex_title", _("发展党员工作自查问题清单")))
    blocks.append(Block("table", rows=(ANNEX_HEADERS, *_annex_rows(report))))
    return blocks


def _paragraphs(text: str) -> list[str]:
    found = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return found or [_(TO_BE_WRITTEN)]


def bar_chart(by_rule: list[dict[str, Any]], *, width: int = 640, bar: int = 18) -> SafeString:
    """Findings per rule as horizontal bars, coloured by severity: an SVG drawn here, no script needed."""
    if not by_rule:
        return mark_safe("")
    top = max(row["n"] for row in by_rule)
    label_w, gap = 300, 6
    height = len(by_rule) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(_("按规则统计的问题数"))}">'
    ]
    for i, row in enumerate(by_rule):
        y = gap + i * (bar + gap)
        w = max(2, int((width - label_w - 60) * row["n"] / top))
        colour = SEVERITY_COLOURS.get(row["level"], "#666")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar - 4}" text-anchor="end" font-size="12">'
            f"{escape(row['title'][:22])}（{escape(row['severity'])}）</text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="{colour}"/>'
            f'<text x="{label_w + w + 4}" y="{y + bar - 4}" font-size="12">{row["n"]}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above


def report_html(report: Report) -> str:
    return render_to_string("inspection/report.html", {"r": report})


REPORT_FORMATS = ("pdf", "docx")


def report_file(
    report: Report, fmt: str, *, progress: Callable[[str], None] | None = None
) -> tuple[str, bytes]:
    """The report as a document to hand in: its file name and content, PDF or DOCX (the PDF is LibreOffice's
    conversion of the DOCX, so both say the same)."""
    name = f"{report.run.org.name}自查报告（{date_cn(report.run.as_of)}）.{fmt}"
    content = report_docx(report)
    if fmt == "docx":
        return name, content
    if progress is not None:
        progress(_("正在转换为 PDF…"))
    return name, docx_to_pdf(content, timeout=600)


def report_docx(report: Report) -> bytes:
    """The report laid out after GB/T 9704 (core/office.py): A4, named fonts, — 1 — page numbers."""
    doc = official_document()
    for block in report.blocks:
        if block.kind == "title":
            add_title(doc, block.text)
        elif block.kind == "recipient":
            add_body(doc, block.text, indent=False)
        elif block.kind in ("h1", "h2"):
            doc.add_heading(block.text, level=1 if block.kind == "h1" else 2)
        elif block.kind == "p":
            add_body(doc, block.text)
        elif block.kind == "signature":
            paragraph = add_body(doc, block.text, indent=False)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = Pt(64)
        elif block.kind == "annex_title":
            doc.add_section(WD_SECTION.NEW_PAGE)
            heading = doc.add_paragraph()
            set_font(heading.add_run(_("附件")), HEADING1_FONT, SIZE_3)
            add_title(doc, block.text)
        elif block.kind == "table":
            _table(doc, block.rows)
    return docx_bytes(doc)


def _table(doc, rows: tuple[tuple[str, ...], ...]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.autofit = False
    widths = [Mm(w) for w in ANNEX_WIDTHS_MM]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header = OxmlElement("w:tblHeader")  # the header row again at the top of every page
    header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(header)
    for i, (row, texts) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, text, width in zip(row.cells, texts, widths, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.line_spacing = Pt(16)
            paragraph.paragraph_format.first_line_indent = Pt(0)
            set_font(paragraph.add_run(text), BODY_FONT, SIZE_5, bold=(i == 0) or None)
