"""The write stamp: one token the database changes, in the same transaction, on every statement that writes
to a table the record is made of (issue 16 item 7).

The to-do list (desk.todo) keeps what it computed under the stamp it read first: a step record, a
correction, a person, the org tree, a notice, a batch, a setting, a calendar day — any write through Django,
by a page, a command, an import, a bulk update or raw SQL through its cursor — gives a new token, so nothing
computed before the write is read after it. The token does not say which case changed, so such a write
makes every list compute anew once: coarse, but it can never be stale.

Except the step service's own writes, the most frequent: inside `stamp_case` (procedure.services._write)
a statement writing a case's records, findings, the case or its person's row leaves the token as it is and
takes the next number of the stamp's `seq` instead, with a row in `procedure_write_case` naming the case,
its person and (for the person's row) the person's org: a kept list reads the rows after its own number and
computes again only the cases they name or whose facts name that person or org (desk.todo). Any other
statement inside the block, a hook's included, changes the token as before.

What never changes a computed list is left out: the trail (the access log is written by reads), sessions,
the cache table itself, this table, a login's `last_login`, its attempts and second-factor counters, and the
record of digests sent. Anything written outside Django (psql) is
not seen; `stamp_bump()` is there for it (`fazhan shell`).

On PostgreSQL a writing transaction holds the stamp's row until it commits, after the trail's chain lock
(auditlog.services) which every audited write takes anyway: writers were serialized by the chain already,
now from their first write rather than their first event. SQLite serializes writers by itself."""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from django.db import connections
from django.db.backends.signals import connection_created

TABLE = "procedure_write_stamp"
CASE_LOG = "procedure_write_case"
# writes to these never change what the rules compute (the trail is written by reads too)
QUIET_TABLES = frozenset(
    {TABLE, CASE_LOG, "fazhan_cache", "django_session", "auditlog_auditevent", "auditlog_auditseal"}
    | {"reminders_remindersend"}  # a digest sent (or claimed) is no fact of a case
    # a background job's progress and its queue's rows (written many times a run), a webhook's delivery
    # attempts and an API token's last use: none is a fact a rule reads
    | {"jobs_job", "django_tasks_database_dbtaskresult", "api_webhookdelivery", "api_apitoken"}
    | {"sqlite_sequence"}  # keys an import reserves (interchange.bulk.ids_reserve): no row yet
)
# a login's attempts (django-axes) and its second factor's counters (django-otp)
# and a connection's own temporary tables (the import's staging, interchange/bulk.py: temp. on SQLite,
# pg_temp. on PostgreSQL; its rows reach the record only by the INSERT … SELECT that moves them, which
# changes the stamp)
QUIET_PREFIXES = ("axes_", "otp_", "temp.", "pg_temp.")
_TEMP_DDL = re.compile(
    r"^\s*(?:CREATE\s+TEMP(?:ORARY)?\s+TABLE|DROP\s+TABLE\s+IF\s+EXISTS\s+(?:pg_)?temp\.)", re.I
)
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "BEGIN", "COMMIT", "SHOW", "EXPLAIN")
_TARGET = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.I)
_LAST_LOGIN = re.compile(r'^\s*UPDATE\s+"accounts_user"\s+SET\s+"last_login"\s*=\s*%s\s+WHERE', re.I)
_BUMP = f"UPDATE {TABLE} SET token = %s WHERE id = 1"
# the tables a step's write changes for its case alone (procedure.services._write), and the person's row,
# whose membership other cases read (the members their steps name, their branch's count of full members)
CASE_TABLES = frozenset({"procedure_steprecord", "procedure_stepfinding", "procedure_case"})
_PERSON_UPDATE = re.compile(r'^\s*UPDATE\s+"?people_person"?\s+SET\s', re.I)
# the numbers a kept list may be behind by and still read what changed since (older rows are dropped)
CASE_LOG_KEPT = 5000
_CASE_SEQ = f"UPDATE {TABLE} SET seq = seq + 1 WHERE id = 1"
_CASE_ROW = (
    f"INSERT INTO {CASE_LOG} (seq, token, case_id, pid, org_code)"
    f" SELECT seq, token, %s, %s, %s FROM {TABLE} WHERE id = 1"
)
_CASE_PRUNE = (
    f"DELETE FROM {CASE_LOG} WHERE seq <= (SELECT seq FROM {TABLE} WHERE id = 1) - %s"
    f" OR token <> (SELECT token FROM {TABLE} WHERE id = 1)"
)
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


class CaseWrite(NamedTuple):
    """Whose record a step's write changes: the case, its person's pid and the person's org code."""

    case_id: int
    pid: str
    org_code: str


