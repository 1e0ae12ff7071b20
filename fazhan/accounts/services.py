from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fazhan.accounts.models import RoleAssignment, User
from fazhan.auditlog.services import audit_record


def _password_errors(password: str, user: User) -> None:
    """The policy in force (settings.AUTH_PASSWORD_VALIDATORS), its refusal at the field `password`."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    full_name: str = "",
    person=None,
    is_sysadmin: bool = False,
    second_factor_exempt: bool = False,
) -> User:
    """A login. Its password must pass the policy in force. `second_factor_exempt` is for the demo's logins
    and the test suite's world only (a login of a 2FA role that need not enrol); the trail says so."""
    user = User(
        username=username,
        full_name=full_name,
        person=person,
        is_staff=is_sysadmin,
        is_superuser=is_sysadmin,
        second_factor_exempt=second_factor_exempt,
    )
    user.full_clean(exclude=["password"])
    _password_errors(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    data: dict = {"username": username}
    if second_factor_exempt:
        data["second_factor_exempt"] = True
    audit_record(actor=actor, action="user.create", target=user, data=data)
    return user


@transaction.atomic
def user_password_change(*, actor, user: User, password: str) -> User:
    """A new password for `user` (by the user on the page 修改密码): checked against the policy in force,
    and the start of a new period of MLPS's periodic change."""
    _password_errors(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(actor=actor, action="password.change", target=user, data={"username": user.username})
    return user


@transaction.atomic
def role_assign(*, actor, user: User, role: str, org) -> RoleAssignment:
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit_record(
            actor=actor,
            action="role.assign",
            target=assignment,
            org=org,
            data={"user": user.username, "role": role},
        )
    return assignment


def login_lockout_record(*, username: str, ip_address: str | None) -> None:
    """A login refused because its username and address failed too often: audited, named by what was typed."""
    username = (username or "").replace("\x00", "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login.locked_out",
            target=user,
            data={"username": username, "ip": ip_address or ""},
        )


@transaction.atomic
def otp_device_start(*, actor, user: User) -> TOTPDevice:
    """The authenticator being enrolled: an unconfirmed TOTP device with a fresh secret, kept until a code
    from it confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("身份验证器")), confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, actor, device: TOTPDevice, token: str) -> bool:
    """A correct code from the new authenticator confirms it and replaces any earlier one."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    audit_record(actor=actor, action="otp.enrol", target=device.user, data={"username": device.user.username})
    return True


@transaction.atomic
def otp_check(*, actor, user: User, token: str) -> TOTPDevice | None:
    """The device whose code matches `token`, or None (the failure is audited; django-otp throttles)."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    audit_record(actor=actor, action="otp.failed", target=user, data={"username": user.username})
    return None
