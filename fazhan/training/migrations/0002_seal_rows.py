# The trail seals these rows from now on (the training app's ready() registers them). Rows a
# database held before carry no digest: they are sealed here, once, by one event (training.seal),
# unless the database has no digest at all yet, when the baseline written after the migrations
# (auditlog.services.trail_baseline) seals them with the rest.

from django.db import migrations

MODELS = ("trainingsession",)


def seal_rows(apps, schema_editor):
    from fazhan.auditlog.services import audit_record, trail_needs_baseline

    rows = [
        (f"training.{name}", pk)
        for name in MODELS
        for pk in apps.get_model("training", name).objects.order_by("pk").values_list("pk", flat=True)
    ]
    if not rows or trail_needs_baseline():
        return
    audit_record(
        actor=None,
        action="training.seal",
        data={name: sum(1 for label, _ in rows if label == f"training.{name}") for name in MODELS},
        seal=rows,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("auditlog", "0006_trail_append_only_sqlite"),
    ]

    operations = [migrations.RunPython(seal_rows, migrations.RunPython.noop)]