_WRITING_CASE: ContextVar[CaseWrite | None] = ContextVar("fazhan_writing_case", default=None)


@contextmanager
def stamp_case(write: CaseWrite) -> Iterator[None]:
    """The block writes the records of this case only (its records, their findings, the case and its person's
    membership): such statements are logged by the case instead of changing the token."""
    token = _WRITING_CASE.set(write)
    try:
        yield
    finally:
        _WRITING_CASE.reset(token)


def case_write_kind(sql: str) -> str | None:
    """ "case" for a statement writing only a case's own tables, "person" for an update of a person's row,
    None for any other (those change the token)."""
    target = _TARGET.match(sql)
    if target is not None and target.group(1).lower() in CASE_TABLES:
        return "case"
    if _PERSON_UPDATE.match(sql):
        return "person"
    return None


def _locked(connection, cursor) -> None:
    if connection.vendor == "postgresql":
        # the trail's chain lock first, as every writer of the trail takes it: a transaction holding the
        # stamp's row never waits for the chain while another holds the chain and waits for the row
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TRAIL_CHAIN_LOCK_KEY])


def _sql(connection, sql: str) -> str:
    # the raw cursor's own paramstyle (SQLite's is qmark)
    return sql if connection.vendor == "postgresql" else sql.replace("%s", "?")


def _bump(connection) -> None:
    # a cursor of its own: the statement's cursor keeps its rowcount and lastrowid for Django to read
    cursor = connection.connection.cursor()
    try:
        _locked(connection, cursor)  # SQLite runs every transaction as BEGIN IMMEDIATE: serialized already
        cursor.execute(_sql(connection, _BUMP), [uuid.uuid4().hex])
    finally:
        cursor.close()


def _log_case(connection, write: CaseWrite, kind: str) -> None:
    """The next number, taken under the stamp's row (held to the commit on PostgreSQL, so the numbers commit
    in order and a reader who sees a number sees every row up to it), and the row saying whose it is."""
    cursor = connection.connection.cursor()
    try:
        _locked(connection, cursor)
        cursor.execute(_CASE_SEQ)
        org = write.org_code if kind == "person" else ""
        cursor.execute(_sql(connection, _CASE_ROW), [write.case_id, write.pid, org])
        cursor.execute(_sql(connection, _CASE_PRUNE), [CASE_LOG_KEPT])
    finally:
        cursor.close()


def _stamp_ready(connection, sql: str) -> tuple[bool, bool]:
    """Whether the stamp's table is there (a database migrating to it writes before it has it), and the case
    log. Asked once per connection, and again when the statement creates or drops either."""
    ready = getattr(connection, "_fazhan_stamp_ready", None)
    if (TABLE in sql or CASE_LOG in sql) and sql.lstrip()[:6].upper() in ("CREATE", "DROP T", "ALTER "):
        ready = None
    if ready is None:
        cursor = connection.connection.cursor()
        try:
            tables = {t.name for t in connection.introspection.get_table_list(cursor)}
        finally:
            cursor.close()
        ready = (TABLE in tables, TABLE in tables and CASE_LOG in tables)
        connection._fazhan_stamp_ready = ready
    return ready


def stamp_wrapper(execute, sql, params, many, context) -> Any:
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and writes_record(sql):
        connection = context["connection"]
        stamp, log = _stamp_ready(connection, sql)
        write = _WRITING_CASE.get()
        kind = case_write_kind(sql) if write is not None and log else None
        if write is not None and kind is not None:
            _log_case(connection, write, kind)
        elif stamp:
            _bump(connection)
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


class StampState(NamedTuple):
    token: str
    seq: int


def stamp_state(using: str = "default") -> StampState | None:
    """The token and the last number a case's write took, or None where the stamp's row is missing."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, seq FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return StampState(row[0], int(row[1])) if row else None


def stamp_case_writes(state: StampState, *, since: int, using: str = "default") -> list[CaseWrite] | None:
    """Whose records the step writes after number `since` up to the state changed, or None where some of
    those rows are gone (dropped as too old): then what was kept cannot be brought up to date."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT case_id, pid, org_code FROM {CASE_LOG} WHERE token = %s AND seq > %s AND seq <= %s",
            [state.token, since, state.seq],
        )
        rows = cursor.fetchall()
    if len(rows) != state.seq - since:
        return None
    return [CaseWrite(int(c), p, o) for c, p, o in rows]


def stamp_bump(using: str = "default") -> None:
    """A new token by hand, for a write made outside Django."""
    connection = connections[using]
    connection.ensure_connection()
    stamp_install(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [uuid.uuid4().hex])
