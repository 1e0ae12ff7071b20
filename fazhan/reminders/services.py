"""The writers of this wing: a user's choice of reminders, and the daily send."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from fazhan.accounts.models import User
from fazhan.auditlog.services import audit_record
from fazhan.reminders.channels import Channel, ChannelFailed, configured_channels
from fazhan.reminders.models import (
    ACTION_FAILED,
    ACTION_PREFERENCE,
    ACTION_SENT,
    ReminderPreference,
    ReminderSend,
    SendStatus,
)
from fazhan.reminders.selectors import Digest, digest_for_user, preference_for, users_to_remind

# What became of one user's digest on one channel. Only SENT and FAILED are sends (and in the trail).
SENT, FAILED, ALREADY, WOULD = "sent", "failed", "already", "would"


@dataclass(frozen=True)
class Outcome:
    user: User
    channel: str
    items: int
    result: str
    error: str = ""
    digest: Digest | None = None  # what it holds (for --dry-run's listing)


def reminder_preference_set(*, actor: User, email_digest: bool, message_digest: bool) -> ReminderPreference:
    """A user sets their own reminders (no one sets another's: the page offers only one's own)."""
    with transaction.atomic():
        preference, _created = ReminderPreference.objects.select_for_update().get_or_create(user=actor)
        preference.email_digest = email_digest
        preference.message_digest = message_digest
        preference.updated_at = timezone.now()
        preference.save()
        audit_record(
            actor=actor,
            action=ACTION_PREFERENCE,
            target=actor,
            data={"email_digest": email_digest, "message_digest": message_digest},
        )
    return preference


def _claim(user: User, day: datetime.date, channel: str, items: int) -> ReminderSend | None:
    """Take the day's send for this user and channel: a new row, or a failed one tried again; None when it
    went out already (or another run is sending it)."""
    try:
        with transaction.atomic():
            return ReminderSend.objects.create(
                user=user, day=day, channel=channel, status=SendStatus.SENDING, items=items
            )
    except IntegrityError:
        pass
    taken = ReminderSend.objects.filter(user=user, day=day, channel=channel, status=SendStatus.FAILED).update(
        status=SendStatus.SENDING, items=items, at=timezone.now()
    )
    return ReminderSend.objects.get(user=user, day=day, channel=channel) if taken else None


def _send_one(channel: Channel, digest: Digest) -> Outcome:
    user, day = digest.user, digest.today
    claimed = _claim(user, day, channel.name, digest.count)
    if claimed is None:
        return Outcome(user, channel.name, digest.count, ALREADY)
    error, error_kind = "", ""
    try:
        attempts = channel.send(digest)
    except ChannelFailed as failure:
        attempts, error = failure.attempts, str(failure)
        error_kind = (failure.__cause__ and type(failure.__cause__).__name__) or "ChannelFailed"
    with transaction.atomic():
        claimed.status = SendStatus.FAILED if error else SendStatus.SENT
        claimed.attempts += attempts
        claimed.error = error[:500]
        claimed.at = timezone.now()
        claimed.save()
        # To whom (the event's target), how many, ok or not: never the address, never a person's name.
        data = {"channel": channel.name, "day": day.isoformat(), "items": digest.count, "attempts": attempts}
        if error:
            data["error"] = error_kind
        audit_record(actor=None, action=ACTION_FAILED if error else ACTION_SENT, target=user, data=data)
    return Outcome(user, channel.name, digest.count, FAILED if error else SENT, error)


def reminders_send(*, today: datetime.date, dry_run: bool = False) -> list[Outcome]:
    """Each active user's digest over each configured channel that reaches them, once a day. A user whose
    list is empty gets nothing; `dry_run` says what would go out and sends and records nothing."""
    channels = configured_channels()
    outcomes: list[Outcome] = []
    for user in users_to_remind():
        preference = preference_for(user)
        reaching = [c for c in channels if c.reaches(user, preference)]
        if not reaching:
            continue
        digest = digest_for_user(user, today=today)
        if not digest.count:
            continue
        for channel in reaching:
            if dry_run:
                done = ReminderSend.objects.filter(
                    user=user, day=today, channel=channel.name, status=SendStatus.SENT
                ).exists()
                outcomes.append(
                    Outcome(user, channel.name, digest.count, ALREADY if done else WOULD, digest=digest)
                )
            else:
                outcomes.append(_send_one(channel, digest))
    return outcomes
