from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_assignments, user_roles_at
from fazhan.core.excel import xlsx_response
from fazhan.core.forms import form_add_service_errors
from fazhan.people.selectors import person_get_for_user
from fazhan.people.views import detail_context
from fazhan.prereview.forms import (
    FormIssueForm,
    FormReceiveForm,
    FormReturnForm,
    FormVoidForm,
    RegisterFilterForm,
)
from fazhan.prereview.models import FormStatus
from fazhan.prereview.selectors import (
    form_filter,
    form_get_for_user,
    form_issued_to,
    form_list_for_user,
    form_reconcile,
    user_is_district,
)
from fazhan.prereview.services import form_issue, form_range_receive, form_return, form_void
from fazhan.procedure.definition import DISTRICT


def _person_for_district(request, pid: str):
    person = person_get_for_user(request.user, pid)
    if not user_roles_at(request.user, person.org) & set(DISTRICT):
        raise PermissionDenied
    return person


@require_POST
def form_issue_view(request, pid: str):
    person = _person_for_district(request, pid)
    form = FormIssueForm(request.POST)
    if form.is_valid():
        try:
            form_issue(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, form_issue_form=form))


@require_POST
def form_void_view(request, pid: str):
    person = _person_for_district(request, pid)
    issued = form_issued_to(person)
    if issued is None:
        raise Http404
    form = FormVoidForm(request.POST)
    if form.is_valid():
        try:
            form_void(
                actor=request.user,
                form=issued,
                reason=form.cleaned_data["void_reason"],
                lost=form.cleaned_data["lost"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, form_void_form=form))


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
    out = {
        "filters": filters,
        "forms": qs[:REGISTER_LIMIT],
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
            filename=f"forms-{timezone.localdate().isoformat()}.xlsx",
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
    if form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["prefix"] = data.pop("number_prefix")
            receipt = form_range_receive(actor=request.user, org=org, **data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "prefix" in exc.error_dict:
                exc.error_dict["number_prefix"] = exc.error_dict.pop("prefix")
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已入库 %(n)s 本：%(r)s") % {"n": receipt.count, "r": receipt})
            return redirect("prereview:register")
    return render(request, "prereview/register.html", _register_context(request, receive_form=form))


@require_POST
def form_return_view(request, pk: int):
    target = form_get_for_user(request.user, pk)
    if not user_is_district(request.user):
        raise PermissionDenied
    form = FormReturnForm(request.POST)
    if form.is_valid():
        try:
            form_return(actor=request.user, form=target, reason=form.cleaned_data["void_reason"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已收回 %(n)s") % {"n": target.number})
            return redirect("prereview:register")
    context = _register_context(request, return_form=form, return_target=target)
    return render(request, "prereview/register.html", context)


RECONCILE_HEADERS = ("项目", "数量")


def reconcile(request, year: int):
    """The year's reconciliation: received = in stock + issued + used + voided + lost + returned, with the
    serials that break it."""
    if not 2000 <= year <= 2100:
        raise Http404
    result = form_reconcile(request.user, year, as_of=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        rows: list[tuple] = [("入库", result.received)]
        rows += [(str(label), n) for _s, label, n in result.rows]
        rows += [("合计", result.accounted), ("平衡", "是" if result.balanced else "否"), ()]
        rows += [("缺号（已入库、登记簿中没有）", n) for n in result.missing]
        rows += [("跳号（库存中、低于已发出的编号）", n) for n in result.skipped]
        rows += [("未入库即发放", f.number) for f in result.unreceived]
        return xlsx_response(
            filename=f"forms-reconcile-{year}.xlsx",
            title=f"{year}年志愿书核对",
            headers=RECONCILE_HEADERS,
            rows=rows,
        )
    return render(request, "prereview/reconcile.html", {"r": result, "years": range(year - 2, year + 2)})
