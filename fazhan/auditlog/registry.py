"""What the trail seals: the models the apps declare, each with the fields its record consists of, and the
keyed digest of a row's declared fields that the events carry (issue 11, item 5).

The apps register their models in their AppConfig.ready() (auditlog knows no person or case). A digest is
HMAC-SHA256 under the trail key (settings.FAZHAN_TRAIL_KEY, or one derived from SECRET_KEY), so it reveals
nothing of what it covers (an ID number enters only as its look-up digest). It is taken over the values as
the database stores them: a foreign key by its primary key, a date as `2018-03-01`, a moment as microseconds
since 1970 (UTC), a JSON value as the database hands it back. The writer (auditlog.services) and the verifier
(auditlog.selectors.trail_verify) both call `row_digest`, so the two cannot disagree on the recipe.

Changing a model's declared fields changes every digest of it: such a change needs a new baseline of that
model in the same release (auditlog.services.audit_record with seal=every row), or verifytrail reports
every row. A registered row the application deletes (a list replaced whole, an entry taken out) is sealed
as gone by the event of its deletion (auditlog.services.audit_record's `removed`: the digest GONE):
verifytrail reports a row it holds a digest for and no longer finds, and one sealed as gone that is there
again; a row deleted behind the application's back is the first.
"""

import datetime
import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection, models

READ_CHUNK = 5000
# The digest an event seals a deleted row with: no HMAC-SHA256 of a row is all zeros.
GONE = "0" * 64
_IN_CHUNK = 900  # the most primary keys one `pk IN (...)` names (SQLite's old parameter limit, with room)


@dataclass(frozen=True)
class Sealed:
    """A registered model: `fields` are what a digest covers, in this order; `names` says how a reader
    recognizes a row (word → a values() path, e.g. "person" → "case__person__pid")."""

    label: str
    model: type[models.Model]
    fields: tuple[models.Field, ...]
    names: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The attribute names as values_list() reads them (a foreign key as its `_id`)."""
        return tuple(f.attname for f in self.fields)


_SEALED: dict[str, Sealed] = {}


def trail_register(model: type[models.Model], *, fields: Sequence[str], names: Mapping[str, str]) -> None:
    """Declare that every event writing a `model` row carries the digest of these fields."""
    label = model._meta.label_lower
    if label in _SEALED:
        raise ImproperlyConfigured(f"{label} is registered with the trail twice.")
    if not isinstance(model._meta.pk, models.IntegerField):
        raise ImproperlyConfigured(f"{label}: the trail seals rows with an integer primary key only.")
    if not fields or len(set(fields)) != len(fields):
        raise ImproperlyConfigured(f"{label}: the trail needs its fields, each once.")
    resolved = []
    for name in fields:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(f"{label} has no field {name!r} to register with the trail.") from None
        if not field.concrete or field.many_to_many or field.primary_key:  # type: ignore[union-attr]
            raise ImproperlyConfigured(f"{label}.{name}: only a column of the row itself can be sealed.")
        resolved.append(field)
    _SEALED[label] = Sealed(label, model, tuple(resolved), tuple(names.items()))  # type: ignore[arg-type]


def sealed_models() -> tuple[Sealed, ...]:
    """Every registered model, in the order the apps registered them."""
    return tuple(_SEALED.values())


def sealed_for(label: str) -> Sealed | None:
    return _SEALED.get(label)


def sealed_of(instance: models.Model) -> Sealed | None:
    return _SEALED.get(instance._meta.label_lower)


# --- the digest ---------------------------------------------------------------------------------------------


def trail_key() -> bytes:
    """The key of the record digests: FAZHAN_TRAIL_KEY, else one derived from SECRET_KEY (for now: a later
    issue gives the keys their own store). Change it and every digest the trail holds stops matching."""
    key = getattr(settings, "FAZHAN_TRAIL_KEY", "")
    if key:
        return key.encode()
    return hmac.digest(settings.SECRET_KEY.encode(), b"fazhan audit trail record digests", "sha256")


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _moment(value: datetime.datetime | None) -> int | None:
    """A moment as microseconds since 1970 in UTC, whatever zone it is handed in."""
    return None if value is None else (value - _EPOCH) // _MICROSECOND


def row_digest(label: str, pk: Any, values: Sequence[Any], key: bytes) -> bytes:
    """HMAC-SHA256 of one row's declared values as stored (the model and primary key included)."""
    body = orjson.dumps(list(values), option=orjson.OPT_SORT_KEYS)
    return hmac.digest(key, f"{label}:{pk}\n".encode() + body, "sha256")


