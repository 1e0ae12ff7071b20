"""The notice as it is posted (a PDF through WeasyPrint, or the same HTML to print from the browser): the
title, the candidates' particulars as published, the period in working days and how to report, and the QR code
of its public page, signed by the publishing org. What the public reported is not on it: that is the
公示情况登记表, printed after the notice for the file (notice_register_html)."""

import segno
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fazhan.core.calendar import provisional_years
from fazhan.notices.models import Notice, NoticeFeedback, NoticeKind
from fazhan.notices.selectors import notice_public_url

PROPOSAL = {
    NoticeKind.TARGET: _("确定为发展对象"),
    NoticeKind.ADMISSION: _("接收为中共预备党员"),
    NoticeKind.CONVERSION: _("转为中共正式党员"),
}


def notice_title(notice: Notice, names: list[str]) -> str:
    who = names[0] if len(names) == 1 else _("%(first)s等%(n)d名同志") % {"first": names[0], "n": len(names)}
    return _("关于%(who)s拟%(what)s的公示") % {"who": who, "what": PROPOSAL[NoticeKind(notice.kind)]}


def notice_provisional_note(notice: Notice) -> str:
    """Why the period's count may still change ("" when it will not): the years of the period whose official
    arrangement is not loaded yet, counted by the statutory holidays alone (core.calendar)."""
    if not notice.provisional:
        return ""
    years = "、".join(f"{y}年" for y in provisional_years(notice.starts_on, notice.ends_on)) or _("该年度")
    return _("%(years)s节假日安排尚未公布，工作日按法定节假日暂计，以国务院办公厅公布的安排为准。") % {
        "years": years
    }


def notice_qr(notice: Notice) -> str:
    """The public page's address as a QR code, an SVG data URI (segno, already the project's QR library for
    the second factor's enrolment: pure Python, no imaging library; WeasyPrint draws SVG as vectors, so the
    code prints sharp at any size). Error correction M survives a creased or smudged posted sheet."""
    return segno.make(notice_public_url(notice), error="m").svg_data_uri(scale=4, border=2)


def _page_context(notice: Notice) -> dict:
    entries = list(notice.entries.order_by("pk"))
    return {
        "notice": notice,
        "entries": entries,
        "title": notice_title(notice, [e.name for e in entries]),
        "proposal": PROPOSAL[NoticeKind(notice.kind)],
        "provisional_note": notice_provisional_note(notice),
        "qr": notice_qr(notice),
    }


def notice_html(notice: Notice) -> str:
    return render_to_string("notices/print.html", _page_context(notice))


def notice_register_html(notice: Notice, feedback: list[tuple[NoticeFeedback, bool]]) -> str:
    """The notice, then the 公示情况登记表 on a page of its own: every report with how it was looked into and
    the result, for the file and for signing. `feedback`: each report, and whether the reader may read its
    text (a report sent on the public page is the township's to read)."""
    return render_to_string("notices/print_register.html", {**_page_context(notice), "feedback": feedback})


def html_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def notice_pdf(notice: Notice) -> bytes:
    return html_pdf(notice_html(notice))
