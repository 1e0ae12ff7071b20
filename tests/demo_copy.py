"""The 罗汉镇 demo world (`fazhan demo --today 2026-11-25`), built once per test run and engine, and a copy of
it in each test that asks for one (the `demo_world` fixture).

Building the demo takes a minute or more; several modules test what it holds. The first test to ask builds it
with the real command (`call_command("demo")`) inside a transaction that is rolled back, reads every row the
build added, table by table, and keeps them in a file the other pytest-xdist worker reads too (one build per
run, a lock between the workers). Each test that asks then gets those rows inserted, as they were, into its
own test transaction: rolled back at the end of the test like anything else the test writes, so a test that
writes changes nothing another sees. The copy is of the database as it stands after migrate (content types,
permissions): when the test's database is not that (a transactional test before it emptied it, a test that
built its own world first), the demo is built for real instead. tests/test_demo_copy.py holds the copy to
the build, row for row, on both engines.
"""

import datetime
import fcntl
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings

DEMO_DAY = datetime.date(2026, 11, 25)
# What the demo's nine logins are hashed with while it is built: the tests' own hasher (conftest.py).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

Rows = list[tuple]
# Columns a worker's migrate fills with its own values (the time it loaded the seed calendar, a new revision
# id): the demo reads neither, so a copy built on one worker fits another whose values differ there.
OWN_TO_EACH_DATABASE = {"core_calendaryear": {"loaded_at", "revision"}}


@dataclass(frozen=True)
class DemoRows:
    output: str  # what `fazhan demo` printed
    added: dict[str, tuple[list[str], Rows]]  # table → (columns, the rows the build added)
    before: dict[str, tuple[list[str], Rows]]  # table → its columns and rows before the build, if it had any
    counts: dict[str, int]  # table → how many rows it held before the build


# Not the demo's content: the migrations, and the write stamp (procedure/due.py), whose one token every write
# changes (the copy's own inserts change it too).
NOT_COPIED = frozenset({"django_migrations", "procedure_write_stamp"})


def _tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if t not in NOT_COPIED)


def _read(table: str) -> tuple[list[str], Rows]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        columns = [d[0] for d in cursor.description]
        rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
    return columns, sorted(rows, key=repr)


def comparable(table: str, columns: list[str], rows: Rows) -> Rows:
    """The rows with the columns OWN_TO_EACH_DATABASE left out (sorted again)."""
    own = OWN_TO_EACH_DATABASE.get(table, set())
    keep = [i for i, c in enumerate(columns) if c not in own]
    return sorted((tuple(row[i] for i in keep) for row in rows), key=repr)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def read_all() -> dict[str, tuple[list[str], Rows]]:
    """Every table's columns and rows as the test's connection reads them (sorted: order is not content)."""
    return {table: _read(table) for table in _tables()}


def demo_rows_build() -> DemoRows:
    """Build the demo with the real command in a transaction, read what it added, and roll it all back."""
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        before = read_all()
        out = io.StringIO()
        call_command("demo", today=DEMO_DAY, stdout=out)
        after = read_all()
        transaction.set_rollback(True)
    added: dict[str, tuple[list[str], Rows]] = {}
    for table, (columns, rows) in after.items():
        old = before.get(table, (columns, []))[1]
        kept = set(map(repr, old))
        missing = kept - set(map(repr, rows))
        if missing:  # the copy adds rows; a build that changed or removed a row cannot be copied so
            raise AssertionError(f"the demo build changed rows of {table} it did not add: {len(missing)}")
        new = [row for row in rows if repr(row) not in kept]
        if new:
            added[table] = (columns, new)
    return DemoRows(
        output=out.getvalue(),
        added=added,
        before={t: (columns, rows) for t, (columns, rows) in before.items() if rows},
        counts={t: len(rows) for t, (_c, rows) in before.items()},
    )


def demo_rows_shared(folder: Path) -> DemoRows:
    """The demo's rows for this run: built by the first worker to ask, read from its file by the others."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{DEMO_DAY}-{connection.vendor}.pickle"
    with open(folder / f"{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        rows = demo_rows_build()
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(pickle.dumps(rows))
        partial.replace(path)
        return rows


def as_after_migrate(rows: DemoRows) -> bool:
    """Whether the test's database holds what it held when the demo was built from it (so the copy fits)."""
    if set(_tables()) != set(rows.counts):
        return False
    if any(_count(t) != n for t, n in rows.counts.items()):
        return False
    for table, (columns, kept) in rows.before.items():
        now_columns, now = _read(table)
        if now_columns != columns or comparable(table, columns, now) != comparable(table, columns, kept):
            return False
    return True


