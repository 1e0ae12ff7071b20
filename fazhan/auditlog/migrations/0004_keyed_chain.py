# The chain is keyed (issue 13, item 3): each event's hash becomes HMAC-SHA256 under the trail key
# (settings.FAZHAN_TRAIL_KEY, not in the database) instead of a plain SHA-256 anyone could recompute after
# editing an event. An existing chain is first checked under the old recipe and, only if intact, re-chained
# once under the key; the re-chaining is itself an event (trail.rekeyed) that keeps the old head, so what
# was there before can still be compared with a copy of it. A chain already broken is left as it is:
# re-chaining it would launder the break (`fazhan verifytrail` then reports it, at its first event).

import datetime
import hashlib
import hmac
import json

from django.db import migrations

FIELDS = (
    "id", "at", "actor_id", "action", "target_type", "target_id", "org_path", "data", "digest", "seal",
    "prev_hash", "hash",
)


def _body(at, actor_id, action, target_type, target_id, org_path, data, digest, seal):
    payload = {
        "at": at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor_id,
        "action": action,
        "target": [target_type, target_id],
        "org": org_path,
        "data": data,
    }
    if digest:
        payload["digest"] = digest
    if seal:
        payload["seal"] = seal
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)


def _sha256(prev, *content):
    return hashlib.sha256(f"{prev}\n{_body(*content)}".encode()).hexdigest()


def _keyed(key, prev, *content):
    return hmac.new(key, f"{prev}\n{_body(*content)}".encode(), "sha256").hexdigest()


def _chunks(rows):
    """The rows in id order, 5000 at a time, each chunk read in full before any is written."""
    after = 0
    while True:
        chunk = list(rows.filter(id__gt=after)[:5000])
        if not chunk:
            return
        yield from chunk
        after = chunk[-1][0]


def rekey(apps, schema_editor):
    from django.utils import timezone

    from fazhan.auditlog.registry import trail_key

    AuditEvent = apps.get_model("auditlog", "AuditEvent")
    rows = AuditEvent.objects.order_by("id").values_list(*FIELDS)
    prev, count = "", 0
    for _id, *content, prev_hash, stored in _chunks(rows):
        if prev_hash != prev or _sha256(prev_hash, *content) != stored:
            print(f"\n  The trail is broken at event #{_id}: not re-chained under the key.")
            return
        prev, count = stored, count + 1
    if not count:
        return
    old_head, key, prev = prev, trail_key(), ""
    batch = []
    for event_id, *content, _prev_hash, _stored in _chunks(rows):
        new = _keyed(key, prev, *content)
        batch.append(AuditEvent(pk=event_id, prev_hash=prev, hash=new))
        prev = new
        if len(batch) == 2000:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
    at = timezone.now()
    data = {"old_head": old_head, "events": count, "recipe": "HMAC-SHA256 under FAZHAN_TRAIL_KEY"}
    content = (at, None, "trail.rekeyed", "", "", "", data, "", "")
    AuditEvent.objects.create(
        at=at, actor_id=None, action="trail.rekeyed", data=data, prev_hash=prev, hash=_keyed(key, prev, *content)
    )


class Migration(migrations.Migration):

    dependencies = [
        ("auditlog", "0003_record_digests"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
