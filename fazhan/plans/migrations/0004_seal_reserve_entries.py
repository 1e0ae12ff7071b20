# The trail seals these rows from now on (the plans app's ready() registers them). Rows a
# database held before carry no digest: they are sealed here, once, by one event (plans.seal),
# unless the database has no digest at all yet, when the baseline written after the migrations
# (auditlog.services.trail_baseline) seals them with the rest.

from django.db import migrations

MODELS = ("reserveentry",)


def seal_rows(apps, schema_editor):
    from fazhan.auditlog.services import trail_seal_existing

    trail_seal_existing(apps, "plans", MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_seal_rows"),
        ("auditlog", "0006_trail_append_only_sqlite"),
    ]

    operations = [migrations.RunPython(seal_rows, migrations.RunPython.noop)]
