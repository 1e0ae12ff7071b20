from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_roles
from fazhan.core.forms import CalendarUploadForm, form_to_service
from fazhan.core.selectors import calendar_year, calendar_years
from fazhan.core.services import calendar_load


def healthz(request):
    """For a load balancer or a monitor: the database answers a query. No login, nothing personal."""
    database = connection.vendor
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"ok": False, "database": database, "error": "database unavailable"}, status=503)
    return JsonResponse({"ok": True, "database": database})


def _check_calendar_role(user) -> None:
    if Role.DISTRICT_REVIEWER not in user_roles(user):
        raise PermissionDenied


def calendar_index(request):
    """The district reviewer loads a year's official arrangement and sees every year's: official (loaded)
    or provisional (the statutory holidays alone), and after a load what it recounted."""
    _check_calendar_role(request.user)
    form = CalendarUploadForm(request.POST or None, request.FILES or None)
    loaded = None
    if request.method == "POST":
        loaded = form_to_service(
            form,
            lambda data: calendar_load(
                actor=request.user, data=data["file"].read(), filename=data["file"].name
            ),
        )
    context = {"form": form, "loaded": loaded, "years": calendar_years(today=timezone.localdate())}
    return render(request, "core/calendar.html", context, status=400 if form.errors else 200)


def calendar_year_page(request, year: int):
    _check_calendar_role(request.user)
    if not 1 <= year <= 9999:
        raise Http404
    return render(request, "core/calendar_year.html", {"y": calendar_year(year)})
