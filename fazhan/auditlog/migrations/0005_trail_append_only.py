# On PostgreSQL the trail's tables refuse UPDATE and DELETE (issue 13, item 3): a trigger raises unless the
# session has set `fazhan.trail_rewrite` to `on`. Nothing in the application sets it; it is the door of an
# insider holding the database (what the keyed chain and the signed checkpoints then catch), and the one
# the tests use to play that insider (tests/auditlog/raw.py). SQLite gets no trigger: a file anyone can
# write is protected by the key and the checkpoints alone (and Django's flush deletes with DELETE there).

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION fazhan_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('fazhan.trail_rewrite', true), '') = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: %% on %% refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditlog_auditevent
    FOR EACH ROW EXECUTE FUNCTION fazhan_trail_append_only();
CREATE TRIGGER auditseal_append_only BEFORE UPDATE OR DELETE ON auditlog_auditseal
    FOR EACH ROW EXECUTE FUNCTION fazhan_trail_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS auditevent_append_only ON auditlog_auditevent;
DROP TRIGGER IF EXISTS auditseal_append_only ON auditlog_auditseal;
DROP FUNCTION IF EXISTS fazhan_trail_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("auditlog", "0004_keyed_chain"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
