"""SQL behind the application's back, as an insider holding the database would write it: on PostgreSQL the
trail's tables refuse UPDATE and DELETE unless the session sets `fazhan.trail_rewrite` (auditlog migration
0005), so this sets it for the statement, as that insider would."""

from django.db import connection


def raw_sql(sql: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('fazhan.trail_rewrite', 'on', false)")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('fazhan.trail_rewrite', '', false)")
