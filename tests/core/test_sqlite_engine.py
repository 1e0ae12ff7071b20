"""SQLite as a real embedded engine (issue: trust against an insider, item 6): each connection takes the write
lock at BEGIN, waits long enough for the largest import before giving up, and commits durably."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

pytestmark = pytest.mark.django_db(transaction=True)


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own settings")


def pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_commits_are_durable_and_writers_wait_for_an_import():
    sqlite_only()
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL: a commit survives a power cut
    assert pragma("busy_timeout") == settings.FAZHAN_SQLITE_BUSY_TIMEOUT * 1000
    assert settings.FAZHAN_SQLITE_BUSY_TIMEOUT >= 60


def test_a_second_writer_waits_for_the_first_instead_of_failing():
    """A long write (an import) holds the lock; a step entry begun meanwhile waits and then succeeds."""
    sqlite_only()
    from fazhan.organizations.models import Org

    held = threading.Event()
    outcome: dict[str, object] = {}

    def long_writer():
        try:
            with transaction.atomic():
                Org.objects.create(code="LOCK-A", name="甲", kind="committee", path="/LOCK-A/")
                held.set()
                time.sleep(1.5)
        finally:
            connections.close_all()

    def second_writer():
        held.wait(5)
        started = time.monotonic()
        try:
            with transaction.atomic():  # BEGIN IMMEDIATE: waits here for the lock
                Org.objects.create(code="LOCK-B", name="乙", kind="committee", path="/LOCK-B/")
            outcome["waited"] = time.monotonic() - started
        except Exception as error:  # the test reports what the writer met
            outcome["error"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=long_writer), threading.Thread(target=second_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert "error" not in outcome, outcome
    assert outcome["waited"] >= 1.0
    assert set(Org.objects.filter(code__startswith="LOCK-").values_list("code", flat=True)) == {
        "LOCK-A",
        "LOCK-B",
    }
