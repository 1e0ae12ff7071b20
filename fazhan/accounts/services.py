import datetime
from collections.abc import Callable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fazhan.accounts.models import ADMIN_ROLES, DISTRICT_ORG_KINDS, Role, RoleAssignment, User
from fazhan.accounts.passwords import password_generate
from fazhan.accounts.selectors import (
    assignments_in_force,
    user_admin_roles,
    user_is_secadmin,
    user_is_sysadmin,
)
from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import Org

ERR_NOT_SYSADMIN = "只有系统管理员可以管理账号。"
ERR_NOT_SECADMIN = "只有安全管理员可以授予、批准或终止角色。"
ERR_SELF_GRANT = "不能给自己授予角色。"
ERR_SELF_APPROVE = "授予人和被授予人不能批准这项授权，须由另一名安全管理员批准。"
ERR_ADMIN_AND_CASE = "管理员账号不能兼任业务角色，业务账号也不能兼任管理员角色。"
ERR_TWO_ADMIN_ROLES = "系统管理员、安全管理员、审计管理员须由不同账号担任。"
ERR_ENDS_IN_PAST = "终止日期不能早于今天。"
ERR_NOT_PENDING = "这项授权不在待批准状态。"
ERR_UNKNOWN_ROLE = "没有这个角色。"
ERR_RESET_OWN = "不能重置自己的密码，请在“修改密码”页面修改。"
ERR_RESET_ADMIN = "系统管理员不能重置安全管理员或审计管理员的密码，须由本机操作员用 fazhan passwd 重置。"
ERR_RESET_INACTIVE = "该账号已停用，不能重置密码。"
ERR_SAME_AS_TEMPORARY = "新密码不能与临时密码相同。"


def _forget_assignments(user: User) -> None:
    user.__dict__.pop("_fazhan_assignments", None)


def _require_sysadmin(actor) -> None:
    """An account change made by a person is the system administrator's; actor=None is the operator at the
    command line (fazhan adduser, fazhan demo), who owns the machine."""
    if actor is not None and not user_is_sysadmin(actor):
        raise PermissionDenied(ERR_NOT_SYSADMIN)


