"""Public notices (公示) and their candidates' outcomes, read through the notices app's scoped selectors. What
the public sent through the public page is shown, as on the notice page, only to the township's roles
(notice_may_read_public); every reading of a notice's reports is in the trail, as the page's is."""

import datetime

from django.db.models import Count
from ninja import Field, Path, Query, Router, Schema

from fazhan.api.schemas import MAX_ID, responses
from fazhan.auditlog.services import audit_record
from fazhan.notices.models import EntryResult, Notice
from fazhan.notices.selectors import (
    feedback_is_public,
    notice_get_for_user,
    notice_list_for_user,
    notice_may_read_public,
)

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    org: str
    org_name: str
    kind: str = Field(
        description="target 拟确定为发展对象、admission 拟接收为预备党员、conversion 拟转为正式党员"
    )
    kind_label: str
    starts_on: datetime.date
    ends_on: datetime.date
    working_days: int
    provisional: bool = Field(description="公示年度的节假日安排尚未载入，工作日按法定节假日暂计")
    contact: str
    state: str
    state_label: str
    closed_on: datetime.date | None
    conclusion: str
    candidates: int
    reports: int


class NoticePage(Schema):
    count: int
    items: list[NoticeOut]


class EntryOut(Schema):
    id: int
    case: int
    person: str
    name: str
    unit: str
    result: str = Field(description="passed 公示无异议、withheld 经核实暂缓；空为公示中")
    result_label: str


class FeedbackOut(Schema):
    id: int
    entry: int | None = Field(None, description="反映对象（公示对象）")
    received_on: datetime.date
    late: bool = Field(description="公示期结束后收到")
    channel: str
    summary: str | None = Field(None, description="反映内容；网上公示页的反映只对镇党委角色显示")
    contact: str | None
    finding: str = Field(description="unfounded、partly、founded；空为尚未核实")
    verification: str
    verified_on: datetime.date | None


class NoticeDetail(NoticeOut):
    entries: list[EntryOut]
    feedback: list[FeedbackOut]


def notice_out(n: Notice, candidates: int, reports: int) -> dict:
    return {
        "id": n.pk,
        "org": n.org.code,
        "org_name": n.org.name,
        "kind": n.kind,
        "kind_label": str(n.get_kind_display()),
        "starts_on": n.starts_on,
        "ends_on": n.ends_on,
        "working_days": n.working_days,
        "provisional": n.provisional,
        "contact": n.contact,
        "state": n.state,
        "state_label": str(n.get_state_display()),
        "closed_on": n.closed_on,
        "conclusion": n.conclusion,
        "candidates": candidates,
        "reports": reports,
    }


@router.get("", response=responses({200: NoticePage}), summary="公示列表（管辖范围内，新的在前）")
def notices(request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    qs = notice_list_for_user(request.user)
    page = qs.annotate(named=Count("entries", distinct=True), told=Count("feedback", distinct=True))
    return {
        "count": qs.count(),
        "items": [notice_out(n, n.named, n.told) for n in page[offset : offset + limit]],
    }


@router.get(
    "/{int:notice_id}",
    response=responses({200: NoticeDetail}),
    summary="一次公示：公示对象及其结果、收到的反映及核实情况",
)
def notice_detail(request, notice_id: int = Path(..., ge=1, le=MAX_ID)):
    notice = notice_get_for_user(request.user, notice_id)
    entries = list(notice.entries.select_related("case__person").order_by("pk"))
    feedback = list(notice.feedback.order_by("received_on", "pk"))
    if feedback:  # what the public said about named people: every reading of it is in the trail
        audit_record(
            actor=request.user,
            action="notice.read",
            target=notice,
            org=notice.org,
            data={"feedback": len(feedback), "via": "api"},
        )
    reads_public = notice_may_read_public(request.user, notice.org)
    out = notice_out(notice, len(entries), len(feedback))
    out["entries"] = [
        {
            "id": e.pk,
            "case": e.case_id,
            "person": e.case.person.pid,
            "name": e.name,
            "unit": e.unit,
            "result": e.result,
            "result_label": str(EntryResult(e.result).label),
        }
        for e in entries
    ]
    out["feedback"] = []
    for f in feedback:
        readable = reads_public or not feedback_is_public(f)
        out["feedback"].append(
            {
                "id": f.pk,
                "entry": f.entry_id,
                "received_on": f.received_on,
                "late": f.received_on > notice.ends_on,
                "channel": f.channel,
                "summary": f.summary if readable else None,
                "contact": f.contact if readable else None,
                "finding": f.finding,
                "verification": f.verification,
                "verified_on": f.verified_on,
            }
        )
    return out
