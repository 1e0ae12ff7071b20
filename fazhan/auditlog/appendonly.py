"""The trail's tables refuse UPDATE and DELETE on SQLite too (issue 13, item 3).

PostgreSQL has its trigger (migration 0005). On SQLite, triggers on auditlog_auditevent and auditlog_auditseal
RAISE(ABORT) unless the SQL function `fazhan_trail_rewrite()` answers 1. Each connection the application
opens defines that function (connection_created), answering 1 only inside `trail_rewrite_allowed()`; a
connection that does not define it (the sqlite3 shell, another program) fails on it, so refuses too. The one
use in the project is Django's `flush` (auditlog's own flush command): emptying the whole database, which on
PostgreSQL is a TRUNCATE that row triggers do not see either. The triggers are made by migration 0006 and made
again after every migrate if missing (Django remakes a SQLite table to alter it, and the remade table has
none). A file anyone can write is still protected, in the end, by the key and the checkpoints alone: this
stops the application and its code, not who edits the file."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

FUNCTION = "fazhan_trail_rewrite"
TABLES = ("auditlog_auditevent", "auditlog_auditseal")
_FLAG = "fazhan_trail_rewrite"


def sqlite_trigger_sql() -> list[str]:
    statements = []
    for table in TABLES:
        for op in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{op.lower()}_refused BEFORE {op} ON {table} "
                f"WHEN {FUNCTION}() IS NOT 1 BEGIN "
                f"SELECT RAISE(ABORT, 'the audit trail is append-only: {op} on {table} refused'); END"
            )
    return statements


def sqlite_drop_sql() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {t}_{op}_refused" for t in TABLES for op in ("update", "delete")]


def trail_on_connection_created(sender, connection, **kwargs) -> None:
    """Defines fazhan_trail_rewrite() on a new SQLite connection of the application (connection_created)."""
    if connection.vendor != "sqlite":
        return

    def allowed() -> int:
        return 1 if getattr(connection, _FLAG, False) else 0

    connection.connection.create_function(FUNCTION, 0, allowed)


@contextmanager
def trail_rewrite_allowed(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside, this process's connection may UPDATE and DELETE the trail on SQLite (flush only)."""
    connection = connections[using]
    before = getattr(connection, _FLAG, False)
    setattr(connection, _FLAG, True)
    try:
        yield
    finally:
        setattr(connection, _FLAG, before)


def sqlite_triggers_ensure(sender=None, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: the SQLite triggers exist whenever the trail's tables do (see the module's doc)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    if not set(TABLES) <= tables:
        return
    with connection.cursor() as cursor:
        for statement in sqlite_trigger_sql():
            cursor.execute(statement)
