from collections import Counter

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_admin_roles, user_case_paths, user_roles, user_scope_q
from fazhan.core.forms import CalendarUploadForm, form_to_service
from fazhan.core.selectors import calendar_year, calendar_years
from fazhan.core.services import calendar_load
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import Case
from fazhan.procedure.todo import todo_for_user


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    if not user_case_paths(request.user):
        if user_admin_roles(request.user):
            return redirect("admin:index")
        return render(request, "core/no_scope.html")
    cases = Case.objects.filter(user_scope_q(request.user, "person__org__path"), closed_on__isnull=True)
    by_stage = dict(cases.values_list("stage").annotate(n=Count("id")))
    stages = [
        (code, label, by_stage.get(code, 0)) for code, label in CaseStage.CHOICES if code != CaseStage.EXITED
    ]
    todo = todo_for_user(request.user, today=timezone.localdate())
    return render(
        request,
        "core/home.html",
        {
            "todo_count": len(todo),
            "todo_overdue": sum(1 for i in todo if i.overdue),
            "todo_by_kind": Counter(str(i.label) for i in todo).most_common(),
            "stages": stages,
            "org_count": Org.objects.filter(user_scope_q(request.user)).count(),
            "member_count": Person.objects.filter(user_scope_q(request.user, "org__path"))
            .exclude(party_status="")
            .count(),
        },
    )


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
