"""Writers of the API app: issuing and revoking tokens, each with its audit event."""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.api.models import ApiToken
from fazhan.auditlog.services import audit_record

TOKEN_PREFIX = "fz_"
ERR_ALREADY_REVOKED = "该令牌已吊销。"


def token_digest(raw: str) -> str:
    """Tokens are 256 random bits: a plain SHA-256 makes the stored value useless to a thief."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def apitoken_create(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`: the record, and the token itself, which is never stored nor shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), key_hash=token_digest(raw), prefix=raw[:10])
    token.full_clean(exclude=["key_hash", "prefix"])
    token.save()
    audit_record(
        actor=actor,
        action="apitoken.create",
        target=token,
        data={"user": user.username, "prefix": token.prefix, "name": token.name},
    )
    return token, raw


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


# Marking a token used is a write; once an hour is enough to tell a live token from a forgotten one.
LAST_USED_GRAIN = datetime.timedelta(hours=1)


def apitoken_mark_used(*, token: ApiToken) -> None:
    """Bookkeeping, not a change of record: no audit event."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRAIN:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
