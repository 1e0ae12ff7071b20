from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_roles_at
from fazhan.core.forms import form_add_service_errors
from fazhan.people.selectors import person_get_for_user
from fazhan.people.views import detail_context
from fazhan.prereview.forms import FormIssueForm, FormVoidForm
from fazhan.prereview.selectors import form_issued_to
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
