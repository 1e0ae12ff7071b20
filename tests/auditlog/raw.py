"""SQL behind the application's back, as an insider holding the database would write it: the trail's tables
refuse UPDATE and DELETE (on PostgreSQL unless the session sets `fazhan.trail_rewrite`, auditlog migration
0005; on SQLite unless the connection's `fazhan_trail_rewrite()` answers 1, auditlog.appendonly), so this
opens that door for the statement, as that insider would (who holds the file drops the triggers)."""

from django.db import connection

from fazhan.auditlog.appendonly import trail_rewrite_allowed


def raw_sql(sql: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor, trail_rewrite_allowed():
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('fazhan.trail_rewrite', 'on', false)")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('fazhan.trail_rewrite', '', false)")
