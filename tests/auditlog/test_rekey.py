"""Upgrading a trail hashed with plain SHA-256 (auditlog migration 0004): an intact chain is re-chained once
under the trail key, in a `trail.rekeyed` event that keeps the old head; a broken one is left as it is."""

import datetime
import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_verify
from tests.auditlog.raw import raw_sql

BEFORE = [("auditlog", "0003_record_digests")]


def _old_chain(count: int, *, break_at: int | None = None) -> str:
    """`count` events hashed as before the key (SHA-256), written as that version wrote them; the head."""
    prev = ""
    for n in range(count):
        at = datetime.datetime(2025, 3, 4, 5, 6, n, 123456, tzinfo=datetime.UTC)
        payload = {
            "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": None,
            "action": "user.note",
            "target": ["", ""],
            "org": "",
            "data": {"n": n},
        }
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        new = hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()
        if n == break_at:
            new = "0" * 64
        raw_sql(
            "INSERT INTO auditlog_auditevent (at, actor_id, action, target_type, target_id, org_path, data, "
            "digest, seal, prev_hash, hash) VALUES (%s, NULL, 'user.note', '', '', '', %s, '', '', %s, %s)",
            [at, json.dumps({"n": n}), prev, new],
        )
        prev = new
    return prev


def _upgrade(count: int, *, break_at: int | None = None) -> str:
    MigrationExecutor(connection).migrate(BEFORE)
    try:
        return _old_chain(count, break_at=break_at)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_intact_sha256_chain_is_rechained_once_under_the_key_keeping_its_old_head():
    old_head = _upgrade(4)
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) == 5
    rekeyed = events[-1]
    assert rekeyed.action == "trail.rekeyed"
    assert rekeyed.data["old_head"] == old_head
    assert rekeyed.data["events"] == 4
    assert old_head not in {e.hash for e in events}
    check = trail_verify()
    assert check.ok, check.broken
    assert check.count == 5


@pytest.mark.django_db(transaction=True)
def test_a_broken_sha256_chain_is_not_laundered_by_the_upgrade():
    _upgrade(3, break_at=1)
    events = list(AuditEvent.objects.order_by("id").values_list("action", "hash"))
    assert [action for action, _ in events] == ["user.note"] * 3
    assert events[1][1] == "0" * 64
    assert not trail_verify().ok
