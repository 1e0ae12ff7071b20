"""The numbered form's panel on the person page: the district issues it there, or voids it with its reason; a
refusal shows the person page again with the form's errors."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_roles_at
from fazhan.core.forms import form_to_service
from fazhan.desk.views.people import detail_context
from fazhan.people.selectors import person_get_for_user
from fazhan.prereview.forms import FormIssueForm, FormVoidForm
from fazhan.prereview.selectors import form_issued_to, form_to_replace
from fazhan.prereview.services import form_issue, form_void
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
    if form_to_service(
        form,
        lambda data: form_issue(actor=request.user, person=person, replaces=form_to_replace(person), **data),
    ):
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, form_issue_form=form))


@require_POST
def form_void_view(request, pid: str):
    person = _person_for_district(request, pid)
    issued = form_issued_to(person)
    if issued is None:
        raise Http404
    form = FormVoidForm(request.POST)
    voided = form_to_service(
        form,
        lambda data: form_void(
            actor=request.user, form=issued, reason=data["void_reason"], lost=data["lost"]
        ),
    )
    if voided:
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, form_void_form=form))