def _in_memory(field: models.Field) -> Callable[[Any], Any]:
    """An instance's attribute as the database will hand it back once saved."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.loads(json.dumps(value, cls=encoder))
    if isinstance(field, models.DateTimeField):
        return lambda value: _moment(field.to_python(value))
    if field.is_relation:
        target = field.target_field  # type: ignore[attr-defined]
        return lambda value: None if value is None else target.to_python(value)
    return field.to_python


@functools.cache
def _memory_readers(label: str) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    sealed = _SEALED[label]
    return tuple((f.attname, _in_memory(f)) for f in sealed.fields)


def instance_digest(sealed: Sealed, instance: models.Model, key: bytes) -> bytes:
    """The digest of an instance just saved, from its attributes (no query)."""
    values = [read(getattr(instance, column)) for column, read in _memory_readers(sealed.label)]
    return row_digest(sealed.label, instance.pk, values, key)


# --- rows as stored --------------------------------------------------------------------------------------
# The columns are read as the driver hands them over, without the ORM's per-value converters (two thirds of
# the time of a district's check went there): what differs between the engines is turned here into what
# the digest reads, and the tests hold the result to the digest of the same row in memory.


def json_stored(value: Any) -> Any:
    """JSON arrives as its text (SQLite's column; psycopg as Django configures it for jsonb)."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return json.loads(value)  # what orjson refuses and the database holds (a number beyond 64 bits)


def _moment_stored(value: Any) -> int | None:
    """SQLite holds a moment as UTC text without its zone; PostgreSQL hands over an aware datetime."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return _moment(value)


def _bool_stored(value: Any) -> bool | None:
    return None if value is None else bool(value)  # SQLite's 0 and 1


def _stored_readers(sealed: Sealed) -> list[tuple[int, Callable[[Any], Any]]]:
    """The columns that need turning into what the digest reads; a date stays the text SQLite holds, which
    is what orjson writes for the date PostgreSQL hands over."""
    readers: list[tuple[int, Callable[[Any], Any]]] = []
    for i, field in enumerate(sealed.fields):
        if isinstance(field, models.JSONField):
            readers.append((i, json_stored))
        elif isinstance(field, models.DateTimeField):
            readers.append((i, _moment_stored))
        elif isinstance(field, models.BooleanField):
            readers.append((i, _bool_stored))
        elif hasattr(field, "stored_to_digest"):  # a value sealed at rest (people.cipher): its clear form
            readers.append((i, field.stored_to_digest))
    return readers


def _raw_rows(queryset: models.QuerySet) -> Iterator[tuple]:
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:  # a server-side cursor on PostgreSQL: memory stays flat
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(READ_CHUNK):
            yield from batch


def _digests_of(sealed: Sealed, queryset: models.QuerySet, key: bytes) -> Iterator[tuple[int, bytes]]:
    readers, label = _stored_readers(sealed), sealed.label
    for pk, *values in _raw_rows(queryset.values_list("pk", *sealed.columns)):
        for i, read in readers:
            values[i] = read(values[i])
        yield pk, row_digest(label, pk, values, key)


def stored_digests(sealed: Sealed, pks: Iterable[int], key: bytes) -> dict[int, bytes]:
    """The digests of the stored rows with these primary keys (rows no longer there are left out), read
    in bulk: a span of keys as one range, scattered keys a chunk at a time."""
    wanted = sorted(set(pks))
    manager = sealed.model._default_manager.order_by()
    out: dict[int, bytes] = {}
    for start in range(0, len(wanted), READ_CHUNK):
        chunk = wanted[start : start + READ_CHUNK]
        if chunk[-1] - chunk[0] < 2 * len(chunk):
            span = manager.filter(pk__gte=chunk[0], pk__lte=chunk[-1])
            keep = set(chunk)
            out.update((pk, d) for pk, d in _digests_of(sealed, span, key) if pk in keep)
            continue
        for lo in range(0, len(chunk), _IN_CHUNK):
            out.update(_digests_of(sealed, manager.filter(pk__in=chunk[lo : lo + _IN_CHUNK]), key))
    return out


def table_digests(sealed: Sealed, table: str, key: bytes) -> Iterator[tuple[int, bytes]]:
    """The digests of the rows of another table with the model's columns (an import's staging table, whose
    rows go into the model's table unchanged), as they will be once stored there: so a bulk write can seal
    its rows before it takes the write lock."""
    quote = connection.ops.quote_name
    names = ", ".join(
        quote(str(c)) for c in (sealed.model._meta.pk.column, *(f.column for f in sealed.fields))
    )  # type: ignore[union-attr]
    readers, label = _stored_readers(sealed), sealed.label
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table}")
        while batch := cursor.fetchmany(READ_CHUNK):
            for pk, *values in batch:
                for i, read in readers:
                    values[i] = read(values[i])
                yield pk, row_digest(label, pk, values, key)


def all_digests(sealed: Sealed, key: bytes) -> Iterator[tuple[int, bytes]]:
    """Every stored row's digest in primary-key order, streamed."""
    return _digests_of(sealed, sealed.model._default_manager.order_by("pk"), key)


def describe(sealed: Sealed, pk: Any) -> str:
    """A row as a reader finds it again: `procedure.steprecord #12 (person P0001, step S05)`."""
    words = ", ".join(word for word, _path in sealed.names)
    head = f"{sealed.label} #{pk}"
    if not sealed.names:
        return head
    found = sealed.model._default_manager.filter(pk=pk).values_list(*(p for _w, p in sealed.names)).first()
    if found is None:
        return f"{head} ({words}: the row is gone)"
    return f"{head} (" + ", ".join(f"{w} {v}" for (w, _p), v in zip(sealed.names, found, strict=True)) + ")"


# --- a set of records sealed by one event -------------------------------------------------------------------


def seal_root(leaves: Iterable[tuple[str, int, str]]) -> str:
    """SHA-256 over the records one event seals, each as `label:pk:digest`, in the order they are stored:
    the event's hash covers this root, and the root covers every record's digest."""
    root = hashlib.sha256()
    for label, pk, digest in leaves:
        root.update(f"{label}:{pk}:{digest}\n".encode())
    return root.hexdigest()
