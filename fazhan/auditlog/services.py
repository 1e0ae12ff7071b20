import datetime
import hmac
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.utils import timezone

from fazhan.auditlog.checkpoints import checkpoint_on_commit
from fazhan.auditlog.models import AuditEvent, AuditSeal
from fazhan.auditlog.registry import (
    GONE,
    Sealed,
    instance_digest,
    seal_root,
    sealed_for,
    sealed_models,
    sealed_of,
    stored_digests,
    trail_key,
)

# A record an event names: a saved instance, or ("app.model", pk) for a row written in bulk.
Target = models.Model | tuple[str, Any]
BASELINE = "trail.baseline"

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
    digest: str = "",
    seal: str = "",
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256, under the trail key (settings.FAZHAN_TRAIL_KEY, not in the database), of the previous
    event's hash and this event's content: whoever edits an event cannot recompute the hashes after it
    without that key. The writer and the verifier (auditlog.selectors.trail_verify) both call this, so the
    two can never disagree on the recipe. The record digest and the seal root join the content only when
    set. Pass `key` when hashing many events (it is trail_key())."""
    payload = {
        "at": event_time_text(at),
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
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hmac.new(key or trail_key(), f"{prev_hash}\n{body}".encode(), "sha256").hexdigest()


def _registered(label: str) -> Sealed:
    sealed = sealed_for(label)
    if sealed is None:
        raise ValueError(f"{label} is not registered with the trail: its rows cannot be sealed.")
    return sealed


def _leaves(
    records: Iterable[Target], key: bytes, *, besides: tuple[str, Any] | None
) -> list[tuple[str, int, str]]:
    """The digests of the records an event seals, in (model, pk) order: an instance from its attributes,
    a ("app.model", pk) from its stored row (read in bulk). `besides` is the event's own target."""
    found: dict[tuple[str, int], bytes] = {}
    wanted: dict[str, set[int]] = defaultdict(set)
    for record in records:
        if isinstance(record, tuple):
            wanted[_registered(record[0]).label].add(int(record[1]))
            continue
        sealed = _registered(record._meta.label_lower)
        if record.pk is None:
            raise ValueError(f"An unsaved {sealed.label} cannot be sealed.")
        found[(sealed.label, record.pk)] = instance_digest(sealed, record, key)
    for label, pks in wanted.items():
        stored = stored_digests(_registered(label), pks, key)
        if len(stored) != len(pks):
            raise ValueError(f"No {label} row {min(pks - stored.keys())} to seal.")
        found.update(((label, pk), digest) for pk, digest in stored.items())
    if besides is not None:
        found.pop(besides, None)
    return [(label, pk, digest.hex()) for (label, pk), digest in sorted(found.items())]


def _gone(records: Iterable[Target]) -> list[tuple[str, int, str]]:
    """The leaves of the registered rows a change deletes: each sealed as GONE (registry.GONE)."""
    out = []
    for record in records:
        label, pk = record if isinstance(record, tuple) else (record._meta.label_lower, record.pk)
        if pk is None:
            raise ValueError(f"An unsaved {label} cannot be sealed as gone.")
        out.append((_registered(label).label, int(pk), GONE))
    return out


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    org=None,
    data: dict[str, Any] | None = None,
    seal: Iterable[Target] = (),
    removed: Iterable[Target] = (),
) -> AuditEvent:
    """Append one event to the trail. Call it inside the transaction of the change it records.

    A target whose model is registered with the trail (auditlog.registry) gives the event the digest of its
    declared fields, taken from the instance as it stands (pass it as just saved). `seal` names the further
    records this change wrote (instances as saved, or ("app.model", pk) read back from the database): the
    event seals each of them, as AuditSeal rows under one root. A bulk writer seals all its rows so.
    `removed` names the registered rows this change deletes (before they go: an instance's pk is gone after
    delete()): the event seals each as gone, so verifytrail expects it no more; a target among them carries
    no digest of its own."""
    key = trail_key()
    gone = _gone(removed)
    own = (target._meta.label_lower, target.pk) if target is not None else None
    deleted = own is not None and (own[0], own[1], GONE) in gone
    sealed = sealed_of(target) if target is not None and target.pk is not None and not deleted else None
    digest = instance_digest(sealed, target, key).hex() if sealed is not None and target is not None else ""
    leaves = _leaves(seal, key, besides=own)
    if gone:
        if {(label, pk) for label, pk, _d in leaves} & {(label, pk) for label, pk, _d in gone}:
            raise ValueError("A record is sealed both as written and as gone by one event.")
        leaves = sorted([*leaves, *gone])
    with transaction.atomic():
        _chain_lock()
        last_id, last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first() or (0, "")
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
            digest=digest,
            seal=seal_root(leaves) if leaves else "",
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
            digest=event.digest,
            seal=event.seal,
            key=key,
        )
        event.save()
        _insert_seals(event.pk, leaves)
        checkpoint_when_due(last_id, event.pk)
    return event


