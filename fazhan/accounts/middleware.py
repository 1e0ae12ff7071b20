from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from fazhan.accounts.security import second_factor_due

# /api/v1/ authenticates by token itself (fazhan.api), and answers 401 in JSON rather than a login redirect.
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/admin/login/", "/healthz", "/api/v1/")


class LoginRequiredMiddleware:
    """Every page needs a login except the login page itself and static files."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.headers.get("HX-Request"):
                # An expired session during an htmx swap: send the whole page to the login, not a fragment.
                current = request.headers.get("HX-Current-URL") or request.get_full_path()
                response = HttpResponse(status=204)
                response["HX-Redirect"] = redirect_to_login(current, settings.LOGIN_URL)["Location"]
                return response
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


SECOND_FACTOR_EXEMPT = ("/accounts/2fa/", "/accounts/login/", "/accounts/logout/", "/static/", "/healthz")


class SecondFactorMiddleware:
    """After the password, a user who owes a second factor (accounts.security.second_factor_due) sees only
    the code page, or the enrolment page when enrolment is forced, until the code is given."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith(SECOND_FACTOR_EXEMPT):
            due = second_factor_due(request.user)
            if due:
                target = reverse("accounts:otp_verify" if due == "verify" else "accounts:otp_enrol")
                target = (
                    f"{target}?{urlencode({'next': request.get_full_path()})}" if due == "verify" else target
                )
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
        return self.get_response(request)
