"""The home page: the user's to-do in a line, the open cases by stage, the orgs and members in their scope."""

from collections import Counter

from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone

from fazhan.accounts.selectors import user_admin_roles, user_case_paths, user_scope_q
from fazhan.desk.todo import todo_rows
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import Case


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
    today = timezone.localdate()
    todo = todo_rows(request.user, today=today)
    return render(
        request,
        "core/home.html",
        {
            "todo_count": len(todo),
            "todo_overdue": sum(1 for r in todo if r.overdue_on(today)),
            "todo_by_kind": Counter(str(i.label) for i in todo).most_common(),
            "stages": stages,
            "org_count": Org.objects.filter(user_scope_q(request.user)).count(),
            "member_count": Person.objects.filter(user_scope_q(request.user, "org__path"))
            .exclude(party_status="")
            .count(),
        },
    )
