"""The notice as it is posted (a PDF through WeasyPrint, or the same HTML to print from the browser): the
title, the candidates' particulars as published, the period in working days and how to report, signed by
the publishing org. What the public reported is not on it."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fazhan.notices.models import Notice, NoticeKind

PROPOSAL = {
    NoticeKind.TARGET: _("确定为发展对象"),
    NoticeKind.ADMISSION: _("接收为中共预备党员"),
    NoticeKind.CONVERSION: _("转为中共正式党员"),
}


def notice_title(notice: Notice, names: list[str]) -> str:
    who = names[0] if len(names) == 1 else _("%(first)s等%(n)d名同志") % {"first": names[0], "n": len(names)}
    return _("关于%(who)s拟%(what)s的公示") % {"who": who, "what": PROPOSAL[NoticeKind(notice.kind)]}


def notice_html(notice: Notice) -> str:
    entries = list(notice.entries.order_by("pk"))
    return render_to_string(
        "notices/print.html",
        {
            "notice": notice,
            "entries": entries,
            "title": notice_title(notice, [e.name for e in entries]),
            "proposal": PROPOSAL[NoticeKind(notice.kind)],
        },
    )


def notice_pdf(notice: Notice) -> bytes:
    from weasyprint import HTML

    return HTML(string=notice_html(notice)).write_pdf()
