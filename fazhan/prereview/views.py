from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_assignments, user_roles_at
from fazhan.core.excel import Table, xlsx_response
from fazhan.core.forms import form_to_service
from fazhan.prereview.forms import (
    BatchSubmitForm,
    DecideForm,
    FormIssueForm,
    FormReceiveForm,
    FormReturnForm,
    RegisterFilterForm,
)
from fazhan.prereview.models import (
    ACTIVE_FORM_STATUSES,
    FormStatus,
    NumberedForm,
    PrereviewItem,
    PrereviewResult,
)
from fazhan.prereview.selectors import (
    BatchClock,
    batch_candidates,
    batch_get_for_user,
    batch_list_for_user,
    batch_queue,
    form_filter,
    form_get_for_user,
    form_list_for_user,
    form_reconcile,
    form_to_replace,
    user_is_district,
)
from fazhan.prereview.services import (
    FORM_MOVES,
    form_issue,
    form_range_receive,
    form_return,
    prereview_batch_submit,
    prereview_item_decide,
)
from fazhan.procedure.definition import DISTRICT


def _issue_to(request, person):
    return lambda data: form_issue(
        actor=request.user, person=person, replaces=form_to_replace(person), **data
    )


# --- the register ------------------------------------------------------------------------------------------

REGISTER_LIMIT = 500
REGISTER_HEADERS = (
    *("编号", "状态", "状态日期", "领用人", "人员编号"),
    *("所在党组织", "发放日期", "说明", "入库年度"),
)


def _register_rows(forms):
    for f in forms:
        yield (
            f.number,
            str(f.get_status_display()),
            f.status_on,
            f.person.name if f.person else "",
            f.person.pid if f.person else "",
            f.person.org.name if f.person else "",
            f.issued_on,
            f.void_reason + (f" 替换 {f.replaces.number}" if f.replaces else ""),
            f.receipt.year if f.receipt else "",
        )


def _register_context(request, **forms) -> dict:
    filters = RegisterFilterForm(request.GET or None)
    qs = form_list_for_user(request.user)
    if filters.is_valid():
        data = filters.cleaned_data
        qs = form_filter(qs, status=data["status"], year=data["year"], query=data["q"])
    district = user_is_district(request.user)
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    today = timezone.localdate()
    shown = list(qs[:REGISTER_LIMIT])
    for f in shown:  # the moves the declared table allows from each form's status, for the district only
        f.may_return = district and "return" in FORM_MOVES[f.status]  # type: ignore[attr-defined]
    out = {
        "filters": filters,
        "forms": shown,
        "total": sum(counts.values()),
        "limit": REGISTER_LIMIT,
        "status_counts": [(label, counts.get(value, 0)) for value, label in FormStatus.choices],
        "district": district,
        "year": today.year,
        "query_string": request.GET.urlencode(),
    }
    if district:
        out["receive_form"] = forms.get("receive_form") or FormReceiveForm(
            initial={"year": today.year, "received_on": today, "number_prefix": f"SZQ{today.year}-"}
        )
        out["return_form"] = forms.get("return_form")
        out["return_target"] = forms.get("return_target")
    return out


def register(request):
    """The numbered-form register by status, with filters; ?format=xlsx downloads the filtered register."""
    context = _register_context(request)
    if request.GET.get("format") == "xlsx":
        qs = form_list_for_user(request.user)
        filters = context["filters"]
        if filters.is_valid():
            data = filters.cleaned_data
            qs = form_filter(qs, status=data["status"], year=data["year"], query=data["q"])
        return xlsx_response(
            filename=f"入党志愿书登记簿-{timezone.localdate().isoformat()}.xlsx",
            title="入党志愿书登记簿",
            headers=REGISTER_HEADERS,
            rows=_register_rows(qs),
        )
    return render(request, "prereview/register.html", context)


def _district_org(user):
    return next((a.org for a in user_assignments(user) if a.role in DISTRICT), None)


@require_POST
def form_receive_view(request):
    org = _district_org(request.user)
    if org is None:
        raise PermissionDenied
    form = FormReceiveForm(request.POST)

    def receive(data):
        data = dict(data)
        data["prefix"] = data.pop("number_prefix")
        return form_range_receive(actor=request.user, org=org, **data)

    receipt = form_to_service(
        form, receive, field_for=lambda name: "number_prefix" if name == "prefix" else name
    )
    if receipt:
        messages.success(request, _("已入库 %(n)s 本：%(r)s") % {"n": receipt.count, "r": receipt})
        return redirect("prereview:register")
    return render(request, "prereview/register.html", _register_context(request, receive_form=form))


@require_POST
def form_return_view(request, pk: int):
    target = form_get_for_user(request.user, pk)
    if not user_is_district(request.user):
        raise PermissionDenied
    form = FormReturnForm(request.POST)
    if form_to_service(
        form, lambda data: form_return(actor=request.user, form=target, reason=data["void_reason"])
    ):
        messages.success(request, _("已收回 %(n)s") % {"n": target.number})
        return redirect("prereview:register")
    context = _register_context(request, return_form=form, return_target=target)
    return render(request, "prereview/register.html", context)


