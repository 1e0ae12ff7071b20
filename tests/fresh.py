"""A second, empty database on the suite's engine, and the `fazhan` command run in a real process against
it: for what must hold in another deployment (an export imported into an empty database, a restore)."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[1]


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "fazhan.settings", **env}
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=full, capture_output=True, text=True, check=False, timeout=600
    )


def run_fazhan(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(["-c", "from fazhan.cli import main; main()", *args], env)


def _admin_params() -> dict:
    """How to reach the PostgreSQL server's maintenance database as the suite's user (autocommit)."""
    db = connection.settings_dict
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    return {k: v for k, v in params.items() if v is not None}


def _pg_url(name: str) -> str:
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _pg_database(template: str | None = None) -> str:
    """A new PostgreSQL database (a copy of `template` when given): its name."""
    import psycopg

    name = f"fresh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**_admin_params()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def _pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(**_admin_params()) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """A new, empty database on the suite's engine, as a DATABASE_URL; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = _pg_database()
    yield _pg_url(name)
    _pg_drop(name)


@pytest.fixture(scope="session")
def migrated_template(django_db_setup, tmp_path_factory) -> Iterator[str]:
    """A database on the suite's engine that `fazhan migrate`, run in a real process with the tests' keys,
    has just made from an empty one: once per worker (a migrate costs 8-11 CPU seconds), the sqlite file or
    the PostgreSQL database that `migrated_database` copies."""
    if connection.vendor == "sqlite":
        path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
        url = f"sqlite:///{path}"
    else:
        name = _pg_database()
        url = _pg_url(name)
    done = run_fazhan(["migrate", "--noinput", "-v0"], {"DATABASE_URL": url})
    if done.returncode != 0:
        raise AssertionError(done.stdout + done.stderr)
    yield url if connection.vendor == "sqlite" else name
    if connection.vendor != "sqlite":
        _pg_drop(name)


@pytest.fixture
def migrated_database(migrated_template, tmp_path) -> Iterator[str]:
    """A new database on the suite's engine as `fazhan migrate` leaves an empty one (migrated, no records), as
    a DATABASE_URL; dropped afterwards. A copy of one migrated once per worker: the sqlite file copied
    through SQLite's backup, or on PostgreSQL `CREATE DATABASE ... TEMPLATE`. A `fazhan migrate` run in it
    finds every migration applied, as it would in a database migrated by an earlier run."""
    if connection.vendor == "sqlite":
        import sqlite3

        path = tmp_path / "fresh.sqlite3"
        source = sqlite3.connect(migrated_template.removeprefix("sqlite:///"))
        target = sqlite3.connect(path)
        with source, target:
            source.backup(target)
        source.close()
        target.close()
        yield f"sqlite:///{path}"
        return
    name = _pg_database(template=migrated_template)
    yield _pg_url(name)
    _pg_drop(name)


_MANY = """
import io, json, sys, django
django.setup()
from django.core.management import call_command
results = []
for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    try:
        if args[0] == "@python":
            from contextlib import redirect_stdout
            with redirect_stdout(out):
                exec(args[1], {})
        else:
            call_command(*args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    results.append([status, out.getvalue(), err.getvalue()])
    if status:
        break
print("\\x1e" + json.dumps(results, ensure_ascii=False))
"""


def run_fazhan_many(commands: list[list[str]], env: dict[str, str]) -> list[tuple[int, str]]:
    """Several `fazhan` commands in one process (one start-up): (exit status, standard output) of each, up to
    the first that fails. A command ["@python", code] runs the code there and gives what it prints."""
    import json

    done = run_python(["-c", _MANY, json.dumps(commands)], env)
    if "\x1e" not in done.stdout:
        raise AssertionError(done.stdout + done.stderr)
    return [(status, out) for status, out, _err in json.loads(done.stdout.rsplit("\x1e", 1)[1])]
