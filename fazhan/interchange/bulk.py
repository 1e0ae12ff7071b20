"""The import's bulk path without the ORM's per-object work: an import writes a few hundred thousand step
records, where bulk_create spends most of its time compiling each value. Keys are reserved up front
(ids_reserve), rows built from database-ready values (preparer) and staged (Staged)."""

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

from fazhan.auditlog.registry import sealed_for, table_digests, trail_key
from fazhan.procedure.due import stamp_bump


def preparer(model: type[models.Model], field: str) -> Callable[[Any], Any]:
    """The function that turns a Python value into what the database driver takes for this field. For the
    values an import has already checked (a date, an aware moment, a JSON object) that is the backend's own
    adapter, called directly: the field's layers above it (to_python, the naive-moment warning) are a third
    of the time of building a step record's row and change nothing for such values."""
    model_field, real = model._meta.get_field(field), connections[DEFAULT_DB_ALIAS]  # not the proxy: per row
    ops = real.ops
    if isinstance(model_field, models.JSONField):
        encoder = model_field.encoder
        return lambda value: None if value is None else ops.adapt_json_value(value, encoder)
    if isinstance(model_field, models.DateTimeField):
        return lambda value: value if value is None else ops.adapt_datetimefield_value(value)
    if isinstance(model_field, models.DateField):
        return ops.adapt_datefield_value
    return lambda value: model_field.get_db_prep_save(value, real)  # type: ignore[union-attr]


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` rows an import will insert, taken from the table's sequence in a short
    transaction of their own, so the rows can be built (and on SQLite staged) before the write transaction
    begins. Another writer meanwhile gets keys past them; an import that fails leaves a gap, as any rolled
    back insert does on PostgreSQL."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), str(model._meta.pk.column), count],  # type: ignore[union-attr]
            )
            return sorted(row[0] for row in cursor.fetchall())
    # SQLite: Django's keys are AUTOINCREMENT, whose next value is past both sqlite_sequence and the largest
    # key; moving sqlite_sequence on by `count` keeps the keys before it for this import.
    pk = connection.ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT max({pk}) FROM {connection.ops.quote_name(table)}")
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        first = max(largest, found[0] if found else 0) + 1
        if found:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [first + count - 1, table])
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first + count - 1]
            )
    return list(range(first, first + count))


class Staged:
    """Rows of database-ready values (ids included) for one table, gathered before the write transaction
    and put into the table inside it (issue 13 item 6, issue 16 item 3).

    SQLite has one write lock for the whole file: the rows go, a chunk per statement, into a TEMP table,
    which lives in the connection's own temporary file, so writing it takes no lock that a clerk's step
    entry waits on; inside the write transaction one INSERT … SELECT moves them into the real table. A
    killed import leaves the real tables untouched, and its temporary table goes with its connection;
    `drop` cleans it up on a connection that lives on (a web job's).

    PostgreSQL has no such lock, but the rows are not kept in memory either (a district's file has a
    million): they go with COPY (psycopg 3's cursor.copy, the engine's bulk path), a chunk at a time as they
    are built, into a TEMP table of the connection, and one INSERT … SELECT inside the transaction moves them
    into the real table."""

    def __init__(self, model: type[models.Model], fields: list[str]):
        meta = model._meta
        self.columns = [str(meta.get_field(f).column) for f in fields]  # type: ignore[union-attr]
        self.table = meta.db_table
        self.stage = f"fazhan_stage_{self.table}"
        self.count = 0
        self.sqlite = connection.vendor == "sqlite"
        quote, names = connection.ops.quote_name, self._names()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self._staged()}")  # a failed run's
            real = quote(self.table)
            cursor.execute(f"CREATE TEMP TABLE {quote(self.stage)} AS SELECT {names} FROM {real} LIMIT 0")

    def _staged(self) -> str:
        """The staging table's name, in the connection's own schema of TEMP tables."""
        quoted = connection.ops.quote_name(self.stage)
        return f"temp.{quoted}" if self.sqlite else f"pg_temp.{quoted}"

    def _names(self) -> str:
        return ", ".join(connection.ops.quote_name(c) for c in self.columns)

    def add(self, rows: list[list[Any]]) -> None:
        self.count += len(rows)
        if not self.sqlite:
            statement = f"COPY {self._staged()} ({self._names()}) FROM STDIN"
            with connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        per_batch = max(1, min(1000, 30_000 // len(self.columns)))
        one = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        stage = connection.ops.quote_name(self.stage)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per_batch):
                batch = rows[start : start + per_batch]
                params = [value for row in batch for value in row]
                cursor.execute(f"INSERT INTO temp.{stage} VALUES {', '.join([one] * len(batch))}", params)

    def put(self) -> None:
        """Into the real table: call inside the write transaction."""
        quote, names = connection.ops.quote_name, self._names()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {quote(self.table)} ({names}) SELECT {names} FROM {self._staged()}")
        if not self.sqlite:
            stamp_bump()  # COPY goes past the statements the write stamp watches (procedure/due.py)

    def digests(self, model: type[models.Model]) -> dict[tuple[str, str], str]:
        """On SQLite, the trail digests of the staged rows (auditlog.registry.table_digests), taken before the
        write lock as the rows go in unchanged; on PostgreSQL, none: they are read back in the transaction,
        where no lock holds a clerk up."""
        sealed = sealed_for(model._meta.label_lower)
        if not self.sqlite or sealed is None:
            return {}
        label, table = sealed.label, f"temp.{connection.ops.quote_name(self.stage)}"
        return {(label, str(pk)): d.hex() for pk, d in table_digests(sealed, table, trail_key())}

    def drop(self) -> None:
        if connection.connection is None:
            return  # the connection is gone, and its TEMP table with it
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self._staged()}")
