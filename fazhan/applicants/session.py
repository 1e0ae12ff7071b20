"""The applicant's own sign-in: a signed cookie (django.core.signing) that names the applicant and the epoch
it was issued in, scoped to the applicants' public pages. It is no Django session and no staff login: the
applicant's pages read only this cookie, never request.user, so a staff user signed in on the same browser is
nobody here, and an applicant's cookie opens no intranet page. It lasts FAZHAN_APPLICANT_SESSION_MINUTES
after the last request (each page renews it); signing out moves the applicant's epoch on, ending it."""

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from fazhan.applicants.models import Applicant

COOKIE = "fazhan_applicant"
SALT = "fazhan.applicants.session"


def cookie_path() -> str:
    return settings.FAZHAN_PUBLIC_PREFIX + "apply/"


def applicant_session_get(request: HttpRequest) -> Applicant | None:
    value = request.COOKIES.get(COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=settings.FAZHAN_APPLICANT_SESSION_MINUTES * 60)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    pk, epoch = data.get("a"), data.get("e")
    if not isinstance(pk, int):
        return None
    applicant = Applicant.objects.select_related("org").filter(pk=pk).first()
    if applicant is None or applicant.epoch != epoch:
        return None
    return applicant


def applicant_session_set(response: HttpResponse, applicant: Applicant) -> None:
    value = signing.dumps({"a": applicant.pk, "e": applicant.epoch}, salt=SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=settings.FAZHAN_APPLICANT_SESSION_MINUTES * 60,
        path=cookie_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def applicant_session_clear(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, path=cookie_path(), samesite="Lax")
