"""`fazhan webhooks`: the event subscriptions of connected systems, from the console (the server's operator:
the system administrator's work), through the same services as everything else, each change in the trail.

    fazhan webhooks add URL --events step.recorded,finding.opened [--org CODE] [--name 用途] [--secret S]
    fazhan webhooks list
    fazhan webhooks remove ID
    fazhan webhooks log [ID]          the latest deliveries (of subscription ID), their status and tries
    fazhan webhooks retry             send every pending delivery now
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from fazhan.api.models import WebhookEvent, WebhookSubscription
from fazhan.api.webhooks import delivery_list, webhook_add, webhook_list, webhook_remove, webhooks_deliver
from fazhan.organizations.models import Org


def _refused(error: ValidationError | PermissionDenied) -> CommandError:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        text = "; ".join(f"{f}: {m}" for f, ms in error.message_dict.items() for m in ms)
    else:
        text = "; ".join(getattr(error, "messages", [str(error)]))
    return CommandError(text)


class Command(BaseCommand):
    help = "Event webhooks for connected systems: add, list, remove, log, retry."

    def add_arguments(self, parser):
        parts = parser.add_subparsers(dest="part", required=True)
        add = parts.add_parser("add", help="subscribe a URL to events (the secret is printed once)")
        add.add_argument("url")
        add.add_argument("--events", required=True, help="comma-separated: " + ",".join(WebhookEvent.values))
        add.add_argument("--org", help="the subtree whose events are sent (default: the whole tree)")
        add.add_argument("--name", default="", help="what it is for")
        add.add_argument("--secret", default="", help="the shared secret (made for you when not given)")
        parts.add_parser("list", help="the subscriptions")
        remove = parts.add_parser("remove", help="stop a subscription (its log stays)")
        remove.add_argument("id", type=int)
        log = parts.add_parser("log", help="the latest deliveries")
        log.add_argument("id", type=int, nargs="?")
        log.add_argument("--limit", type=int, default=20)
        parts.add_parser("retry", help="send the pending deliveries now")

    def handle(self, *args, part, **options):
        try:
            getattr(self, f"_{part}")(**options)
        except (ValidationError, PermissionDenied) as error:
            raise _refused(error) from None

    def _subscription(self, pk: int) -> WebhookSubscription:
        found = WebhookSubscription.objects.filter(pk=pk).first()
        if found is None:
            raise CommandError(f"no subscription {pk}")
        return found

    def _add(self, *, url, events, org, name, secret, **_):
        if org:
            scope = Org.objects.filter(code=org).first()
            if scope is None:
                raise CommandError(f"--org: no org with code {org}")
        else:
            scope = Org.objects.filter(parent__isnull=True).order_by("path").first()
            if scope is None:
                raise CommandError("there is no org yet")
        made = webhook_add(actor=None, url=url, events=events.split(","), org=scope, name=name, secret=secret)
        self.stdout.write(f"subscription {made.pk}: {made.url} ({', '.join(made.events)}) under {scope.code}")
        if not secret:
            self.stdout.write(f"secret (shown once): {made.secret}")

    def _list(self, **_):
        for s in webhook_list():
            state = f"removed {localtime(s.removed_at):%Y-%m-%d}" if s.removed_at else "active"
            events = ",".join(s.events)
            self.stdout.write(f"{s.pk}  {state}  {s.org.code}  {s.url}  {events}  {s.name}")

    def _remove(self, *, id, **_):
        webhook_remove(actor=None, subscription=self._subscription(id))
        self.stdout.write(f"subscription {id} removed")

    def _log(self, *, id, limit, **_):
        deliveries = delivery_list(self._subscription(id) if id else None)[: max(1, limit)]
        for d in deliveries:
            answer = d.response_status or "-"
            self.stdout.write(
                f"{d.pk}  {d.subscription_id}  {d.event}  {d.status}  tries {d.attempts}  answer {answer}  "
                f"{localtime(d.created_at):%Y-%m-%d %H:%M:%S}  {d.uid}  {d.error}"
            )

    def _retry(self, **_):
        sent, failed = webhooks_deliver(None)
        self.stdout.write(f"delivered {sent}, failed {failed}")
