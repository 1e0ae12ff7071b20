# The event's time joins its hash, so a back-dated row breaks the chain. Chains written before this
# migration hashed no time: they are first checked under the old recipe and, only if intact, re-chained
# under the new one. A chain already broken is left untouched (and `fazhan verifytrail` will say where).

import hashlib
import json

import django.utils.timezone
from django.db import migrations, models


def _old_hash(prev, actor, action, target_type, target_id, org, data):
    body = json.dumps(
        {"actor": actor, "action": action, "target": [target_type, target_id], "org": org, "data": data},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


def event_hash(prev_hash, *, at, actor_id, action, target_type, target_id, org_path, data):
    """The recipe of this migration's time, frozen (SHA-256, no key: 0004 keys the chain)."""
    import datetime

    payload = {
        "at": at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor_id,
        "action": action,
        "target": [target_type, target_id],
        "org": org_path,
        "data": data,
    }
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def rechain(apps, schema_editor):
    AuditEvent = apps.get_model("auditlog", "AuditEvent")
    fields = ("id", "at", "actor_id", "action", "target_type", "target_id", "org_path", "data", "prev_hash", "hash")
    rows = list(AuditEvent.objects.order_by("id").values_list(*fields))
    prev = ""
    for _id, _at, actor, action, ttype, tid, org, data, prev_hash, stored in rows:
        if prev_hash != prev or _old_hash(prev_hash, actor, action, ttype, tid, org, data) != stored:
            return
        prev = stored
    prev = ""
    for event_id, at, actor, action, ttype, tid, org, data, _prev_hash, _stored in rows:
        new = event_hash(
            prev, at=at, actor_id=actor, action=action, target_type=ttype, target_id=tid, org_path=org, data=data
        )
        AuditEvent.objects.filter(pk=event_id).update(prev_hash=prev, hash=new)
        prev = new


class Migration(migrations.Migration):

    dependencies = [
        ('auditlog', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False, verbose_name='时间'),
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
