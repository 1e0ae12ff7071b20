"""The write stamp: one token the database changes, in the same transaction, on every statement that writes
to a table the record is made of (issue 16 item 7).

The to-do list (desk.todo) keeps what it computed under the stamp it read first: a step record, a
correction, a person, the org tree, a notice, a batch, a setting, a calendar day — any write through Django,
by a page, a command, an import, a bulk update or raw SQL through its cursor — gives a new token, so nothing
computed before the write is read after it. The stamp is not told which case changed, so one write makes
every list compute anew once: coarse, but it can never be stale.

What never changes a computed list is left out: the trail (the access log is written by reads), sessions,
the cache table itself, this table, a login's `last_login`, its attempts and second-factor counters, and the
record of digests sent. Anything written outside Django (psql) is
not seen; `stamp_bump()` is there for it (`fazhan shell`).

On PostgreSQL a writing transaction holds the stamp's row until it commits, after the trail's chain lock
(auditlog.services) which every audited write takes anyway: writers were serialized by the chain already,
now from their first write rather than their first event. SQLite serializes writers by itself."""

import re
import uuid
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created

TABLE = "procedure_write_stamp"
# writes to these never change what the rules compute (the trail is written by reads too)
QUIET_TABLES = frozenset(
    {TABLE, "fazhan_cache", "django_session", "auditlog_auditevent", "auditlog_auditseal"}
    | {"reminders_remindersend"}  # a digest sent (or claimed) is no fact of a case
    # a background job's progress and its queue's rows (written many times a run), a webhook's delivery
    # attempts and an API token's last use: none is a fact a rule reads
    | {"jobs_job", "django_tasks_database_dbtaskresult", "api_webhookdelivery", "api_apitoken"}
    | {"sqlite_sequence"}  # keys an import reserves (interchange.bulk.ids_reserve): no row yet
)
# a login's attempts (django-axes) and its second factor's counters (django-otp)
# and a connection's own temporary tables (the import's staging, interchange/bulk.py: its rows reach the
# record only by the INSERT … SELECT or COPY that moves them, which changes the stamp)
QUIET_PREFIXES = ("axes_", "otp_", "temp.")
_TEMP_DDL = re.compile(r"^\s*(?:CREATE\s+TEMP(?:ORARY)?\s+TABLE|DROP\s+TABLE\s+IF\s+EXISTS\s+temp\.)", re.I)
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "BEGIN", "COMMIT", "SHOW", "EXPLAIN")
_TARGET = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.I)
_LAST_LOGIN = re.compile(r'^\s*UPDATE\s+"accounts_user"\s+SET\s+"last_login"\s*=\s*%s\s+WHERE', re.I)
_BUMP = f"UPDATE {TABLE} SET token = %s WHERE id = 1"
# the trail's chain lock (auditlog.services), taken first on PostgreSQL; tests/desk holds the two equal
TRAIL_CHAIN_LOCK_KEY = 7_110_022_018


def writes_record(sql: str) -> bool:
    """Whether the statement may change what the rules read: any statement that is not a read, unless it
    writes only to a quiet table (or is a login's last_login)."""
    head = sql.lstrip()[:12].upper()
    if head.startswith(_READS):
        return False
    if _LAST_LOGIN.match(sql):
        return False
    if _TEMP_DDL.match(sql):
        return False
    target = _TARGET.match(sql)
    if target is None:
        return True
    table = target.group(1).lower()
    return table not in QUIET_TABLES and not table.startswith(QUIET_PREFIXES)


def _bump(connection) -> None:
    # a cursor of its own: the statement's cursor keeps its rowcount and lastrowid for Django to read
    cursor = connection.connection.cursor()
    try:
        if connection.vendor == "postgresql":
            # the trail's chain lock first, as every writer of the trail takes it: a transaction holding
            # the stamp's row never waits for the chain while another holds the chain and waits for the row
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TRAIL_CHAIN_LOCK_KEY])
            cursor.execute(_BUMP, [uuid.uuid4().hex])
        else:  # SQLite runs every transaction as BEGIN IMMEDIATE: writers are serialized already
            cursor.execute(_BUMP.replace("%s", "?"), [uuid.uuid4().hex])
    finally:
        cursor.close()


def _stamp_ready(connection, sql: str) -> bool:
    """Whether the table is there (a database migrating to it writes before it has it). Asked once per
    connection, and again when the statement creates or drops it."""
    ready = getattr(connection, "_fazhan_stamp_ready", None)
    if TABLE in sql and sql.lstrip()[:6].upper() in ("CREATE", "DROP T"):
        ready = None
    if ready is None:
        cursor = connection.connection.cursor()
        try:
            ready = TABLE in {t.name for t in connection.introspection.get_table_list(cursor)}
        finally:
            cursor.close()
        connection._fazhan_stamp_ready = ready
    return ready


def stamp_wrapper(execute, sql, params, many, context) -> Any:
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and writes_record(sql) and _stamp_ready(context["connection"], sql):
        _bump(context["connection"])
    return result


def stamp_install(sender=None, connection=None, **kwargs) -> None:
    """Wrap every connection's statements (connection_created; ProcedureConfig.ready connects it)."""
    if connection is None:
        return
    connection._fazhan_stamp_ready = None  # a new connection may be to another database (the tests')
    if stamp_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(stamp_wrapper)


def stamp_connect() -> None:
    connection_created.connect(stamp_install, dispatch_uid="procedure-write-stamp")
    for conn in connections.all(initialized_only=True):
        stamp_install(connection=conn)


def stamp_current(using: str = "default") -> str | None:
    """The token now, or None where the table is missing (then nothing may be kept)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def stamp_bump(using: str = "default") -> None:
    """A new token by hand, for a write made outside Django."""
    connection = connections[using]
    connection.ensure_connection()
    stamp_install(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [uuid.uuid4().hex])
