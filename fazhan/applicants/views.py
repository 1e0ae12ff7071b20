"""The branch's pages of self-service applications: the list (with the code to hand out), one submission
with its photo, and accepting or returning it. Scoped to the user's subtrees; the services guard the rest."""

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_sees_id_number, user_sees_phone
from fazhan.applicants.forms import IssueForm, ReturnForm
from fazhan.applicants.models import SubmissionState
from fazhan.applicants.selectors import (
    codes_for_user,
    register_url,
    submission_get_for_user,
    submission_list_for_user,
    submission_photo,
)
from fazhan.applicants.services import (
    code_display,
    code_issue,
    code_may_issue,
    submission_accept,
    submission_may_decide,
    submission_return,
)
from fazhan.core.forms import form_to_service
from fazhan.core.masking import mask_id_number, mask_phone
from fazhan.organizations.selectors import org_list_for_user
from fazhan.procedure.definition import STEPS_BY_CODE, Anchor


def _application_step():
    """The step an acceptance records, read from the definition when the page is drawn: its name and number
    on the pages follow a renamed or renumbered step."""
    return STEPS_BY_CODE[Anchor.APPLICATION]


def _issuable(user) -> list:
    return [o for o in org_list_for_user(user).order_by("path") if o.is_branch and code_may_issue(user, o)]


def submission_list(request):
    submissions = list(submission_list_for_user(request.user).order_by("-submitted_at")[:200])
    for s in submissions:
        s.id_masked = mask_id_number(s.applicant.id_number)  # type: ignore[attr-defined]
    orgs = _issuable(request.user)
    context = {
        "submissions": submissions,
        "issue_form": IssueForm(orgs=orgs) if orgs else None,
        "codes": list(codes_for_user(request.user)[:20]),
        "step": _application_step(),
    }
    return render(request, "applicants/list.html", context)


@require_POST
def code_issue_view(request):
    orgs = _issuable(request.user)
    if not orgs:
        raise PermissionDenied
    form = IssueForm(request.POST, orgs=orgs)
    issued = form_to_service(
        form, lambda d: code_issue(actor=request.user, org=next(o for o in orgs if o.code == d["org"]))
    )
    if issued is None:
        return render(
            request,
            "applicants/list.html",
            {"issue_form": form, "submissions": [], "codes": [], "step": _application_step()},
            status=400,
        )
    invite, clear = issued
    url = register_url(clear)
    context = {
        "invite": invite,
        "code": code_display(clear),
        "url": url,
        "qr_svg": mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2)),  # segno's own SVG
        "days": settings.FAZHAN_APPLICANT_CODE_DAYS,
    }
    return render(request, "applicants/issued.html", context)


def _detail_context(request, submission, return_form=None) -> dict:
    applicant = submission.applicant
    sees_id = user_sees_id_number(request.user, applicant.org)
    return {
        "s": submission,
        "applicant": applicant,
        "id_shown": applicant.id_number if sees_id else mask_id_number(applicant.id_number),
        "phone_shown": applicant.phone
        if user_sees_phone(request.user, applicant.org)
        else mask_phone(applicant.phone),
        "may_decide": submission.state == SubmissionState.SUBMITTED
        and submission_may_decide(request.user, submission),
        "return_form": return_form or ReturnForm(),
        "errors": [],
        "step": _application_step(),
    }


def submission_detail(request, pk: int):
    submission = submission_get_for_user(request.user, pk)
    return render(request, "applicants/detail.html", _detail_context(request, submission))


def submission_photo_view(request, pk: int):
    submission = submission_get_for_user(request.user, pk)
    response = HttpResponse(submission_photo(submission), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def submission_accept_view(request, pk: int):
    """Accept as S01 dated today; a refusal (a rule, a decided submission) is shown on the page, with its
    rule and article, and nothing is written."""
    submission = submission_get_for_user(request.user, pk)
    try:
        submission_accept(actor=request.user, submission=submission)
    except ValidationError as exc:
        context = _detail_context(request, submission)
        context["errors"] = exc.messages
        return render(request, "applicants/detail.html", context, status=400)
    return redirect("applicants:detail", pk=pk)


@require_POST
def submission_return_view(request, pk: int):
    submission = submission_get_for_user(request.user, pk)
    form = ReturnForm(request.POST)
    if form_to_service(
        form, lambda d: submission_return(actor=request.user, submission=submission, reason=d["reason"])
    ):
        return redirect("applicants:detail", pk=pk)
    return render(request, "applicants/detail.html", _detail_context(request, submission, form), status=400)
