from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from fazhan.auditlog.services import audit_record
from fazhan.core.forms import form_to_service
from fazhan.core.printing import print_html_response
from fazhan.notices.forms import CloseForm, FeedbackForm, NoticePublishForm, NoticeScopeForm, VerifyForm
from fazhan.notices.models import Notice, NoticeFeedback, NoticeKind
from fazhan.notices.printing import (
    html_pdf,
    notice_html,
    notice_pdf,
    notice_provisional_note,
    notice_register_html,
)
from fazhan.notices.selectors import (
    feedback_is_public,
    notice_candidates,
    notice_get_for_user,
    notice_list_for_user,
    notice_may_publish,
    notice_may_read_public,
    notice_orgs_for_user,
    notice_public_url,
)
from fazhan.notices.services import (
    notice_close,
    notice_feedback_record,
    notice_feedback_verify,
    notice_publish,
)
from fazhan.procedure.definition import limit_count, limits


def notice_list(request):
    notices = notice_list_for_user(request.user).annotate(
        named=Count("entries", distinct=True), reports=Count("feedback", distinct=True)
    )[:200]
    context = {
        "notices": notices,
        "can_publish": notice_orgs_for_user(request.user).exists(),
        "least": limit_count("TGT-NOTICE", limits()),  # the declared limit (definition.TIME_LIMITS)
    }
    return render(request, "notices/list.html", context)


def notice_new(request):
    """Choose the org and the matter (GET), then the candidates and the period (POST)."""
    orgs = list(notice_orgs_for_user(request.user))
    if not orgs:
        raise PermissionDenied
    scope = NoticeScopeForm(request.GET or None, orgs=orgs)
    org, kind = orgs[0], NoticeKind.TARGET
    if scope.is_valid():
        org = next(o for o in orgs if o.code == scope.cleaned_data["org"])
        kind = NoticeKind(scope.cleaned_data["kind"])
    else:
        scope = NoticeScopeForm(initial={"org": org.code, "kind": kind}, orgs=orgs)
    candidates = notice_candidates(org, kind, today=timezone.localdate())
    form = NoticePublishForm(request.POST or None, candidates=candidates)

    def publish(data):
        chosen = {int(pk) for pk in data["cases"]}
        return notice_publish(
            actor=request.user,
            org=org,
            kind=kind,
            cases=[c.case for c in candidates if c.case.pk in chosen],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            contact=data["contact"],
        )

    if notice := form_to_service(form, publish):
        return redirect("notices:detail", pk=notice.pk)
    context = {"scope": scope, "form": form, "org": org, "kind": kind, "candidates": candidates}
    return render(request, "notices/new.html", context, status=400 if form.errors else 200)


def _read_feedback(request, notice: Notice) -> list[NoticeFeedback]:
    feedback = list(notice.feedback.select_related("entry", "recorded_by", "verified_by"))
    if feedback:  # what the public said about named people: every reading of it is in the trail
        audit_record(
            actor=request.user,
            action="notice.read",
            target=notice,
            org=notice.org,
            data={"feedback": len(feedback)},
        )
    return feedback


def _detail(request, notice: Notice, *, status: int = 200, **forms):
    entries = list(notice.entries.select_related("case__person").order_by("pk"))
    feedback = _read_feedback(request, notice)
    can_act = notice_may_publish(request.user, notice.org) and notice.state == "open"
    # what the public sent on the public page is the township's to read and look into
    reads_public = notice_may_read_public(request.user, notice.org)
    verify = forms.get("verify")
    least = limit_count("TGT-NOTICE", limits())  # the declared limit (definition.TIME_LIMITS)
    context = {
        "notice": notice,
        "entries": entries,
        "feedback": [
            (
                f,
                verify
                if verify is not None and verify.prefix == f"v{f.pk}"
                else VerifyForm(prefix=f"v{f.pk}"),
                reads_public or not feedback_is_public(f),
            )
            for f in feedback
        ],
        "public_url": notice_public_url(notice),
        "provisional_note": notice_provisional_note(notice),
        "least": least,
        "short": notice.state == "open" and notice.working_days < least,
        "can_act": can_act,
        "can_close": can_act and timezone.localdate() > notice.ends_on,
        "feedback_form": forms.get("feedback_form") or FeedbackForm(entries=entries),
        "close_form": forms.get("close_form") or CloseForm(),
    }
    return render(request, "notices/detail.html", context, status=status)


def notice_detail(request, pk: int):
    return _detail(request, notice_get_for_user(request.user, pk))


@require_POST
def notice_feedback_add(request, pk: int):
    notice = notice_get_for_user(request.user, pk)
    entries = list(notice.entries.all())
    form = FeedbackForm(request.POST, entries=entries)

    def record(data):
        entry = next((e for e in entries if str(e.pk) == data["entry"]), None)
        return notice_feedback_record(
            actor=request.user,
            notice=notice,
            entry=entry,
            received_on=data["received_on"],
            channel=data["channel"],
            summary=data["summary"],
        )

    if form_to_service(form, record):
        return redirect("notices:detail", pk=notice.pk)
    return _detail(request, notice, status=400, feedback_form=form)


@require_POST
def notice_feedback_verify_view(request, pk: int, feedback_id: int):
    notice = notice_get_for_user(request.user, pk)
    feedback = get_object_or_404(NoticeFeedback, pk=feedback_id, notice=notice)
    form = VerifyForm(request.POST, prefix=f"v{feedback.pk}")
    if form_to_service(
        form, lambda data: notice_feedback_verify(actor=request.user, feedback=feedback, **data)
    ):
        return redirect("notices:detail", pk=notice.pk)
    return _detail(request, notice, status=400, verify=form)


@require_POST
def notice_close_view(request, pk: int):
    notice = notice_get_for_user(request.user, pk)
    form = CloseForm(request.POST)
    if form_to_service(form, lambda data: notice_close(actor=request.user, notice=notice, **data)):
        return redirect("notices:detail", pk=notice.pk)
    return _detail(request, notice, status=400, close_form=form)


def notice_print(request, pk: int):
    """The notice as it is posted: PDF (default), or ?format=html to print from the browser."""
    notice = notice_get_for_user(request.user, pk)
    if request.GET.get("format") == "html":
        return print_html_response(notice_html(notice))
    response = HttpResponse(notice_pdf(notice), content_type="application/pdf")
    name = f"公示-{notice.org.code}-{notice.starts_on.isoformat()}.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=name) or ""
    return response


def notice_register_print(request, pk: int):
    """The notice with its 公示情况登记表 (what was reported, how each report was looked into, the result):
    PDF (default), or ?format=html. Each reading of the reports is in the trail."""
    notice = notice_get_for_user(request.user, pk)
    reads_public = notice_may_read_public(request.user, notice.org)
    rows = [(f, reads_public or not feedback_is_public(f)) for f in _read_feedback(request, notice)]
    html = notice_register_html(notice, rows)
    if request.GET.get("format") == "html":
        return print_html_response(html)
    response = HttpResponse(html_pdf(html), content_type="application/pdf")
    name = f"公示情况登记表-{notice.org.code}-{notice.starts_on.isoformat()}.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=name) or ""
    return response
