"""Login hardening: the lockout of repeated failed logins (django-axes) and the second factor (TOTP,
django-otp) that the roles named in settings.FAZHAN_2FA_ROLES give after their password."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django_otp import user_has_device

from fazhan.accounts.selectors import user_roles


class LoginAttemptBackend(AxesStandaloneBackend):
    """Axes' lockout check for every login that arrives over HTTP.

    An authenticate() call without a request is no login from the network (a shell session, the test
    client's login()): there is no address to count failures against, so it is passed on to the password
    backend instead of being refused outright as axes' own backend would."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def user_second_factor_roles(user) -> bool:
    """Does the user hold a role that gives a second factor (settings.FAZHAN_2FA_ROLES)?"""
    return bool(user_roles(user) & set(settings.FAZHAN_2FA_ROLES))


def second_factor_due(user) -> str:
    """What the logged-in user owes before any page: "verify" (enrolled, code not yet given this session),
    "enrol" (FAZHAN_REQUIRE_2FA and no authenticator yet) or "" (nothing)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if getattr(user, "is_verified", lambda: False)():
        return ""
    if not user_second_factor_roles(user):
        return ""
    if user_has_device(user):
        return "verify"
    if settings.FAZHAN_REQUIRE_2FA:
        return "enrol"
    return ""


def login_attempt_username(request, credentials: dict | None) -> str:
    """The username axes counts failures under (AXES_USERNAME_CALLABLE): what was typed, cut to a username's
    length, so a 10,000-character username is one more failure, not a database error."""
    typed = (credentials or {}).get("username")
    if typed is None:
        typed = request.POST.get("username", "") if request is not None else ""
    return str(typed).replace("\x00", "")[:150]
