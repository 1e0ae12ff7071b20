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


def user_second_factor_required(user) -> bool:
    """Must the user enrol and use an authenticator? Every holder of a role of FAZHAN_2FA_ROLES, from the
    first login, unless created exempt (the demo's logins, the test suite's world:
    User.second_factor_exempt)."""
    return user_second_factor_roles(user) and not getattr(user, "second_factor_exempt", False)


def user_second_factor_given(user) -> bool:
    """Has the logged-in user given a code of their authenticator in this session (django-otp's
    OTPMiddleware sets is_verified on request.user)?"""
    return bool(getattr(user, "is_verified", lambda: False)())


def second_factor_due(user) -> str:
    """What the logged-in user owes before any page: "verify" (enrolled, code not yet given this session),
    "enrol" (a role of FAZHAN_2FA_ROLES and no authenticator yet) or "" (nothing). An exempt demo login that
    enrolled all the same is asked for its code like anyone."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if user_second_factor_given(user) or not user_second_factor_roles(user):
        return ""
    if user_has_device(user):
        return "verify"
    if user_second_factor_required(user):
        return "enrol"
    return ""


def second_factor_satisfied(user) -> bool:
    """May the user do what needs the second factor (create an API token)? Yes when their roles need none,
    when they gave their code in this session, or when they are an exempt demo login without a device."""
    if not user_second_factor_roles(user) or user_second_factor_given(user):
        return True
    return not user_second_factor_required(user) and not user_has_device(user)


def login_attempt_username(request, credentials: dict | None) -> str:
    """The username axes counts failures under (AXES_USERNAME_CALLABLE): what was typed, cut to a username's
    length, so a 10,000-character username is one more failure, not a database error."""
    typed = (credentials or {}).get("username")
    if typed is None:
        typed = request.POST.get("username", "") if request is not None else ""
    return str(typed).replace("\x00", "")[:150]