RECONCILE_HEADERS = ("项目", "数量")
SERIAL_HEADERS = ("类别", "编号")


def reconcile(request, year: int):
    """The year's reconciliation: received = in stock + issued + used + voided + lost + returned, with the
    serials that break it."""
    if not 2000 <= year <= 2100:
        raise Http404
    result = form_reconcile(request.user, year, as_of=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        rows: list[tuple] = [("入库", result.received)]
        rows += [(str(label), n) for _s, label, n in result.rows]
        rows += [("合计", result.accounted), ("平衡", "是" if result.balanced else "否")]
        serials = [("缺号（已入库、登记簿中没有）", n) for n in result.missing]
        serials += [("跳号（库存中、低于已发出的编号）", n) for n in result.skipped]
        serials += [("未入库即发放", f.number) for f in result.unreceived]
        return xlsx_response(
            filename=f"{year}年入党志愿书核对.xlsx",
            tables=[
                Table(f"{year}年入党志愿书核对", RECONCILE_HEADERS, rows, sheet="核对"),
                Table(f"{year}年入党志愿书异常编号", SERIAL_HEADERS, serials, sheet="异常编号"),
            ],
        )
    return render(request, "prereview/reconcile.html", {"r": result, "years": range(year - 2, year + 2)})


# --- pre-review batches ------------------------------------------------------------------------------------


def batch_queue_view(request):
    """The district's queue (every township's batches) or a township's own, with the clock of each."""
    today = timezone.localdate()
    clocks = batch_queue(request.user, today=today)
    return render(
        request,
        "prereview/batches.html",
        {"clocks": clocks, "today": today, "may_submit": _township_of(request.user) is not None},
    )


def _township_of(user):
    return next(
        (
            a.org
            for a in user_assignments(user)
            if a.role == "township_organizer" and a.org.kind == "committee"
        ),
        None,
    )


def batch_new(request):
    township = _township_of(request.user)
    if township is None:
        raise PermissionDenied
    today = timezone.localdate()
    candidates = [case for case, _facts in batch_candidates(township, today=today)]
    form = BatchSubmitForm(request.POST or None, candidates=candidates, initial={"submitted_on": today})

    def submit(data):
        chosen = {int(pk) for pk in data["cases"]}
        return prereview_batch_submit(
            actor=request.user,
            township=township,
            cases=[c for c in candidates if c.pk in chosen],
            submitted_on=data["submitted_on"],
            note=data["note"],
        )

    if batch := form_to_service(form, submit):
        return redirect("prereview:batch", pk=batch.pk)
    return render(request, "prereview/batch_new.html", {"form": form, "township": township})


def _batch_context(request, batch) -> dict:
    today = timezone.localdate()
    district = bool(user_roles_at(request.user, batch.township) & set(DISTRICT))
    items = list(batch.items.select_related("case__person__org", "record").order_by("id"))
    holding = dict(
        NumberedForm.objects.filter(
            person__in=[i.case.person_id for i in items], status__in=ACTIVE_FORM_STATUSES
        ).values_list("person_id", "number")
    )
    rows = []
    for item in items:
        row = {"item": item, "form_number": holding.get(item.case.person_id)}
        if district and not item.result:
            row["decide"] = DecideForm(
                prefix=f"d{item.pk}", initial={"decided_on": today, "result": PrereviewResult.PASS}
            )
        if district and item.result == PrereviewResult.PASS and row["form_number"] is None:
            row["issue"] = FormIssueForm(prefix=f"i{item.pk}", initial={"issued_on": today})
        rows.append(row)
    return {"clock": BatchClock(batch, today), "batch": batch, "rows": rows, "district": district}


def batch_detail(request, pk: int):
    batch = batch_get_for_user(request.user, pk)
    return render(request, "prereview/batch.html", _batch_context(request, batch))


def _item_for_district(request, pk: int) -> PrereviewItem:
    item = get_object_or_404(
        PrereviewItem.objects.filter(batch__in=batch_list_for_user(request.user)).select_related(
            "batch__township", "case__person"
        ),
        pk=pk,
    )
    if not user_roles_at(request.user, item.batch.township) & set(DISTRICT):
        raise PermissionDenied
    return item


@require_POST
def item_decide_view(request, pk: int):
    item = _item_for_district(request, pk)
    form = DecideForm(request.POST, prefix=f"d{item.pk}")
    if form_to_service(form, lambda data: prereview_item_decide(actor=request.user, item=item, **data)):
        return redirect("prereview:batch", pk=item.batch_id)
    return _batch_page(request, item, decide=form)


@require_POST
def item_issue_view(request, pk: int):
    item = _item_for_district(request, pk)
    form = FormIssueForm(request.POST, prefix=f"i{item.pk}")
    if form_to_service(form, _issue_to(request, item.case.person)):
        return redirect("prereview:batch", pk=item.batch_id)
    return _batch_page(request, item, issue=form)


def _batch_page(request, item: PrereviewItem, **forms):
    """The batch page again, the item's row holding the refused form (decide= or issue=)."""
    context = _batch_context(request, item.batch)
    for row in context["rows"]:
        if row["item"].pk == item.pk:
            row.update(forms)
    return render(request, "prereview/batch.html", context)
