from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render

from fazhan.accounts.selectors import user_case_paths, user_is_sysadmin, user_scope_q
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import Case


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    if not user_case_paths(request.user):
        if user_is_sysadmin(request.user):
            return redirect("admin:index")
        return render(request, "core/no_scope.html")
    cases = Case.objects.filter(user_scope_q(request.user, "person__org__path"), closed_on__isnull=True)
    by_stage = dict(cases.values_list("stage").annotate(n=Count("id")))
    stages = [
        (code, label, by_stage.get(code, 0)) for code, label in CaseStage.CHOICES if code != CaseStage.EXITED
    ]
    return render(
        request,
        "core/home.html",
        {
            "stages": stages,
            "org_count": Org.objects.filter(user_scope_q(request.user)).count(),
            "member_count": Person.objects.filter(user_scope_q(request.user, "org__path"))
            .exclude(party_status="")
            .count(),
        },
    )
