from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from fazhan.core.forms import form_to_service
from fazhan.core.roles import Role, user_roles
from fazhan.core.selectors import calendar_year, calendar_years
from fazhan.holidays.forms import CalendarUploadForm
from fazhan.holidays.services import calendar_load


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
    return render(request, "holidays/calendar.html", context, status=400 if form.errors else 200)


def calendar_year_page(request, year: int):
    _check_calendar_role(request.user)
    if not 1 <= year <= 9999:
        raise Http404
    return render(request, "holidays/calendar_year.html", {"y": calendar_year(year)})
