# On SQLite the trail's tables refuse UPDATE and DELETE too (auditlog.appendonly): triggers that RAISE(ABORT)
# unless the application's connection has allowed it (Django's flush only). PostgreSQL has its own (0005).

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from fazhan.auditlog.appendonly import sqlite_trigger_sql

        for statement in sqlite_trigger_sql():
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from fazhan.auditlog.appendonly import sqlite_drop_sql

        for statement in sqlite_drop_sql():
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("auditlog", "0005_trail_append_only"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