def _target_digests(targets: list[tuple[str, str]], key: bytes) -> dict[tuple[str, str], str]:
    """The digests of the registered rows among the targets, as stored: read in bulk, one model at a
    time (an import names its step records by primary key, 300,000 of them)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for label, target_id in targets:
        if target_id and sealed_for(label) is not None:
            wanted[label].add(int(target_id))
    out: dict[tuple[str, str], str] = {}
    for label, pks in wanted.items():
        for pk, digest in stored_digests(_registered(label), pks, key).items():
            out[(label, str(pk))] = digest.hex()
    return out


_BODY = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, default=str
)  # event_hash's json.dumps, made once
_STORED = json.JSONEncoder(ensure_ascii=False, default=str)


_PLAIN = (str, int, type(None))


def _plain(data: Any) -> bool:
    """Whether `data` is a non-empty object of text, whole numbers, null and lists of them, which read back
    from its JSON as equal values of the same types (a float, a subclass or anything nested may not)."""
    if type(data) is not dict or not data:
        return False
    for key, value in data.items():
        if type(key) is not str:
            return False
        if type(value) is list:
            if any(type(v) not in _PLAIN for v in value):
                return False
        elif type(value) not in _PLAIN:
            return False
    return True


def _after(middle: str, digest: str, tail: str) -> bytes:
    """An event's hashed body after its time: its data, the digest when there is one, org and target."""
    return (middle + (f', "digest": "{digest}"' if digest else "") + tail).encode()


