import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fazhan.accounts.models import CASE_ROLES
from fazhan.accounts.selectors import user_roles, user_sees_phone
from fazhan.auditlog.services import audit_record
from fazhan.core.dates import date_cn
from fazhan.core.excel import xlsx_response
from fazhan.core.forms import form_to_service
from fazhan.core.masking import mask_phone
from fazhan.floating.forms import FloatingCloseForm, FloatingOpenForm
from fazhan.floating.models import Direction, FloatingRecord
from fazhan.floating.reports import migrant_table
from fazhan.floating.selectors import (
    floating_get_for_user,
    floating_list_for_user,
    floating_orgs_for_user,
    floating_persons_for_user,
    migrant_report,
)
from fazhan.floating.services import floating_may_register, floating_record_close, floating_record_open
from fazhan.organizations.models import Org


def _reader(request: HttpRequest) -> None:
    if not user_roles(request.user) & CASE_ROLES:
        raise PermissionDenied


def _day(request: HttpRequest) -> datetime.date:
    """The day a page reads (?day=YYYY-MM-DD), today by default or for a bad value."""
    try:
        return datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _row(user, record: FloatingRecord) -> dict:
    contact = record.contact if user_sees_phone(user, record.org) else mask_phone(record.contact)
    return {
        "record": record,
        "other": record.other_org.name if record.other_org else record.other_org_name,
        "contact": contact,
        "since": date_cn(record.since),
        "until": date_cn(record.until),
        "may_close": record.until is None and floating_may_register(user, record.org),
    }


def _open_form(request: HttpRequest, data=None) -> FloatingOpenForm | None:
    persons = list(floating_persons_for_user(request.user))
    if not persons and data is None:
        return None
    return FloatingOpenForm(data, persons=persons, orgs=Org.objects.order_by("path"))


def _render_index(request: HttpRequest, *, open_form=None, close_errors=None, status=200):
    _reader(request)
    direction = request.GET.get("direction", "")
    show_closed = request.GET.get("closed") == "1"
    records = floating_list_for_user(request.user).order_by("org__path", "-since", "pk")
    if direction in Direction.values:
        records = records.filter(direction=direction)
    if not show_closed:
        records = records.filter(until__isnull=True)
    context = {
        "rows": [_row(request.user, r) for r in records],
        "direction": direction,
        "directions": Direction.choices,
        "show_closed": show_closed,
        "open_form": open_form if open_form is not None else _open_form(request),
        "close_form": FloatingCloseForm(),
        "close_errors": close_errors or {},
    }
    return render(request, "floating/index.html", context, status=status)


def floating_index(request: HttpRequest):
    """The outflow and inflow registers of the user's subtrees (open records; ?closed=1 also the ended)."""
    return _render_index(request)


@require_POST
def floating_open_view(request: HttpRequest):
    _reader(request)
    form = _open_form(request, request.POST)
    assert form is not None
    persons = {p.pid: p for p in floating_persons_for_user(request.user)}
    if not persons:
        raise PermissionDenied
    record = form_to_service(
        form,
        lambda data: floating_record_open(
            actor=request.user,
            person=persons[data["person"]],
            direction=data["direction"],
            place=data["place"],
            since=data["since"],
            other_org=Org.objects.get(code=data["other_org"]) if data["other_org"] else None,
            other_org_name=data["other_org_name"],
            contact=data["contact"],
            migrant_worker=data["migrant_worker"],
        ),
    )
    if record is None:
        return _render_index(request, open_form=form, status=400)
    return redirect(reverse("floating:index") + f"#record-{record.pk}")


@require_POST
def floating_close_view(request: HttpRequest, pk: int):
    _reader(request)
    record = floating_get_for_user(request.user, pk)
    form = FloatingCloseForm(request.POST)
    closed = form_to_service(
        form,
        lambda data: floating_record_close(
            actor=request.user, record=record, until=data["until"], note=data["note"]
        ),
    )
    if closed is None:
        errors = [str(e) for field in form.errors.values() for e in field]
        return _render_index(request, close_errors={record.pk: errors}, status=400)
    return redirect(reverse("floating:index") + f"#record-{record.pk}")


def floating_orgs(request: HttpRequest):
    """The floating-member party orgs of the user's subtrees, with their members and each one's home org."""
    _reader(request)
    day = _day(request)
    return render(
        request,
        "floating/orgs.html",
        {"orgs": floating_orgs_for_user(request.user, day), "day": date_cn(day)},
    )


def floating_migrants(request: HttpRequest):
    """The migrant workers flowing in, per inflow org, and those in the procedure (?format=xlsx downloads)."""
    _reader(request)
    day = _day(request)
    rows = migrant_report(request.user, day)
    table = migrant_table(rows, day)
    if request.GET.get("format") == "xlsx":
        audit_record(actor=request.user, action="floating.migrants_download", data={"day": day.isoformat()})
        return xlsx_response(filename=f"流入农民工发展党员情况_{day.isoformat()}.xlsx", tables=[table])
    return render(
        request,
        "floating/migrants.html",
        {"table": table, "day": date_cn(day), "day_iso": day.isoformat()},
    )
