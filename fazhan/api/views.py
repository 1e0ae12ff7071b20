from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fazhan.api.api import MSG_NOT_FOUND
from fazhan.api.forms import TokenForm
from fazhan.api.selectors import apitoken_get_for_user, apitoken_list_for_user
from fazhan.api.services import apitoken_create, apitoken_revoke
from fazhan.core.forms import form_to_service


def token_list(request):
    """A logged-in user's own API tokens: create one (shown once), revoke one."""
    form = TokenForm(request.POST or None)
    made = form_to_service(
        form,
        lambda data: apitoken_create(
            actor=request.user, user=request.user, name=data["name"], read_only=data["read_only"]
        ),
    )
    created = None
    if made is not None:
        created = made[1]
        form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": apitoken_list_for_user(request.user),
        "days": settings.FAZHAN_API_TOKEN_DAYS,
    }
    return render(request, "api/tokens.html", context)


@require_POST
def token_revoke(request, token_id: int):
    token = apitoken_get_for_user(request.user, token_id)
    if token.revoked_at is None:
        apitoken_revoke(actor=request.user, token=token)
        messages.success(request, _("令牌 %(prefix)s… 已吊销。") % {"prefix": token.prefix})
    return redirect("apitoken_list")


@csrf_exempt  # token-authenticated like the API: no cookie, no CSRF
def not_found(request):
    return JsonResponse({"detail": _(MSG_NOT_FOUND), "errors": [], "refusals": []}, status=404)
