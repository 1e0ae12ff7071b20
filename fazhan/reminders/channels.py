"""The ways a digest reaches its user: e-mail (Django's mail, SMTP from the environment) and a signed webhook
for the province's messaging (企业微信 or an SMS gateway: docs/reminders.md describes the payload). Which
ones run is settings.FAZHAN_REMINDER_CHANNELS; another wing may register its own with channel_register."""

import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from fazhan.accounts.models import User
from fazhan.accounts.selectors import user_assignments
from fazhan.core.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, retryable, signature
from fazhan.reminders.models import ReminderPreference
from fazhan.reminders.selectors import Digest

# The signing (and which failures to retry) is core.webhooks', one for every webhook Fazhan sends: the API's
# event subscriptions sign the same way.


class ChannelFailed(Exception):
    """The digest did not get through; `attempts` says how often it was tried."""

    def __init__(self, message: str, *, attempts: int = 1):
        super().__init__(message)
        self.attempts = attempts


class Channel(Protocol):
    name: str

    def reaches(self, user: User, preference: ReminderPreference) -> bool:
        """Whether this user is to get the digest this way (an address, and not opted out)."""
        ...

    def send(self, digest: Digest) -> int:
        """Send it; the number of attempts it took. Raises ChannelFailed."""
        ...


def digest_subject(digest: Digest) -> str:
    counts = "，".join(f"{title} {len(rows)} 项" for _g, title, rows in digest.groups)
    return f"【发展党员纪实】{digest.today.isoformat()} 待办提醒：{counts}"


class EmailChannel:
    name = "email"

    def reaches(self, user: User, preference: ReminderPreference) -> bool:
        return bool(user.email) and preference.email_digest

    def send(self, digest: Digest) -> int:
        context = {"digest": digest, "user": digest.user, "base_url": settings.FAZHAN_BASE_URL}
        message = EmailMultiAlternatives(
            subject=digest_subject(digest),
            body=render_to_string("reminders/digest.txt", context),
            to=[digest.user.email],
        )
        message.attach_alternative(render_to_string("reminders/digest.html", context), "text/html")
        try:
            message.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as error:
            raise ChannelFailed(f"{type(error).__name__}: {error}") from error
        return 1


def webhook_payload(digest: Digest) -> dict[str, Any]:
    """What the gateway gets: who, where, and the items with their links (no person's name: the message
    leaves the intranet, and the link leads back to the record behind the login)."""
    user = digest.user
    assignments = user_assignments(user)
    org = assignments[0].org if assignments else None
    return {
        "version": 1,
        "day": digest.today.isoformat(),
        "user": {"username": user.username, "name": user.get_full_name() or user.username},
        "org": {"code": org.code, "name": org.name} if org else None,
        "counts": {group: len(rows) for group, _t, rows in digest.groups},
        "items": [
            {
                "group": group,
                "group_title": title,
                "kind": row.kind,
                "label": row.label,
                "due": row.due.isoformat(),
                "state": row.state,
                "url": row.url,
            }
            for group, title, rows in digest.groups
            for row in rows
        ],
    }


class WebhookChannel:
    name = "webhook"

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep):
        self.sleep = sleep

    def reaches(self, user: User, preference: ReminderPreference) -> bool:
        return preference.message_digest

    def send(self, digest: Digest) -> int:
        url, secret = settings.FAZHAN_REMINDER_WEBHOOK_URL, settings.FAZHAN_REMINDER_WEBHOOK_SECRET
        if not url or not secret:
            raise ChannelFailed(
                "FAZHAN_REMINDER_WEBHOOK_URL 或 FAZHAN_REMINDER_WEBHOOK_SECRET 未设置", attempts=0
            )
        body = json.dumps(webhook_payload(digest), ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: signature(body, secret),
            DELIVERY_HEADER: f"{digest.today.isoformat()}-{digest.user.pk}",
        }
        attempts = max(1, settings.FAZHAN_REMINDER_WEBHOOK_ATTEMPTS)
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=settings.FAZHAN_REMINDER_WEBHOOK_TIMEOUT):
                    return attempt
            except (urllib.error.URLError, OSError) as error:
                if attempt == attempts or not retryable(error):
                    raise ChannelFailed(f"{type(error).__name__}: {error}", attempts=attempt) from error
                # back off: the base, then twice it, four times it…
                self.sleep(settings.FAZHAN_REMINDER_WEBHOOK_BACKOFF * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover


CHANNELS: dict[str, Channel] = {"email": EmailChannel(), "webhook": WebhookChannel()}


def channel_register(channel: Channel) -> None:
    """Another wing's channel (a district's own gateway): named in FAZHAN_REMINDER_CHANNELS to be used."""
    if channel.name in CHANNELS:
        raise ValueError(f"reminder channel {channel.name!r} is registered twice")
    CHANNELS[channel.name] = channel


def configured_channels() -> list[Channel]:
    return [CHANNELS[name] for name in settings.FAZHAN_REMINDER_CHANNELS]
