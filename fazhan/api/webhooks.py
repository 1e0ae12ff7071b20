"""Event webhooks: a connected system subscribes to step and finding events of an org's subtree and gets each
as a signed POST, sent once the transaction that made the event has committed.

The procedure and the inspection import nothing of this: they hand their writes to the hooks they offer
(procedure.services.step_written_register, inspection.services.finding_events_register), which this module
registers in ApiConfig.ready(). Inside the writing transaction a hook only adds rows to the delivery log
(WebhookDelivery, pending) and launches the errand that sends them (jobs.runner.errand_launch, SEND_ERRAND):
under `fazhan serve` a task on the job queue, written in the same transaction, that `fazhan worker` runs;
under runserver and the tests a thread started after the commit. The request answers at once either way: a
slow receiver holds up the worker, never the clerk. Each try is recorded (status, attempts, the receiver's
answer or the error); nothing a receiver does — refusing, hanging past FAZHAN_WEBHOOK_TIMEOUT, being down —
reaches the step entry, and the sending catches every failure. A delivery still pending (its receiver failed,
or the worker died in the middle of sending it) is tried again before the next event of its subscription, by a
worker that starts after a dead one, by `fazhan daily` and `fazhan webhooks retry`, and from the 接口推送
page, until FAZHAN_WEBHOOK_ATTEMPTS tries (a 4xx answer is final at once).

The body is JSON (UTF-8, keys sorted); the headers: X-Fazhan-Event, X-Fazhan-Delivery (unique per delivery,
the same on every try: a receiver drops one it has seen), X-Fazhan-Timestamp (Unix seconds of this try) and
X-Fazhan-Signature: sha256=HMAC-SHA256(secret, body) — core.webhooks.signature, the reminders' signing.
The payload names records by their ids and codes, never a person's name or ID number.
"""

import datetime
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.api.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from fazhan.auditlog.services import audit_record
from fazhan.core.roles import user_is_sysadmin
from fazhan.core.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, retryable, signature
from fazhan.inspection.models import Finding, FindingEvent
from fazhan.jobs.runner import errand_launch
from fazhan.organizations.models import Org
from fazhan.procedure.models import StepRecord

log = logging.getLogger(__name__)

EVENT_HEADER = "X-Fazhan-Event"
TIMESTAMP_HEADER = "X-Fazhan-Timestamp"
PAYLOAD_VERSION = 1
# How a finding's history entry (FindingEvent.action) is told: opened, closed, or any other move.
FINDING_EVENT_OF = {"found": WebhookEvent.FINDING_OPENED, "closed": WebhookEvent.FINDING_CLOSED}
# Older pending deliveries of a subscription sent before a new one, at most, in one pass after a commit.
BACKLOG_PER_PASS = 50
# The name the sending is registered under with the job runner (ApiConfig.ready).
SEND_ERRAND = "webhooks.send"

ERR_ROLE = "只有系统管理员可以管理事件推送订阅。"
ERR_URL = "接收地址应为 http:// 或 https:// 开头的网址。"
ERR_EVENTS = "请选择要推送的事件：%(all)s。"
ERR_EVENT = "没有事件“%(e)s”；可选：%(all)s。"
ERR_SECRET = "签名密钥至少16个字符。"
ERR_REMOVED = "该订阅已删除。"
ERR_RETRY_DELIVERED = "该推送已送达，无需重试。"
ERR_RETRY_REMOVED = "该推送所属的订阅已删除，不能重试。"


def _require_sysadmin(actor) -> None:
    if actor is not None and not user_is_sysadmin(actor):
        raise PermissionDenied(_(ERR_ROLE))


def _events_checked(events: Iterable[str]) -> list[str]:
    every = "、".join(WebhookEvent.values)
    chosen = [e.strip() for e in events if e.strip()]
    if not chosen:
        raise ValidationError({"events": _(ERR_EVENTS) % {"all": every}})
    for e in chosen:
        if e not in WebhookEvent.values:
            raise ValidationError({"events": _(ERR_EVENT) % {"e": e, "all": every}})
    return [e for e in WebhookEvent.values if e in chosen]  # declared order, each once


