"""The self-inspection report (自查报告) of a run: a summary by rule and by org, a chart of the findings by
rule drawn on the server (an inline SVG), the rectification status and the findings list; as a PDF
(WeasyPrint) and the same tables as a DOCX (python-docx). One query feeds the screen and the downloads."""

import datetime
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from fazhan.archive.record_table import date_cn
from fazhan.inspection.evidence import Names
from fazhan.inspection.models import Finding, FindingStatus, InspectionRun
from fazhan.inspection.selectors import run_findings
from fazhan.procedure.definition import RULES_BY_ID, SEVERITY_RANK
from fazhan.procedure.editions import citation
from fazhan.procedure.rules.notice2018 import REPORT_FIRST_DAY

SEVERITY_COLOURS = {"BLOCK": "#8b0000", "ERROR": "#c8102e", "WARN": "#d98c00"}
# The report's default first day (procedure.md G): the notice's self-inspection covers the development work
# since 2017-01-01, and the rules of sections B and D judge those years in full.
REPORT_SINCE = REPORT_FIRST_DAY


@dataclass
class Report:
    run: InspectionRun
    since: datetime.date
    findings: list[Finding]
    by_rule: list[dict[str, Any]]
    by_org: list[dict[str, Any]]
    by_status: list[tuple[str, int]]
    chart: SafeString


def report_build(run: InspectionRun, *, user, since: datetime.date = REPORT_SINCE) -> Report:
    """The run's findings in the user's scope whose step is dated on or after `since` (org-level findings
    and those on no record count too); by default since REPORT_SINCE."""
    rows = [
        f
        for f in run_findings(run, user=user).select_related("record")
        if f.record is None or f.record.date >= since
    ]
    names = Names([f.message for f in rows])
    for f in rows:  # people and steps by name, not by code (inspection/evidence.py)
        setattr(f, "message_text", names.text(f.message))  # noqa: B010  (read by the templates)
    rules: Counter[tuple[str, str]] = Counter((f.rule, f.severity) for f in rows)
    by_rule = [
        {
            "rule": r,
            "severity": s,
            "n": n,
            "title": RULES_BY_ID[r].title,
            "article": citation(RULES_BY_ID[r].article, run.as_of),
        }
        for (r, s), n in sorted(rules.items(), key=lambda x: (-SEVERITY_RANK[x[0][1]], x[0][0]))
    ]
    orgs: Counter[tuple[str, str]] = Counter((f.org.path, f.org.name) for f in rows)
    open_by_org = Counter(f.org.path for f in rows if f.status != FindingStatus.CLOSED)
    by_org = [{"name": name, "n": n, "open": open_by_org[path]} for (path, name), n in sorted(orgs.items())]
    statuses = Counter(f.status for f in rows)
    by_status = [(str(label), statuses.get(code, 0)) for code, label in FindingStatus.choices]
    return Report(run, since, rows, by_rule, by_org, by_status, bar_chart(by_rule))


def bar_chart(by_rule: list[dict[str, Any]], *, width: int = 640, bar: int = 18) -> SafeString:
    """Findings per rule as horizontal bars, coloured by severity: an SVG drawn here, no script needed."""
    if not by_rule:
        return mark_safe("")
    top = max(row["n"] for row in by_rule)
    label_w, gap = 210, 6
    height = len(by_rule) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(_("按规则统计的问题数"))}">'
    ]
    for i, row in enumerate(by_rule):
        y = gap + i * (bar + gap)
        w = max(2, int((width - label_w - 60) * row["n"] / top))
        colour = SEVERITY_COLOURS.get(row["severity"], "#666")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar - 4}" text-anchor="end" font-size="12">'
            f"{escape(row['rule'])} {escape(row['severity'])}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="{colour}"/>'
            f'<text x="{label_w + w + 4}" y="{y + bar - 4}" font-size="12">{row["n"]}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above


def report_html(report: Report) -> str:
    return render_to_string("inspection/report.html", {"r": report})


def report_pdf(report: Report, *, progress: Callable[[str], None] | None = None) -> bytes:
    from weasyprint import HTML

    document = HTML(string=report_html(report)).render()  # the layout: most of the time, at district scale
    if progress is not None:
        progress(_("已排版 %(n)d 页，正在写入 PDF…") % {"n": len(document.pages)})
    return document.write_pdf()


REPORT_FORMATS = ("pdf", "docx")


def report_file(
    report: Report, fmt: str, *, progress: Callable[[str], None] | None = None
) -> tuple[str, bytes]:
    """The report as a document to hand in: its file name and content, PDF or DOCX."""
    name = f"{_('自查报告')}-{report.run.org.code}-{report.run.as_of.isoformat()}.{fmt}"
    if fmt == "docx":
        return name, report_docx(report)
    return name, report_pdf(report, progress=progress)


def report_docx(report: Report) -> bytes:
    """The report's tables as a Word document, for offices that edit the text around them."""
    from docx import Document

    doc = Document()
    doc.add_heading(_("发展党员工作自查报告") + f"：{report.run.org.name}", level=1)
    doc.add_paragraph(
        _("自查期间：%(a)s 至 %(b)s") % {"a": date_cn(report.since), "b": date_cn(report.run.as_of)}
    )
    _table(
        doc,
        _("按规则汇总"),
        [_("规则"), _("内容"), _("级别"), _("问题数")],
        [[r["rule"], str(r["title"]), r["severity"], str(r["n"])] for r in report.by_rule],
    )
    _table(
        doc,
        _("按组织汇总"),
        [_("党组织"), _("问题数"), _("未整改")],
        [[o["name"], str(o["n"]), str(o["open"])] for o in report.by_org],
    )
    _table(doc, _("整改情况"), [_("状态"), _("问题数")], [[label, str(n)] for label, n in report.by_status])
    _table(
        doc,
        _("问题清单"),
        [_("级别"), _("规则"), _("党组织"), _("人员"), _("问题"), _("整改状态")],
        [
            [
                f.severity,
                f.rule,
                f.org.name,
                f.person.name if f.person else "—",
                getattr(f, "message_text"),  # noqa: B009
                f.get_status_display(),
            ]
            for f in report.findings
        ],
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, title: str, headers: list[str], rows: list[list[str]]) -> None:
    doc.add_heading(title, level=2)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = str(text)
