from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "fazhan.api"
    label = "api"
    verbose_name = _("数据接口")

    def ready(self) -> None:
        from fazhan.accounts.services import credential_revoker_register
        from fazhan.api.models import WebhookSubscription
        from fazhan.api.services import apitoken_revoke_all
        from fazhan.api.webhooks import SEND_ERRAND, on_finding_events, on_step_written, webhooks_deliver
        from fazhan.auditlog.registry import trail_register
        from fazhan.inspection.services import finding_events_register
        from fazhan.jobs.runner import errand_register
        from fazhan.procedure.services import step_written_register

        credential_revoker_register(apitoken_revoke_all)
        # A subscription decides where the district's events go, signed with what: the trail seals it (its
        # secret too, as a digest), so one changed behind the application's back is reported. Its deliveries
        # are the sender's log, written by no one; a retry from the page is in the trail as webhook.retry.
        trail_register(
            WebhookSubscription,
            fields=("url", "secret", "events", "org", "name", "created_by", "created_at", "removed_at"),
            names={"url": "url", "org": "org__code"},
        )
        # The procedure and the inspection import no API: their writes reach the webhooks through their hooks.
        step_written_register("api.webhooks", on_step_written)
        finding_events_register("api.webhooks", on_finding_events)
        # The sending runs off the request, on the job queue or a thread (api.webhooks).
        errand_register(SEND_ERRAND, webhooks_deliver)
