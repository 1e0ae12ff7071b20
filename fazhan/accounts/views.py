import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login

from fazhan.accounts.forms import TokenForm
from fazhan.accounts.passwords import password_expired, password_max_age
from fazhan.accounts.security import second_factor_due
from fazhan.accounts.services import (
    login_lockout_record,
    otp_check,
    otp_device_confirm,
    otp_device_start,
    user_password_change,
)

_WRONG_CODE = _("验证码不正确或已过期，请重新输入；连续输错后须稍候片刻再试。")


def login_locked_out(request, original_response=None, credentials=None):
    """Axes' answer to a locked-out username and address (AXES_LOCKOUT_CALLABLE): the login page again,
    with the reason in Chinese, and the refusal in the trail."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    login_lockout_record(username=username, ip_address=getattr(request, "axes_ip_address", None))
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
    return render(
        request,
        "accounts/login.html",
        {"form": AuthenticationForm(request), "locked_out": True, "cooloff_minutes": minutes},
        status=429,  # Too Many Requests, as axes answers itself
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def otp_verify(request):
    """The code from the user's authenticator, asked once per session after the password."""
    if second_factor_due(request.user) != "verify":
        return HttpResponseRedirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp_check(actor=request.user, user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _WRONG_CODE)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


def otp_enrol(request):
    """Enrol an authenticator app: its QR code, the otpauth URI and the secret, then one code to confirm."""
    if second_factor_due(request.user) == "verify":
        # Replacing an authenticator takes the code of the present one: a password alone enrols nothing.
        return HttpResponseRedirect(reverse("accounts:otp_verify"))
    device = otp_device_start(actor=request.user, user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp_device_confirm(actor=request.user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            return render(request, "accounts/otp_enrolled.html")
        form.add_error("token", _WRONG_CODE)
    uri = device.config_url
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "uri": uri,
            "secret": base64.b32encode(device.bin_key).decode(),
            "qr_svg": mark_safe(segno.make(uri, error="m").svg_inline(scale=5)),  # segno's own SVG of our URI
            "forced": second_factor_due(request.user) == "enrol",
        },
    )


def password_change(request):
    """修改密码: the present password, then the new one twice, judged by the policy in force; an expired
    password (MLPS's periodic change) leads here before any other page."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_password_change(
                actor=request.user, user=request.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc.message_dict.get("password") or exc.messages)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return HttpResponseRedirect(_next_url(request))
    max_age = password_max_age()
    context = {
        "form": form,
        "next": _next_url(request),
        "expired": password_expired(request.user) and not request.user.password_must_change,
        "temporary": request.user.password_must_change,
        "max_age_days": max_age.days if max_age else None,
    }
    return render(request, "accounts/password_change.html", context)
