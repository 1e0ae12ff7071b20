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


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """A new, empty database on the suite's engine, as a DATABASE_URL; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"fresh_{uuid.uuid4().hex[:10]}"
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    params = {k: v for k, v in params.items() if v is not None}
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    yield f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