class TrailBatch:
    """Events of one bulk write (audit_record_many) built as far as they can be without the write lock:
    each event's stored values, its data as the database takes it, the record digest where it is known, and
    its hashed body (event_hash's JSON, byte for byte) in the pieces either side of its time, which is the
    moment of the write and is set under the lock. Under the lock only the digests still unknown (rows the
    transaction itself writes) are read, each event chained to the head (an HMAC over the previous hash and
    the body) and the rows inserted in bulk. So a bulk writer on SQLite, where the write lock is the whole
    file's, builds the bulk of its trail (an import: one event per step record, hundreds of thousands)
    before it takes the lock (issue 13 item 6)."""

    def __init__(
        self,
        *,
        actor,
        events: Iterable[tuple[str, models.Model | tuple[str, Any] | None, str, dict[str, Any]]],
        digests: dict[tuple[str, str], str] | None = None,
    ):
        self.actor_id = getattr(actor, "pk", None)
        self.key = trail_key()
        known = digests or {}
        actor = _BODY.encode(self.actor_id)
        real = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy: it is asked once per row
        data_field = AuditEvent._meta.get_field("data")
        # per event: the row's values but its time, digest and hashes; its body before its time (one per
        # action) and after it: whole where the digest is known, else the pieces either side of the digest
        self.rows: list[tuple[str, str, str, str, Any]] = []
        self.heads: list[bytes] = []
        self.afters: list[bytes | tuple[str, str]] = []
        self.digests: list[str] = []  # "" for none or one still to read
        self.pending: list[tuple[str, str]] = []  # the targets whose digests are read under the lock
        heads: dict[str, bytes] = {}
        orgs: dict[str, str] = {}  # the body's pieces an import's events share, encoded once
        kinds: dict[str, str] = {}
        for action, target, org_path, data in events:
            if isinstance(target, tuple):
                target_type, target_id = target[0], str(target[1])
            elif target is not None:
                target_type = target._meta.label_lower
                target_id = str(target.pk) if target.pk is not None else ""
            else:
                target_type, target_id = "", ""
            # exactly what the database will hand back (a flat object of text and whole numbers is that)
            stored = data if _plain(data) else json.loads(_STORED.encode(data or {}))
            self.rows.append(
                (action, target_type, target_id, org_path, data_field.get_db_prep_save(stored, real))
            )
            head = heads.get(action)
            if head is None:
                head = heads[action] = (
                    f'{{"action": {_BODY.encode(action)}, "actor": {actor}, "at": "'.encode()
                )
            self.heads.append(head)
            middle = f'", "data": {_BODY.encode(stored)}'
            org = orgs.get(org_path)
            if org is None:
                org = orgs[org_path] = f', "org": {_BODY.encode(org_path)}, "target": '
            kind = kinds.get(target_type)
            if kind is None:
                kind = kinds[target_type] = f"[{_BODY.encode(target_type)}, "
            shown = f'"{target_id}"' if target_id.isdigit() else _BODY.encode(target_id)
            tail = f"{org}{kind}{shown}]}}"
            digest = known.get((target_type, target_id), "")
            self.digests.append(digest)
            if not digest and target_id and sealed_for(target_type) is not None:
                self.afters.append((middle, tail))
                self.pending.append((target_type, target_id))
            else:
                self.afters.append(_after(middle, digest, tail))

    def __len__(self) -> int:
        return len(self.rows)

    def write(self) -> int:
        """Chain the events to the trail's head and insert them: call inside the write transaction."""
        if not self.rows:
            return 0
        read = _target_digests(self.pending, self.key) if self.pending else {}
        with transaction.atomic():
            _chain_lock()
            last_id, last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first() or (0, "")
            at = timezone.now()
            at_text = event_time_text(at).encode()
            real = connections[DEFAULT_DB_ALIAS]
            at_db = AuditEvent._meta.get_field("at").get_db_prep_save(at, real)  # one moment for the batch
            key, actor_id, heads, afters, digests = (
                self.key,
                self.actor_id,
                self.heads,
                self.afters,
                self.digests,
            )

            def chained_rows(last: str) -> Iterator[tuple]:
                # built as they are inserted, a chunk at a time: an import's hundreds of thousands of rows
                # are never all held at once
                for i, (action, target_type, target_id, org_path, data) in enumerate(self.rows):
                    after, digest = afters[i], digests[i]
                    if isinstance(after, tuple):
                        digest = read.get((target_type, target_id), "")
                        after = _after(after[0], digest, after[1])
                    chained = hmac.digest(
                        key, last.encode() + b"\n" + heads[i] + at_text + after, "sha256"
                    ).hex()
                    yield (
                        at_db,
                        actor_id,
                        action,
                        target_type,
                        target_id,
                        org_path,
                        data,
                        digest,
                        "",
                        last,
                        chained,
                    )
                    last = chained

            _insert_events(chained_rows(last), len(self.rows))
            checkpoint_when_due(last_id, last_id + len(self.rows))
        return len(self.rows)


def audit_record_many(
    *,
    actor,
    events: list[tuple[str, models.Model | tuple[str, Any] | None, str, dict[str, Any]]],
    digests: dict[tuple[str, str], str] | None = None,
) -> int:
    """Append many events at once (action, target, org path, data), chained exactly as audit_record chains
    one: for a bulk write such as an import, which records one event per record it changed. Rows go in with
    one executemany, as an import of 10,000 persons writes hundreds of thousands of them. An event whose
    target is registered with the trail carries the digest of the target's row as stored (read back in
    bulk, so an instance need not hold what a later bulk update wrote). `digests` ((label, pk) → hex) are
    those a bulk writer took of rows it wrote unchanged from a staging table (registry.table_digests),
    before its write transaction; they are not read again. A writer that knows its events before it takes
    the write lock builds them then (TrailBatch) and calls TrailBatch.write under it."""
    return TrailBatch(actor=actor, events=events, digests=digests).write()