def _require_secadmin(actor) -> None:
    if actor is not None and not user_is_secadmin(actor):
        raise PermissionDenied(ERR_NOT_SECADMIN)


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
    is_admin: bool = False,
    second_factor_exempt: bool = False,
) -> User:
    """A login, made by the system administrator (or the operator: actor=None). It holds no role until a
    security administrator grants one. Its password must pass the policy in force. `is_admin` opens the
    Django admin to it (for one of the three administrators' roles; never superuser, so every admin page
    asks its roles). `second_factor_exempt` is for the demo's logins and the test suite's world only (a
    login of a 2FA role that need not enrol); the trail says so."""
    _require_sysadmin(actor)
    user = User(
        username=username,
        full_name=full_name,
        person=person,
        is_staff=is_admin,
        is_superuser=False,
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
    and the start of a new period of MLPS's periodic change. It ends a temporary password's hold (the
    user chose their own; it may not be the temporary one again)."""
    _password_errors(password, user)
    if user.password_must_change and user.check_password(password):
        raise ValidationError({"password": [ERR_SAME_AS_TEMPORARY]})
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.password_must_change = False
    user.save(update_fields=["password", "password_changed_at", "password_must_change"])
    audit_record(actor=actor, action="password.change", target=user, data={"username": user.username})
    return user


def _user_sessions_end(user: User) -> int:
    """Every live session of `user` is deleted (the database sessions backend), so a browser still logged
    in with the old password is logged out at its next request. Returns how many ended."""
    from django.contrib.sessions.models import Session

    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def user_password_reset(*, actor, user: User, password: str | None = None) -> str:
    """A temporary password for `user`, who must change it at their next login (password_must_change: no
    page but 修改密码 opens before). By the system administrator (never for themselves, nor for the
    security or audit administrator, who is reset by the operator) or the operator at the command line
    (actor=None: fazhan passwd). The temporary password is generated unless the operator gives one
    (`password`, which the policy judges); it is returned once and never stored in clear or in the trail.
    The user's sessions end and their API tokens are revoked; their roles and second factor stay as they
    were. In the trail as `password.reset`."""
    _require_sysadmin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None:
        if actor.pk == user.pk:
            raise ValidationError({"user": [ERR_RESET_OWN]})
        if user_admin_roles(user) - {Role.SYSADMIN}:
            raise PermissionDenied(ERR_RESET_ADMIN)
        if password is not None:
            raise PermissionDenied(ERR_NOT_SYSADMIN)  # a person never chooses another's password
    if not user.is_active:
        raise ValidationError({"user": [ERR_RESET_INACTIVE]})
    if password is None:
        password = password_generate(user)
    else:
        _password_errors(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.password_must_change = True
    user.save(update_fields=["password", "password_changed_at", "password_must_change"])
    sessions = _user_sessions_end(user)
    tokens = _user_tokens_revoke(actor=actor, user=user)
    audit_record(
        actor=actor,
        action="password.reset",
        target=user,
        data={"username": user.username, "sessions_ended": sessions, "tokens_revoked": tokens},
    )
    return password


# Credentials a user holds in an app above the ground (the API's tokens): that app registers how to revoke
# them (in its AppConfig.ready), so that a password reset ends them without accounts importing it.
CREDENTIAL_REVOKERS: list[Callable[..., int]] = []


def credential_revoker_register(revoke: Callable[..., int]) -> None:
    """`revoke(actor=, user=)` revokes every credential the user holds there and says how many."""
    if revoke not in CREDENTIAL_REVOKERS:
        CREDENTIAL_REVOKERS.append(revoke)


def _user_tokens_revoke(*, actor, user: User) -> int:
    return sum(revoke(actor=actor, user=user) for revoke in CREDENTIAL_REVOKERS)


@transaction.atomic
def user_update(*, actor, user: User, full_name: str, is_active: bool) -> User:
    """The system administrator renames a login or closes it (a closed login holds no role in force)."""
    _require_sysadmin(actor)
    if actor is not None and actor.pk == user.pk and not is_active:
        raise ValidationError({"is_active": ["不能停用自己的账号。"]})
    before = {"full_name": user.full_name, "is_active": user.is_active}
    user.full_name, user.is_active = full_name, is_active
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "is_active"])
    _forget_assignments(user)
    after = {"full_name": full_name, "is_active": is_active}
    changed = {k: after[k] for k in after if after[k] != before[k]}
    audit_record(actor=actor, action="user.update", target=user, data={"username": user.username, **changed})
    return user


def _role_check_combination(*, user: User, role: str) -> None:
    """Administrators hold no case role, and the three administrators are three logins (三员分立)."""
    held = set(assignments_in_force().filter(user=user).values_list("role", flat=True))
    held |= set(RoleAssignment.objects.filter(user=user, pending=True).values_list("role", flat=True))
    held.discard(role)
    if role in ADMIN_ROLES:
        if held - ADMIN_ROLES:
            raise ValidationError({"role": [ERR_ADMIN_AND_CASE]})
        if held & ADMIN_ROLES:
            raise ValidationError({"role": [ERR_TWO_ADMIN_ROLES]})
    elif held & ADMIN_ROLES:
        raise ValidationError({"role": [ERR_ADMIN_AND_CASE]})


@transaction.atomic
def role_grant(
    *, actor, user: User, role: str, org: Org, ends_on: datetime.date | None = None
) -> RoleAssignment:
    """A security administrator grants `user` a role on `org` until `ends_on` (open-ended when None).

    Nobody grants a role to themselves. A grant on a district org by a person is pending until another
    security administrator approves it (role_approve); the operator at the command line (actor=None: fazhan
    adduser, fazhan demo) grants at once. A grant of a role the user held before, ended or pending, renews
    that assignment."""
    _require_secadmin(actor)
    if role not in Role.values:
        raise ValidationError({"role": [ERR_UNKNOWN_ROLE]})
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"user": [ERR_SELF_GRANT]})
    if ends_on is not None and ends_on < timezone.localdate():
        raise ValidationError({"ends_on": [ERR_ENDS_IN_PAST]})
    _role_check_combination(user=user, role=role)
    pending = actor is not None and org.kind in DISTRICT_ORG_KINDS
    assignment = RoleAssignment.objects.select_for_update().filter(user=user, role=role, org=org).first()
    if assignment is not None and not assignment.pending and assignment.ends_on == ends_on:
        return assignment
    if assignment is None:
        assignment = RoleAssignment(user=user, role=role, org=org)
    assignment.ends_on = ends_on
    assignment.pending = pending
    assignment.granted_by = actor if actor is not None else None
    assignment.approved_by = None
    assignment.save()
    _forget_assignments(user)
    data: dict[str, object] = {"user": user.username, "role": role, "org": org.code}
    if ends_on is not None:
        data["ends_on"] = ends_on.isoformat()
    if pending:
        data["pending"] = True
    audit_record(actor=actor, action="role.grant", target=assignment, org=org, data=data)
    return assignment


role_assign = role_grant  # the name the setup code (demo, adduser, tests' world) has always called


@transaction.atomic
def role_approve(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    """A second security administrator, neither the grantor nor the grantee, puts a pending grant in force."""
    if not user_is_secadmin(actor):
        raise PermissionDenied(ERR_NOT_SECADMIN)
    assignment = (
        RoleAssignment.objects.select_for_update().select_related("user", "org").get(pk=assignment.pk)
    )
    if not assignment.pending:
        raise ValidationError({"pending": [ERR_NOT_PENDING]})
    if actor.pk in (assignment.granted_by_id, assignment.user_id):
        raise ValidationError({"approved_by": [ERR_SELF_APPROVE]})
    _role_check_combination(user=assignment.user, role=assignment.role)
    assignment.pending = False
    assignment.approved_by = actor
    assignment.save(update_fields=["pending", "approved_by"])
    _forget_assignments(assignment.user)
    audit_record(
        actor=actor,
        action="role.approve",
        target=assignment,
        org=assignment.org,
        data={"user": assignment.user.username, "role": assignment.role, "org": assignment.org.code},
    )
    return assignment


@transaction.atomic
def role_end(*, actor, assignment: RoleAssignment, on: datetime.date | None = None) -> RoleAssignment:
    """The role applies through `on` (default: yesterday, so it ends now) and no longer after it."""
    _require_secadmin(actor)
    if actor is not None and actor.pk == assignment.user_id:
        raise ValidationError({"user": [ERR_SELF_GRANT]})
    return _role_end(actor=actor, assignment=assignment, on=on, why="role.end")


def _role_end(*, actor, assignment: RoleAssignment, on: datetime.date | None, why: str) -> RoleAssignment:
    on = on or timezone.localdate() - datetime.timedelta(days=1)
    if assignment.ends_on is not None and assignment.ends_on <= on:
        return assignment
    assignment.ends_on = on
    assignment.save(update_fields=["ends_on"])
    _forget_assignments(assignment.user)
    audit_record(
        actor=actor,
        action=why,
        target=assignment,
        org=assignment.org,
        data={"user": assignment.user.username, "role": assignment.role, "ends_on": on.isoformat()},
    )
    return assignment


def officers_end_by_term_change(*, actor, org: Org, last_day: datetime.date) -> int:
    """organizations.services.org_term_change's hook (registered by AccountsConfig.ready): every role on the
    org but the administrators' ends on `last_day`, inside the 换届's transaction. Returns how many ended."""
    ended = 0
    for assignment in (
        RoleAssignment.objects.filter(org=org).exclude(role__in=ADMIN_ROLES).select_related("user")
    ):
        if assignment.ends_on is None or assignment.ends_on > last_day:
            _role_end(actor=actor, assignment=assignment, on=last_day, why="role.end_by_term_change")
            ended += 1
    return ended


def _typed_username(credentials: dict | None) -> str:
    return str((credentials or {}).get("username") or "").replace("\x00", "")[:150]


def login_record(*, user: User, ip_address: str | None) -> None:
    """A login that succeeded (Django's user_logged_in)."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="login.ok",
            target=user,
            data={"username": user.username, "ip": ip_address or ""},
        )


def logout_record(*, user, ip_address: str | None) -> None:
    """A logout (Django's user_logged_out; `user` is None when the session had already ended)."""
    if user is None or not getattr(user, "pk", None):
        return
    with transaction.atomic():
        audit_record(
            actor=user, action="logout", target=user, data={"username": user.username, "ip": ip_address or ""}
        )


def login_failed_record(*, credentials: dict | None, ip_address: str | None) -> None:
    """A failed login (Django's user_login_failed): the username tried, never the password."""
    username = _typed_username(credentials)
    user = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login.failed",
            target=user,
            data={"username": username, "ip": ip_address or ""},
        )


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
