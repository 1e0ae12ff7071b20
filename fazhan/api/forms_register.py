"""The numbered-form register (入党志愿书登记簿), its receipts with the year's reconciliation, and the
pre-review batches with their results: read through the prereview app's own scoped selectors (the register's
and the batches' readers are REGISTER_READERS, the reconciliation the district's), as the pages read them."""

import datetime

from django.db.models import Count
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from fazhan.api.schemas import MAX_ID, NO_NUL, responses
from fazhan.prereview.models import (
    ACTIVE_FORM_STATUSES,
    FormReceipt,
    FormStatus,
    NumberedForm,
    PrereviewBatch,
    PrereviewResult,
)
from fazhan.prereview.selectors import (
    BatchClock,
    batch_get_for_user,
    batch_list_for_user,
    form_filter,
    form_list_for_user,
    form_reconcile,
)

router = Router(tags=["prereview"])

STATUS_QUERY = Query(None, description="状态")


class FormOut(Schema):
    id: int
    number: str = Field(description="志愿书编号")
    status: str
    status_label: str
    status_on: datetime.date | None
    person: str | None = Field(None, description="领用人的人员编号")
    person_name: str | None
    org: str | None = Field(None, description="领用人所在党组织")
    issued_on: datetime.date | None
    issued_by: str | None = Field(None, description="发放单位")
    void_reason: str
    replaces: str | None = Field(None, description="本册替换的志愿书编号")
    receipt: int | None = Field(None, description="入库批次")


class FormPage(Schema):
    count: int
    status_counts: dict[str, int] = Field(description="按状态的数量（筛选后）")
    items: list[FormOut]


class ReceiptOut(Schema):
    id: int
    org: str
    year: int
    first_number: str
    last_number: str
    count: int
    received_on: datetime.date
    received_by: str | None


class ReconcileOut(Schema):
    year: int
    receipts: list[ReceiptOut]
    received: int = Field(description="入库数")
    counts: dict[str, int] = Field(description="按状态的数量")
    accounted: int
    balanced: bool = Field(description="入库数 = 库存 + 已发放 + 已使用 + 已作废 + 已遗失 + 已收回，且无缺号")
    missing: list[str] = Field(description="缺号：已入库、登记簿中没有")
    skipped: list[str] = Field(description="跳号：库存中、低于已发出的编号")
    unreceived: list[str] = Field(description="未入库即发放的编号")


class ItemOut(Schema):
    id: int
    case: int
    person: str
    person_name: str
    org: str
    result: str = Field(description="预审结果：pass 合格、fail 不合格、returned 退回补充材料；空为待预审")
    result_label: str
    reason: str
    decided_on: datetime.date | None
    record: int | None = Field(None, description="记录预审结果的步骤记录（S13）")
    form_number: str | None = Field(None, description="已发放的志愿书编号")


class BatchOut(Schema):
    id: int
    township: str
    township_name: str
    submitted_on: datetime.date
    submitted_by: str | None
    note: str
    items: int
    pending: int = Field(description="待预审人数")
    due: datetime.date = Field(description="预审期限")
    overdue: bool


class BatchPage(Schema):
    count: int
    items: list[BatchOut]


class BatchDetail(BatchOut):
    people: list[ItemOut]


def form_out(f: NumberedForm) -> dict:
    return {
        "id": f.pk,
        "number": f.number,
        "status": f.status,
        "status_label": str(f.get_status_display()),
        "status_on": f.status_on,
        "person": f.person.pid if f.person else None,
        "person_name": f.person.name if f.person else None,
        "org": f.person.org.code if f.person else None,
        "issued_on": f.issued_on,
        "issued_by": f.issued_by.code if f.issued_by else None,
        "void_reason": f.void_reason,
        "replaces": f.replaces.number if f.replaces else None,
        "receipt": f.receipt_id,
    }