def _insert_events(rows: Iterable[tuple], count: int) -> None:
    """`count` event rows of database-ready values, in the order of `fields`, taken a chunk at a time."""
    fields = ["at", "actor", "action", "target_type", "target_id", "org_path", "data", "digest", "seal"]
    fields += ["prev_hash", "hash"]
    meta = AuditEvent._meta
    columns = [str(meta.get_field(f).column) for f in fields]  # type: ignore[union-attr]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    rows = iter(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and count > 100:
            # the engine's bulk path (psycopg 3's COPY): an import writes one event per step record, where
            # executemany sends one INSERT per row inside the import's transaction
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        while chunk := list(itertools.islice(rows, 5000)):
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk)


def _insert_seals(event_id: int, leaves: list[tuple[str, int, str]]) -> None:
    """The records an event seals, in the order its root was taken (so in id order)."""
    if not leaves:
        return
    meta = AuditSeal._meta
    columns = [str(meta.get_field(f).column) for f in ("event", "model", "target_id", "digest")]  # type: ignore[union-attr]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    rows = [(event_id, label, pk, digest) for label, pk, digest in leaves]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES (%s, %s, %s, %s)", rows[start : start + 5000]
            )


def checkpoint_when_due(before_id: int, head_id: int) -> None:
    """Every settings.FAZHAN_CHECKPOINT_EVERY events (by id: about that many), a signed checkpoint of the
    head once the transaction that wrote them has committed (auditlog.checkpoints)."""
    every = getattr(settings, "FAZHAN_CHECKPOINT_EVERY", 0)
    if every > 0 and head_id // every > before_id // every:
        checkpoint_on_commit("every")


# --- a database from before the digests --------------------------------------------------------------------


def trail_needs_baseline() -> bool:
    """Whether this database holds registered rows from before events carried digests: no event carries
    one yet (nor a baseline), and some registered model has rows. Never true again once any event does, so
    a row written behind the application's back later is reported, not sealed."""
    sealed_before = AuditEvent.objects.filter(Q(action=BASELINE) | ~Q(digest="") | ~Q(seal=""))
    if sealed_before.exists():
        return False
    return any(s.model._default_manager.exists() for s in sealed_models())


def trail_seal_existing(apps, app_label: str, models: tuple[str, ...]) -> AuditEvent | None:
    """For a migration that starts sealing `models` of `app_label`: the rows the database already holds
    carry no digest, so one event (`<app_label>.seal`) seals them as they stand; nothing where there are
    none, or where no event carries a digest yet (trail_baseline, after the migrations, seals them with the
    rest). `apps` is the migration's app registry."""
    rows = [
        (f"{app_label}.{name}", pk)
        for name in models
        for pk in apps.get_model(app_label, name).objects.order_by("pk").values_list("pk", flat=True)
    ]
    if not rows or trail_needs_baseline():
        return None
    counts = {name: sum(1 for label, _pk in rows if label == f"{app_label}.{name}") for name in models}
    return audit_record(actor=None, action=f"{app_label}.seal", data=counts, seal=rows)


@transaction.atomic
def trail_baseline(*, actor=None) -> AuditEvent | None:
    """Seal, once, every registered row of a database upgraded from before the digests: one event
    (trail.baseline) whose seal covers them all as they stand. None when there is nothing to do."""
    if not trail_needs_baseline():
        return None
    records: list[Target] = []
    counts: dict[str, int] = {}
    for sealed in sealed_models():
        pks = list(sealed.model._default_manager.order_by("pk").values_list("pk", flat=True))
        counts[sealed.label] = len(pks)
        records.extend((sealed.label, pk) for pk in pks)
    return audit_record(actor=actor, action=BASELINE, data={"sealed": counts}, seal=records)


def trail_after_migrate(sender=None, *, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate (connected in AuditlogConfig.ready()): once every migration is applied, the rows of an
    upgraded database enter the trail (trail_baseline). Not on a flush, which leaves nothing to seal."""
    if using != DEFAULT_DB_ALIAS or "plan" not in kwargs:
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return  # a partial migrate: the registered tables may not have their fields yet
    trail_baseline()
