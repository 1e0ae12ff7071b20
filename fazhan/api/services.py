"""Writers of the API app: issuing and revoking tokens, each with its audit event."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.security import (
    second_factor_satisfied,
    user_second_factor_given,
    user_second_factor_required,
)
from fazhan.accounts.services import otp_check
from fazhan.api.models import ApiToken
from fazhan.auditlog.services import audit_record

TOKEN_PREFIX = "fz_"
ERR_ALREADY_REVOKED = "该令牌已吊销。"
ERR_SECOND_FACTOR = "您的角色须先完成两步验证（输入身份验证器上的验证码）才能生成接口令牌。"


def token_digest(raw: str) -> str:
    """Tokens are 256 random bits: a plain SHA-256 makes the stored value useless to a thief."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _second_factor_given(*, actor, user, otp_code: str) -> bool:
    """Did the token's user give their second factor: in this session (the page, where the actor is the
    user), or as a code of their authenticator given now (the command)?"""
    if actor is not None and actor.pk == user.pk and user_second_factor_given(actor):
        return True
    return bool(otp_code) and otp_check(actor=actor, user=user, token=otp_code) is not None


def apitoken_create(
    *, actor, user, name: str = "", read_only: bool = False, otp_code: str = ""
) -> tuple[ApiToken, str]:
    """A new token for `user`: the record, and the token itself, which is never stored nor shown again. It
    expires after settings.FAZHAN_API_TOKEN_DAYS; `read_only` makes every write with it a 403. A user of a
    role of FAZHAN_2FA_ROLES gets one only after their second factor (refused at `otp_code`)."""
    given = _second_factor_given(actor=actor, user=user, otp_code=otp_code)  # a wrong code is audited
    if not given and not second_factor_satisfied(user):
        raise ValidationError({"otp_code": _(ERR_SECOND_FACTOR)})
    with transaction.atomic():
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user,
            name=name.strip(),
            key_hash=token_digest(raw),
            prefix=raw[:10],
            expires_at=timezone.now() + datetime.timedelta(days=settings.FAZHAN_API_TOKEN_DAYS),
            read_only=read_only,
            second_factor=given,
        )
        token.full_clean(exclude=["key_hash", "prefix"])
        token.save()
        audit_record(
            actor=actor,
            action="apitoken.create",
            target=token,
            data={
                "user": user.username,
                "prefix": token.prefix,
                "name": token.name,
                "read_only": read_only,
                "expires": timezone.localtime(token.expires_at).date().isoformat(),
                "second_factor": given,
            },
        )
    return token, raw


def apitoken_authenticates(token: ApiToken) -> bool:
    """A live token acts for its user only if it was made after their second factor, where their roles need
    one (a token made before they held such a role, or before 2FA was required, does not)."""
    return token.second_factor or not user_second_factor_required(token.user)


@transaction.atomic
def apitoken_revoke(*, actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError({"token": _(ERR_ALREADY_REVOKED)})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="apitoken.revoke",
        target=token,
        data={"user": token.user.username, "prefix": token.prefix},
    )
    return token


def apitoken_revoke_all(*, actor, user) -> int:
    """Revoke every live token of a user (a password reset ends them: credential_revoker_register)."""
    revoked = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        apitoken_revoke(actor=actor, token=token)
        revoked += 1
    return revoked


# Marking a token used is a write; once an hour is enough to tell a live token from a forgotten one.
LAST_USED_GRAIN = datetime.timedelta(hours=1)


def apitoken_mark_used(*, token: ApiToken) -> None:
    """Bookkeeping, not a change of record: no audit event."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRAIN:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
