import datetime
import hashlib
import json
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent

# Any constant 64-bit key: on PostgreSQL it serializes writers of the chain for the length of a transaction.
_CHAIN_LOCK_KEY = 7_110_022_018


def _chain_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite runs every transaction as BEGIN IMMEDIATE (settings.py): writers are already serialized.


def event_time_text(at: datetime.datetime) -> str:
    """The event's time as hashed: UTC to the microsecond, the same whichever engine hands it back."""
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    prev_hash: str,
    *,
    at: datetime.datetime,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    org_path: str,
    data: Any,
) -> str:
    """SHA-256 of the previous event's hash and this event's content. The writer and the verifier
    (auditlog.selectors.trail_verify) both call this, so the two can never disagree on the recipe."""
    payload = {
        "at": event_time_text(at),
        "actor": actor_id,
        "action": action,
        "target": [target_type, target_id],
        "org": org_path,
        "data": data,
    }
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def audit_record(
    *, actor, action: str, target: models.Model | None = None, org=None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event to the trail. Call it inside the transaction of the change it records."""
    with transaction.atomic():
        _chain_lock()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        event = AuditEvent(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            org_path=getattr(org, "path", "") or "",
            # Exactly what the database will hand back (a tuple comes back a list, a date a string), so the
            # verifier recomputes the same hash from the stored row.
            data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
            prev_hash=last,
        )
        event.hash = event_hash(
            last,
            at=event.at,
            actor_id=event.actor_id,
            action=action,
            target_type=event.target_type,
            target_id=event.target_id,
            org_path=event.org_path,
            data=event.data,
        )
        event.save()
    return event


def audit_record_many(
    *, actor, events: list[tuple[str, models.Model | tuple[str, Any] | None, str, dict[str, Any]]]
) -> int:
    """Append many events at once (action, target, org path, data), chained exactly as audit_record chains
    one: for a bulk write such as an import, which records one event per record it changed. Rows go in with
    one executemany, as an import of 10,000 persons writes hundreds of thousands of them."""
    if not events:
        return 0
    with transaction.atomic():
        _chain_lock()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        actor_id = getattr(actor, "pk", None)
        at = timezone.now()
        rows = []
        for action, target, org_path, data in events:
            if isinstance(target, tuple):
                target_type, target_id = target[0], str(target[1])
            else:
                target_type = target._meta.label_lower if target is not None else ""
                target_id = str(target.pk) if target is not None else ""
            data = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))  # as stored
            digest = event_hash(
                last,
                at=at,
                actor_id=actor_id,
                action=action,
                target_type=target_type,
                target_id=target_id,
                org_path=org_path,
                data=data,
            )
            rows.append((at, actor_id, action, target_type, target_id, org_path, data, last, digest))
            last = digest
        _insert_events(rows)
    return len(rows)


def _insert_events(rows: list[tuple]) -> None:
    fields = ["at", "actor", "action", "target_type", "target_id", "org_path", "data", "prev_hash", "hash"]
    meta = AuditEvent._meta
    columns = [str(meta.get_field(f).column) for f in fields]  # type: ignore[union-attr]
    at_field, data_field = meta.get_field("at"), meta.get_field("data")
    real = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy: it is asked once per row
    at = at_field.get_db_prep_save(rows[0][0], real)  # one moment for the whole batch
    prepared = [(at, *row[1:6], data_field.get_db_prep_save(row[6], real), *row[7:]) for row in rows]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 5000):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared[start : start + 5000]
            )