def receipt_out(r: FormReceipt) -> dict:
    return {
        "id": r.pk,
        "org": r.org.code,
        "year": r.year,
        "first_number": r.number(r.first),
        "last_number": r.number(r.last),
        "count": r.count,
        "received_on": r.received_on,
        "received_by": r.received_by.username if r.received_by else None,
    }


def batch_out(b: PrereviewBatch, today: datetime.date) -> dict:
    clock = BatchClock(b, today)
    return {
        "id": b.pk,
        "township": b.township.code,
        "township_name": b.township.name,
        "submitted_on": b.submitted_on,
        "submitted_by": b.submitted_by.username if b.submitted_by else None,
        "note": b.note,
        "items": len(clock.items),
        "pending": clock.pending,
        "due": clock.due,
        "overdue": clock.overdue,
    }


@router.get("forms", response=responses({200: FormPage}), summary="入党志愿书登记簿（按编号排序，可筛选）")
def forms(
    request,
    status: FormStatus | None = STATUS_QUERY,
    year: int | None = Query(None, ge=2000, le=2100, description="入库年度（未入库的按发放年度）"),
    q: str = Query("", max_length=40, pattern=NO_NUL, description="编号、领用人姓名或人员编号"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    qs = form_filter(
        form_list_for_user(request.user), status=status.value if status else "", year=year, query=q
    ).order_by("number", "id")
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return {
        "count": sum(counts.values()),
        "status_counts": {s: counts.get(s, 0) for s in FormStatus.values},
        "items": [form_out(f) for f in qs[offset : offset + limit]],
    }


@router.get(
    "forms/reconcile/{int:year}",
    response=responses({200: ReconcileOut}),
    summary="一年的入库批次与核对（区委组织部）",
)
def forms_reconcile(request, year: int = Path(..., ge=2000, le=2100)):
    r = form_reconcile(request.user, year, as_of=timezone.localdate())
    receipts = FormReceipt.objects.filter(pk__in=[x.pk for x in r.receipts]).select_related(
        "org", "received_by"
    )
    return {
        "year": r.year,
        "receipts": [receipt_out(x) for x in receipts.order_by("year", "prefix", "first", "id")],
        "received": r.received,
        "counts": {s: r.counts.get(s, 0) for s in FormStatus.values},
        "accounted": r.accounted,
        "balanced": r.balanced,
        "missing": r.missing,
        "skipped": r.skipped,
        "unreceived": [f.number for f in r.unreceived],
    }


@router.get(
    "prereview/batches",
    response=responses({200: BatchPage}),
    summary="预审批次（区委组织部：各镇报送的；镇：本镇的；新的在前）",
)
def batches(request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    qs = batch_list_for_user(request.user).order_by("-submitted_on", "-id")
    today = timezone.localdate()
    return {"count": qs.count(), "items": [batch_out(b, today) for b in qs[offset : offset + limit]]}


@router.get(
    "prereview/batches/{int:batch_id}",
    response=responses({200: BatchDetail}),
    summary="一个预审批次及每人的预审结果",
)
def batch_detail(request, batch_id: int = Path(..., ge=1, le=MAX_ID)):
    batch = batch_get_for_user(request.user, batch_id)
    items = list(batch.items.select_related("case__person__org").order_by("id"))
    holding = dict(
        NumberedForm.objects.filter(
            person__in=[i.case.person_id for i in items], status__in=ACTIVE_FORM_STATUSES
        ).values_list("person_id", "number")
    )
    people = [
        {
            "id": i.pk,
            "case": i.case_id,
            "person": i.case.person.pid,
            "person_name": i.case.person.name,
            "org": i.case.person.org.code,
            "result": i.result,
            "result_label": str(PrereviewResult(i.result).label) if i.result else "待预审",
            "reason": i.reason,
            "decided_on": i.decided_on,
            "record": i.record_id,
            "form_number": holding.get(i.case.person_id),
        }
        for i in items
    ]
    return {**batch_out(batch, timezone.localdate()), "people": people}
