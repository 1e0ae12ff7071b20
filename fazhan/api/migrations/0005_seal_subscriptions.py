# The trail seals webhook subscriptions from now on (ApiConfig.ready). Those made before carry no digest:
# they are sealed here, once, by one event (webhook.seal) — unless the database has no digest at all yet,
# when the baseline written after the migrations (auditlog.services.trail_baseline) seals them with the rest.

from django.db import migrations


def seal_subscriptions(apps, schema_editor):
    from fazhan.auditlog.services import audit_record, trail_needs_baseline

    pks = list(apps.get_model("api", "WebhookSubscription").objects.order_by("pk").values_list("pk", flat=True))
    if not pks or trail_needs_baseline():
        return
    audit_record(
        actor=None,
        action="webhook.seal",
        data={"subscriptions": len(pks)},
        seal=[("api.webhooksubscription", pk) for pk in pks],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_delivery_claim"),
        ("auditlog", "0006_trail_append_only_sqlite"),
    ]

    operations = [migrations.RunPython(seal_subscriptions, migrations.RunPython.noop)]