@transaction.atomic
def webhook_add(
    *, actor, url: str, events: Iterable[str], org: Org, name: str = "", secret: str = ""
) -> WebhookSubscription:
    """A new subscription (the system administrator's, or the console's for actor None). Without a secret
    one is made: the caller shows it once, the receiver keeps it to verify the signature."""
    _require_sysadmin(actor)
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": _(ERR_URL)}) from None
    if secret and len(secret) < 16:
        raise ValidationError({"secret": _(ERR_SECRET)})
    subscription = WebhookSubscription.objects.create(
        url=url,
        secret=secret or secrets.token_urlsafe(32),
        events=_events_checked(events),
        org=org,
        name=name.strip()[:60],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="webhook.add",
        target=subscription,
        org=org,
        data={"url": url, "events": subscription.events, "name": subscription.name},
    )
    return subscription


@transaction.atomic
def webhook_remove(*, actor, subscription: WebhookSubscription) -> WebhookSubscription:
    """The subscription stops receiving; it stays, with its delivery log, marked removed."""
    _require_sysadmin(actor)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.removed_at is not None:
        raise ValidationError({"subscription": _(ERR_REMOVED)})
    subscription.removed_at = timezone.now()
    subscription.save(update_fields=["removed_at"])
    WebhookDelivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, error=_(ERR_REMOVED)
    )
    audit_record(actor=actor, action="webhook.remove", target=subscription, org=subscription.org, data={})
    return subscription


@transaction.atomic
def delivery_retry(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery that has not arrived once more, now (a failed one goes back to pending for one more
    try, its earlier tries kept in its count). Refused for one delivered, or of a removed subscription."""
    _require_sysadmin(actor)
    delivery = WebhookDelivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.DELIVERED:
        raise ValidationError({"delivery": _(ERR_RETRY_DELIVERED)})
    if delivery.subscription.removed_at is not None:
        raise ValidationError({"delivery": _(ERR_RETRY_REMOVED)})
    was = delivery.status
    if was == DeliveryStatus.FAILED:
        delivery.status = DeliveryStatus.PENDING
        delivery.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="webhook.retry",
        target=delivery,
        org=delivery.subscription.org,
        data={"subscription": delivery.subscription_id, "delivery": delivery.uid, "was": was},
    )
    errand_launch(SEND_ERRAND, [delivery.pk])
    return delivery


def webhook_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.select_related("org").order_by("id")


def delivery_list(subscription: WebhookSubscription | None = None) -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.select_related("subscription").order_by("-id")
    return qs.filter(subscription=subscription) if subscription is not None else qs


# --- events in: the hooks the procedure and the inspection call inside their transactions ---------------


def _subscribers(event: str, org_path: str) -> list[WebhookSubscription]:
    """The live subscriptions to `event` over the org at `org_path`."""
    return [
        s
        for s in WebhookSubscription.objects.filter(removed_at__isnull=True).select_related("org")
        if event in s.events and org_path.startswith(s.org.path)
    ]


def _enqueue(event: str, subscriptions: list[WebhookSubscription], payloads: list[dict[str, Any]]) -> None:
    """A pending delivery of each payload for each subscription, and the errand that sends them once the
    transaction commits."""
    if not payloads or not subscriptions:
        return
    now = timezone.now()
    made = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=s,
            uid=uuid.uuid4().hex,
            event=event,
            created_at=now,
            payload={"version": PAYLOAD_VERSION, "event": event, "occurred_at": now.isoformat(), "data": p},
        )
        for s in subscriptions
        for p in payloads
    )
    errand_launch(SEND_ERRAND, [d.pk for d in made])


def on_step_written(record: StepRecord) -> None:
    """step.recorded or step.corrected, with what a receiver needs to fetch the record from the API."""
    person = record.case.person
    event = WebhookEvent.STEP_CORRECTED if record.supersedes_id else WebhookEvent.STEP_RECORDED
    subscriptions = _subscribers(event, person.org.path)
    if not subscriptions:
        return  # the usual case: one query, nothing built
    data = {
        "record": record.pk,
        "case": record.case_id,
        "person": person.pid,
        "org": person.org.code,
        "step": record.step,
        "date": record.date.isoformat(),
        "supersedes": record.supersedes_id,
        "findings": sorted({f.rule for f in record.findings.all()}),
    }
    _enqueue(event, subscriptions, [data])


def on_finding_events(entries: list[FindingEvent]) -> None:
    """finding.opened, finding.moved or finding.closed for each new entry of a finding's history."""
    if not WebhookSubscription.objects.filter(removed_at__isnull=True).exists():
        return
    findings = {
        f.pk: f
        for f in Finding.objects.filter(pk__in=[e.finding_id for e in entries]).select_related(
            "org", "person"
        )
    }
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in entries:
        f = findings[entry.finding_id]
        event = FINDING_EVENT_OF.get(entry.action, WebhookEvent.FINDING_MOVED)
        data = {
            "finding": f.pk,
            "action": entry.action,
            "status": f.status,
            "rule": f.rule,
            "severity": f.severity,
            "org": f.org.code,
            "person": f.person.pid if f.person else None,
            "step": f.step or None,
            "record": f.record_id,
            "run": entry.run_id,
        }
        grouped.setdefault((event, f.org.path), []).append(data)
    for (name, path), payloads in grouped.items():
        _enqueue(name, _subscribers(name, path), payloads)


# --- sending ---------------------------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()


def _claim(delivery: WebhookDelivery) -> bool:
    """Take the delivery for one try, unless another sender holds it or has tried it since it was read. The
    claim lapses on its own well after the try's timeout, so a sender that died holds nothing for long."""
    now = timezone.now()
    until = now + datetime.timedelta(seconds=settings.FAZHAN_WEBHOOK_TIMEOUT * 2 + 10)
    free = Q(sending_until__isnull=True) | Q(sending_until__lt=now)
    return bool(
        WebhookDelivery.objects.filter(free, pk=delivery.pk, status=DeliveryStatus.PENDING)
        .filter(attempts=delivery.attempts)
        .update(sending_until=until)
    )


def _send(delivery: WebhookDelivery) -> bool | None:
    """One try, recorded on the delivery: True when the receiver answered 2xx, None when another sender has
    the delivery (nothing tried here)."""
    if not _claim(delivery):
        return None
    body = delivery_body(delivery)
    subscription = delivery.subscription
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: delivery.uid,
        TIMESTAMP_HEADER: str(int(time.time())),
        SIGNATURE_HEADER: signature(body, subscription.secret),
    }
    request = urllib.request.Request(subscription.url, data=body, headers=headers, method="POST")
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    ok = False
    try:
        with urllib.request.urlopen(request, timeout=settings.FAZHAN_WEBHOOK_TIMEOUT) as answer:
            delivery.response_status, delivery.error = answer.status, ""
            ok = True
    except Exception as error:  # whatever the receiver does, the log says it
        delivery.response_status = error.code if isinstance(error, urllib.error.HTTPError) else None
        delivery.error = f"{type(error).__name__}: {error}"[:300]
        final = not retryable(error) or delivery.attempts >= settings.FAZHAN_WEBHOOK_ATTEMPTS
        delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
    if ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
    delivery.sending_until = None
    delivery.save(
        update_fields=[
            *("attempts", "last_attempt_at", "response_status", "error", "status", "delivered_at"),
            "sending_until",
        ]
    )
    return ok


