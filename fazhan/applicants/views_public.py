"""The applicant's own pages (issue 15, item 7), under settings.FAZHAN_PUBLIC_PREFIX + "apply/": the code,
registration, sign-in, and the applicant's record with the submission form. No staff login is read here:
who the applicant is comes from their own signed cookie alone (applicants.session)."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fazhan.applicants.forms import CodeForm, RegisterForm, SignInForm, SubmitForm
from fazhan.applicants.selectors import applicant_own_record
from fazhan.applicants.services import (
    PHOTO_MAX_BYTES,
    applicant_register,
    applicant_sign_in,
    applicant_sign_out,
    code_display,
    code_find,
    code_normalize,
    submission_submit,
)
from fazhan.applicants.session import applicant_session_clear, applicant_session_get, applicant_session_set
from fazhan.core.forms import form_to_service
from fazhan.core.http import client_address


def _address(request) -> str:
    return client_address(request)  # behind the proxy, the address it saw (FAZHAN_PROXY_COUNT)


def _posted(request):
    """The form's data on a POST, even an empty one (it shows what is required); unbound on a GET."""
    return request.POST if request.method == "POST" else None


def _page(request, template: str, context: dict, *, failed: bool = False):
    return render(request, f"applicants/{template}", context, status=400 if failed else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def start(request):
    """Typing the code from the slip (the QR code opens the registration directly)."""
    form = CodeForm(_posted(request))
    if request.method == "POST" and form_to_service(
        form, lambda d: code_find(code=d["code"], address=_address(request))
    ):
        return redirect("applicants_public:register", code=code_normalize(form.cleaned_data["code"]))
    return _page(request, "start.html", {"form": form}, failed=bool(form.errors))


@never_cache
@require_http_methods(["GET", "POST"])
def register(request, code: str):
    code_form = CodeForm({"code": code})
    invite = form_to_service(code_form, lambda d: code_find(code=d["code"], address=_address(request)))
    if invite is None:
        return _page(request, "start.html", {"form": code_form}, failed=True)
    form = RegisterForm(_posted(request))

    def submit(data):
        return applicant_register(
            code=code,
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            ethnicity=data["ethnicity"],
            education=data["education"],
            occupation=data["occupation"],
            pin=data["pin"],
            pin_again=data["pin_again"],
            honeypot=data["website"],
            address=_address(request),
        )

    if request.method == "POST" and (applicant := form_to_service(form, submit)):
        response = redirect("applicants_public:me")
        applicant_session_set(response, applicant)
        return response
    context = {"form": form, "org": invite.org, "code": code_display(code)}
    return _page(request, "register.html", context, failed=bool(form.errors))


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(_posted(request))
    if request.method == "POST" and (
        applicant := form_to_service(
            form,
            lambda d: applicant_sign_in(id_number=d["id_number"], pin=d["pin"], address=_address(request)),
        )
    ):
        response = redirect("applicants_public:me")
        applicant_session_set(response, applicant)
        return response
    return _page(request, "sign_in.html", {"form": form}, failed=bool(form.errors))


@never_cache
@require_http_methods(["GET", "POST"])
def me(request):
    """The applicant's record: their submissions, their steps and what is next; the form while they may
    submit."""
    applicant = applicant_session_get(request)
    if applicant is None:
        return redirect("applicants_public:sign_in")
    form = SubmitForm(_posted(request), request.FILES if request.method == "POST" else None)

    def submit(data):
        photo = data["photo"].read(PHOTO_MAX_BYTES + 1)
        return submission_submit(applicant=applicant, text=data["text"], photo=photo)

    if request.method == "POST" and form_to_service(form, submit):
        response = redirect(request.path + "?sent=1")
    else:
        record = applicant_own_record(applicant, today=timezone.localdate())
        context = {
            "applicant": applicant,
            "record": record,
            "form": form,
            "sent": request.GET.get("sent") == "1" and request.method == "GET",
            "minutes": settings.FAZHAN_APPLICANT_SESSION_MINUTES,
        }
        response = _page(request, "me.html", context, failed=bool(form.errors))
    applicant_session_set(response, applicant)  # renewed at each request: the idle timeout
    return response


@require_POST
def sign_out(request):
    applicant = applicant_session_get(request)
    if applicant is not None:
        applicant_sign_out(applicant=applicant)
    response = redirect("applicants_public:sign_in")
    applicant_session_clear(response)
    return response
