import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from fazhan.accounts.passwords import password_change_due
from fazhan.accounts.security import second_factor_due

# /api/v1/ authenticates by token itself (fazhan.api), and answers 401 in JSON rather than a login redirect.
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/admin/login/", "/healthz", "/api/v1/")


def _redirect(request, target: str) -> HttpResponse:
    """To `target`: the whole page, also when the request is an htmx swap (never a fragment of it)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


class LoginRequiredMiddleware:
    """Every page needs a login except the login page itself and static files."""

    def __init__(self, get_response):
        self.get_response = get_response
        # and the public's pages (fazhan.notices' public views), under the prefix a deployment chose
        self.public = (*PUBLIC_PREFIXES, settings.FAZHAN_PUBLIC_PREFIX)

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(self.public):
            if request.headers.get("HX-Request"):
                # An expired session during an htmx swap: send the whole page to the login, not a fragment.
                current = request.headers.get("HX-Current-URL") or request.get_full_path()
                return _redirect(request, redirect_to_login(current, settings.LOGIN_URL)["Location"])
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


# How often a request of a logged-in user writes the session again, moving its end (SESSION_COOKIE_AGE, the
# idle timeout) forward: once a minute, not at every request, so a page view is no write while an import
# holds SQLite's write lock.
SESSION_TOUCH_SECONDS = 60
SESSION_SEEN_KEY = "fazhan_seen"
MSG_IDLE = "长时间未操作，已自动退出，请重新登录。"


def session_seen_at_login(sender, request, user, **kwargs) -> None:
    """A login is the session's first sign of life (user_logged_in, connected in AccountsConfig.ready): the
    request after it need not write the session again."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_SEEN_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Ends a session after FAZHAN_IDLE_TIMEOUT_MINUTES without a request: the session's expiry is its idle
    timeout (SESSION_COOKIE_AGE), moved forward by the requests that come, so an idle session expires in the
    database and its cookie no longer logs anyone in. The login page then says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            if now - int(request.session.get(SESSION_SEEN_KEY, 0)) >= SESSION_TOUCH_SECONDS:
                request.session[SESSION_SEEN_KEY] = now
        elif (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.session.is_empty()
            and not request.path.startswith(PUBLIC_PREFIXES)
        ):
            messages.info(request, _(MSG_IDLE))
        return self.get_response(request)


SECOND_FACTOR_EXEMPT = ("/accounts/2fa/", "/accounts/login/", "/accounts/logout/", "/static/", "/healthz")


class SecondFactorMiddleware:
    """After the password, a user who owes a second factor (accounts.security.second_factor_due) sees only
    the code page, or the enrolment page if they have no authenticator yet, until the code is given."""

    def __init__(self, get_response):
        self.get_response = get_response
        # The public's pages use no staff session: a logged-in clerk who owes a code reads a notice as anyone.
        self.exempt = (*SECOND_FACTOR_EXEMPT, settings.FAZHAN_PUBLIC_PREFIX)

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith(self.exempt):
            due = second_factor_due(request.user)
            if due == "verify":
                query = urlencode({"next": request.get_full_path()})
                return _redirect(request, f"{reverse('accounts:otp_verify')}?{query}")
            if due == "enrol":
                return _redirect(request, reverse("accounts:otp_enrol"))
        return self.get_response(request)


PASSWORD_EXEMPT = (*SECOND_FACTOR_EXEMPT, "/accounts/password/", "/api/v1/")


class PasswordExpiryMiddleware:
    """A temporary password (set by user_password_reset), and under the MLPS policy a password older than
    FAZHAN_PASSWORD_MAX_AGE_DAYS, opens no page but the one that changes it (after the second factor, which
    comes first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith((*PASSWORD_EXEMPT, settings.FAZHAN_PUBLIC_PREFIX))
            and password_change_due(user)
        ):
            query = urlencode({"next": request.get_full_path()})
            return _redirect(request, f"{reverse('accounts:password_change')}?{query}")
        return self.get_response(request)
