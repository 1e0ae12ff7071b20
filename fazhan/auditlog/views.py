from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from fazhan.auditlog.forms import TrailFilterForm
from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_for_user, trail_paths_for_user, user_reads_trail


def trail(request):
    """The audit trail: an inspector's or district reviewer's subtree, or the administrator's account
    events."""
    if not user_reads_trail(request.user):
        raise PermissionDenied
    form = TrailFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()
    else:
        filters = form.cleaned_data if form.is_bound else {}
        events = trail_for_user(
            request.user,
            action=filters.get("action") or "",
            actor=filters.get("actor") or "",
            target=filters.get("target") or "",
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
            tz=timezone.get_current_timezone(),
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "auditlog/trail.html",
        {"form": form, "page": page, "query": query, "accounts_only": not trail_paths_for_user(request.user)},
    )
