"""A bulk INSERT ... RETURNING without the ORM's per-object work: an import writes a few hundred thousand
step records, where bulk_create spends most of its time compiling each value."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


def insert_returning_pks(model: type[models.Model], fields: list[str], rows: list[list[Any]]) -> list[int]:
    """Insert rows of database-ready values (see prepared) and return their primary keys in row order."""
    if not rows:
        return []
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(str(meta.get_field(f).column)) for f in fields)  # type: ignore[union-attr]
    table, pk = quote(meta.db_table), quote(str(meta.pk.column))  # type: ignore[union-attr]
    per_batch = max(1, min(1000, 30_000 // len(fields)))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pks: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_batch):
            batch = rows[start : start + per_batch]
            values = ", ".join([one] * len(batch))
            params = [value for row in batch for value in row]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {pk}", params)
            pks.extend(row[0] for row in cursor.fetchall())
    return pks


def preparer(model: type[models.Model], field: str):
    """The function that turns a Python value into what the database driver takes for this field."""
    model_field, real = model._meta.get_field(field), connections[DEFAULT_DB_ALIAS]  # not the proxy: per row
    return lambda value: model_field.get_db_prep_save(value, real)  # type: ignore[union-attr]
