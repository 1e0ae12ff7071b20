"""The public's pages (issue 15, 群众参与): a notice's page reached by its unguessable token, with the form on
which anyone sends an opinion without an account. They live under settings.FAZHAN_PUBLIC_PREFIX, which the
login middleware lets through, so that a deployment may expose that prefix (and /static/) alone to the
internet. The page shows the notice as it is posted and nothing the public sent."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from fazhan.core.forms import form_to_service
from fazhan.core.http import client_address
from fazhan.notices.forms import PublicOpinionForm
from fazhan.notices.printing import notice_title
from fazhan.notices.selectors import notice_public_get, notice_public_open
from fazhan.notices.services import notice_public_submit


@require_http_methods(["GET", "POST"])
def public_notice(request, token: str):
    notice = notice_public_get(token)
    entries = list(notice.entries.order_by("pk"))
    form = PublicOpinionForm(
        request.POST or None, entries=entries, max_chars=settings.FAZHAN_PUBLIC_OPINION_MAX_CHARS
    )

    def submit(data):
        return notice_public_submit(
            notice=notice,
            text=data["text"],
            contact=data["contact"],
            entry=next((e for e in entries if str(e.pk) == data["entry"]), None),
            honeypot=data["website"],
            address=client_address(request),
        )

    if request.method == "POST" and form_to_service(form, submit):
        return redirect(request.path + "?sent=1")
    context = {
        "notice": notice,
        "entries": entries,
        "title": notice_title(notice, [e.name for e in entries]),
        "form": form,
        "taking": notice_public_open(notice),
        "today": timezone.localdate(),
        "sent": request.GET.get("sent") == "1" and request.method == "GET",
    }
    return render(request, "notices/public.html", context, status=400 if form.errors else 200)