def demo_rows_insert(rows: DemoRows) -> None:
    """Insert the demo's rows into the current transaction (its foreign keys are deferred to its end, so
    the tables go in any order), and set the id sequences past them on PostgreSQL."""
    with connection.cursor() as cursor:
        for table, (columns, values) in rows.added.items():
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})"
            cursor.executemany(insert, values)
        if connection.vendor == "postgresql":
            models = apps.get_models(include_auto_created=True)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


def counts_all() -> dict[str, int]:
    """Every table's row count (but NOT_COPIED's), in one query."""
    tables = _tables()
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {q(t)})" for t in tables))
        return dict(zip(tables, cursor.fetchone(), strict=True))


def settings_seen() -> tuple:
    """The settings as a test sees them (overrides included), to tell whether a world built under one
    test's settings is the world another test's settings would build. FAZHAN_CHECKPOINT_DIR and MEDIA_ROOT
    are each test's own folders (conftest.py, archive/conftest.py); a build that writes no checkpoint and
    no file reads neither."""
    from django.conf import settings
    from django.utils.functional import LazyObject, empty

    own = {"FAZHAN_CHECKPOINT_DIR", "MEDIA_ROOT"}
    seen = []
    for name in sorted(dir(settings)):
        if name.isupper() and name not in own:
            value = getattr(settings, name)
            if isinstance(value, LazyObject) and value._wrapped is empty:
                value._setup()  # a lazy value's repr names what it holds once evaluated: evaluate it now
            seen.append((name, repr(value)))
    return tuple(seen)


@dataclass(frozen=True)
class Built:
    """The rows a build added to the tables it wrote to, and every table's count before it."""

    added: dict[str, tuple[list[str], Rows]]
    counts: dict[str, int]


def rows_added_by(build, before: dict[str, tuple[list[str], Rows]]) -> tuple[object, Built | None]:
    """Run `build()` for real in the current transaction, and say which rows it added: None when it changed
    or removed a row that was there (then it cannot be copied), or wrote to a table that was not empty."""
    result = build()
    after = read_all()
    added: dict[str, tuple[list[str], Rows]] = {}
    for table, (columns, rows) in after.items():
        old = before.get(table, (columns, []))[1]
        if rows == old:
            continue
        if old:  # a copy goes only into empty tables, so ids and the trail's chain come out as they were
            return result, None
        added[table] = (columns, rows)
    return result, Built(added=added, counts={t: len(rows) for t, (_c, rows) in before.items()})


def rows_insert(added: dict[str, tuple[list[str], Rows]]) -> None:
    """Insert rows as they were read, in one transaction (a savepoint inside a test's) whose foreign keys
    are checked at its end, so the tables go in any order; on PostgreSQL set their id sequences past them."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, values) in added.items():
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})", values
            )
        if connection.vendor == "postgresql":
            tables = set(added)
            models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables]
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


@dataclass(frozen=True)
class DemoWorld:
    output: str  # what `fazhan demo` printed when it built the world
    copied: bool  # False when the test's database did not fit the copy and the demo was built for real


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker, tmp_path_factory, request) -> DemoRows:
    # Under pytest-xdist the workers' temporary folders share a parent: the run's.
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if hasattr(request.config, "workerinput") else base) / "demo-world"
    with django_db_blocker.unblock():
        return demo_rows_shared(folder)


@pytest.fixture
def demo_world(demo_rows, db) -> DemoWorld:
    """The demo world of 2026-11-25 in this test's database, as `fazhan demo --today 2026-11-25` builds it."""
    if as_after_migrate(demo_rows):
        demo_rows_insert(demo_rows)
        return DemoWorld(output=demo_rows.output, copied=True)
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        out = io.StringIO()
        call_command("demo", today=DEMO_DAY, stdout=out)
    return DemoWorld(output=out.getvalue(), copied=False)