def webhooks_deliver(ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Send pending deliveries: those of `ids` with, first, the older pending ones of their subscriptions
    (every pending one for None: `fazhan webhooks retry`), oldest first. A subscription whose receiver fails
    gets no more tries in this pass. Returns (delivered, not delivered). Never raises."""
    try:
        pending = WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, subscription__removed_at__isnull=True
        ).select_related("subscription")
        if ids is not None:
            ids = list(ids)
            subscriptions = set(
                WebhookDelivery.objects.filter(pk__in=ids).values_list("subscription_id", flat=True)
            )
            pending = pending.filter(subscription_id__in=subscriptions, pk__lte=max(ids, default=0))
        by_subscription: dict[int, list[WebhookDelivery]] = {}
        for d in pending.order_by("id"):
            by_subscription.setdefault(d.subscription_id, []).append(d)
        sent = failed = 0
        for deliveries in by_subscription.values():
            if ids is not None and len(deliveries) > BACKLOG_PER_PASS:
                wanted = set(ids)
                deliveries = [d for d in deliveries if d.pk in wanted] or deliveries[:BACKLOG_PER_PASS]
            for d in deliveries:
                ok = _send(d)
                if ok:
                    sent += 1
                elif ok is False:
                    failed += 1
                    break
        return sent, failed
    except Exception:  # after the commit nothing may break the write behind it
        log.exception("webhook delivery failed")
        return 0, 0
