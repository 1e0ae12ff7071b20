"""Reads of the API app: who a token belongs to, a user's own tokens, and the scoped reads the procedure app
has no selector for yet (cases and step records by the user's subtrees)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fazhan.accounts.selectors import user_scope_q
from fazhan.api.models import ApiToken
from fazhan.api.services import token_digest
from fazhan.procedure.models import Case, StepRecord


def apitoken_active_for_key(raw: str) -> ApiToken | None:
    """The live token behind `raw`, or None (unknown, revoked, expired, or its user deactivated)."""
    return (
        ApiToken.objects.filter(
            key_hash=token_digest(raw),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .select_related("user")
        .first()
    )


def apitoken_list_for_user(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def apitoken_get_for_user(user, pk: int) -> ApiToken:
    """A user reaches only their own tokens: anyone else's is 404."""
    return get_object_or_404(apitoken_list_for_user(user).select_related("user"), pk=pk)


def case_list_for_user(user) -> QuerySet[Case]:
    return Case.objects.filter(user_scope_q(user, "person__org__path")).select_related("person__org")


def steprecord_list_for_user(user) -> QuerySet[StepRecord]:
    return StepRecord.objects.filter(user_scope_q(user, "case__person__org__path"))


def steprecord_get_for_user(user, pk: int) -> StepRecord:
    """The one way to fetch a step record: 404 outside the user's subtrees."""
    return get_object_or_404(
        steprecord_list_for_user(user).select_related("case__person__org", "recorded_by", "superseded_by"),
        pk=pk,
    )
