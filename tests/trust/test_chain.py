"""A trail no one can rewrite unseen (issue 13, item 3). The chain is keyed, so an edited event whose
following hashes are recomputed with SHA-256 is named; the head is signed into checkpoints outside the
database, so events cut off, or a trail rewritten even with the key, are named by the checkpoint that covered
them; a checkpoint file changed or signed by another key is named; the district gets its copy over HTTP."""

import base64
import datetime
import hashlib
import hmac
import http.server
import io
import json
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from fazhan.auditlog.checkpoints import (
    checkpoint_write,
    checkpoints_verify,
    public_key_text,
    signing_key,
    signing_key_is_development,
)
from fazhan.auditlog.models import AuditEvent, AuditSeal
from fazhan.auditlog.registry import trail_key
from fazhan.auditlog.services import audit_record
from tests.auditlog.raw import raw_sql

FIELDS = ("id", "at", "actor_id", "action", "target_type", "target_id", "org_path", "data", "digest", "seal")


def _verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verifytrail", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, str(error) + "\n" + err.getvalue()
    return 0, out.getvalue()


def _body(at, actor_id, action, target_type, target_id, org_path, data, digest, seal) -> str:
    """The event's content exactly as the writer hashes it (auditlog.services.event_hash)."""
    payload = {
        "at": at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor_id,
        "action": action,
        "target": [target_type, target_id],
        "org": org_path,
        "data": data,
    }
    if digest:
        payload["digest"] = digest
    if seal:
        payload["seal"] = seal
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)


def _rehash_from(first_id: int, hasher) -> None:
    """Recompute every hash from `first_id` on, as whoever edited an event would, and store them."""
    prev = (
        AuditEvent.objects.filter(id__lt=first_id).order_by("-id").values_list("hash", flat=True).first()
        or ""
    )
    for row in AuditEvent.objects.filter(id__gte=first_id).order_by("id").values_list(*FIELDS):
        new = hasher(f"{prev}\n{_body(*row[1:])}".encode())
        raw_sql("UPDATE auditlog_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, row[0]])
        prev = new


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _with_the_key(data: bytes) -> str:
    return hmac.new(trail_key(), data, "sha256").hexdigest()


def _edit(victim: AuditEvent) -> None:
    raw_sql("UPDATE auditlog_auditevent SET data = %s WHERE id = %s", ['{"pid": "P9999"}', victim.pk])


def test_an_edited_event_with_every_following_hash_recomputed_by_sha256_is_named(world):
    victim = AuditEvent.objects.filter(action="role.grant").order_by("id")[1]
    after = AuditEvent.objects.filter(id__gt=victim.pk).count()
    assert after > 5
    _edit(victim)
    _rehash_from(victim.pk, _sha256)
    # the chain as SHA-256 would see it is whole again: each prev_hash is the hash before it
    rows = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash"))
    assert all(rows[i][0] == rows[i - 1][1] for i in range(1, len(rows)))
    code, text = _verify()
    assert code == 1
    assert f"Trail broken at event #{victim.pk}: content does not match its hash" in text


def test_an_untouched_keyed_trail_verifies_and_the_sha256_recipe_is_not_its_hash(world):
    code, text = _verify()
    assert code == 0, text
    event = AuditEvent.objects.order_by("id").values_list(*FIELDS, "prev_hash", "hash").first()
    body = f"{event[-2]}\n{_body(*event[1:-2])}".encode()
    assert event[-1] == _with_the_key(body)
    assert event[-1] != _sha256(body)


def test_a_trail_rewritten_with_the_key_is_named_by_the_checkpoint_that_covered_it(world):
    victim = AuditEvent.objects.filter(action="person.create").order_by("id")[1]
    written = checkpoint_write("daily")
    _edit(victim)
    _rehash_from(victim.pk, _with_the_key)  # an insider holding the trail key too
    code, text = _verify()
    assert code == 1
    head = written.checkpoint["event_id"]
    assert f"checkpoint {written.path.name}: event #{head} no longer has the hash it signed" in text


def test_events_a_checkpoint_covers_deleted_from_the_end_are_named_by_it(world):
    audit_record(actor=None, action="user.note", data={"n": 1})
    written = checkpoint_write("daily")
    audit_record(actor=None, action="user.note", data={"n": 2})
    later = checkpoint_write("daily")
    assert _verify()[0] == 0
    ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:2])
    raw_sql("DELETE FROM auditlog_auditevent WHERE id IN (%s, %s)", ids)
    check = [problem.message for problem in checkpoints_verify()[1]]
    assert check == [
        f"checkpoint {written.path.name}: the event it signed, #{ids[1]}, is not in the trail: "
        "events it covers were removed",
        f"checkpoint {later.path.name}: the event it signed, #{ids[0]}, is not in the trail: "
        "events it covers were removed",
    ]
    code, text = _verify()
    assert code == 1
    assert f"checkpoint {written.path.name}: the event it signed, #{ids[1]}" in text
    assert "(and 1 more checkpoint)" in text


def test_events_deleted_before_the_checkpointed_one_are_named_by_its_count(world):
    written = checkpoint_write("daily")
    first = AuditEvent.objects.order_by("id").first()
    raw_sql("DELETE FROM auditlog_auditseal WHERE event_id = %s", [first.pk])
    raw_sql("DELETE FROM auditlog_auditevent WHERE id = %s", [first.pk])
    head = written.checkpoint["event_id"]
    (problem,) = checkpoints_verify()[1]
    count = written.checkpoint["count"]
    assert problem.text == (
        f"the trail holds {count - 1} events up to #{head}, it signed {count}: events it covers were removed"
    )


def test_a_checkpoint_file_changed_or_signed_by_another_key_is_named(world):
    written = checkpoint_write("daily")
    checkpoint = json.loads(written.path.read_text())
    checkpoint["count"] -= 1  # to hide an event removed
    written.path.write_text(json.dumps(checkpoint))
    other = Ed25519PrivateKey.generate()
    forged = checkpoint_write("daily")
    body = {k: v for k, v in forged.checkpoint.items() if k not in ("signature", "public_key")}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    forged_text = {
        **body,
        "signature": base64.b64encode(other.sign(canonical)).decode(),
        "public_key": base64.b64encode(
            other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        ).decode(),
    }
    forged.path.write_text(json.dumps(forged_text))
    count, problems = checkpoints_verify()
    assert count == 2
    assert [p.name for p in problems] == [written.path.name, forged.path.name]
    assert problems[0].text == "its signature does not match its content: it was changed after it was signed"
    assert problems[1].text.startswith("it is signed with another key (")
    code, text = _verify()
    assert code == 1
    assert f"Trail not as signed: checkpoint {written.path.name}: its signature does not match" in text


def test_the_signing_key_from_the_settings_and_the_development_one(settings):
    settings.FAZHAN_TRAIL_SIGNING_KEY = ""  # no key in the environment or the key file
    assert signing_key_is_development()
    development = public_key_text()
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, encryption_algorithm=NoEncryption())
    settings.FAZHAN_TRAIL_SIGNING_KEY = base64.b64encode(raw).decode()
    assert not signing_key_is_development()
    assert public_key_text() != development
    assert signing_key().public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw
    ) == key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    settings.FAZHAN_TRAIL_SIGNING_KEY = "not base64!"
    with pytest.raises(ImproperlyConfigured, match="FAZHAN_TRAIL_SIGNING_KEY"):
        signing_key()


def test_a_checkpoint_every_n_events_once_committed(world, settings, django_capture_on_commit_callbacks):
    settings.FAZHAN_CHECKPOINT_EVERY = 5
    folder = settings.FAZHAN_CHECKPOINT_DIR
    assert not list(folder.glob("*.json"))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(10):
            audit_record(actor=None, action="user.note", data={"n": n})
    files = sorted(folder.glob("*-every.json"))
    assert len(files) == 2
    assert checkpoints_verify() == (2, [])
    last = json.loads(files[-1].read_text())
    assert last["count"] == AuditEvent.objects.filter(id__lte=last["event_id"]).count()


class _District(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def district():
    _District.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _District)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/checkpoints", _District.received
    server.shutdown()
    server.server_close()


def test_the_daily_checkpoint_is_written_and_sent_to_the_district(world, settings, district):
    url, received = district
    settings.FAZHAN_CHECKPOINT_URL = url
    out = io.StringIO()
    call_command("checkpoint", stdout=out, stderr=io.StringIO())
    (path,) = settings.FAZHAN_CHECKPOINT_DIR.glob("*-daily.json")
    assert received == [json.loads(path.read_text())]
    head = AuditEvent.objects.order_by("-id").first()
    assert received[0]["event_id"] == head.pk
    assert received[0]["hash"] == head.hash
    assert f"sent to {url} (201)" in out.getvalue()


def test_a_district_that_does_not_answer_fails_the_command_and_the_file_is_kept(world, settings):
    settings.FAZHAN_CHECKPOINT_URL = "http://127.0.0.1:9/nothing-listens"
    with pytest.raises(CommandError, match="written but not sent") as failed:
        call_command("checkpoint", stdout=io.StringIO(), stderr=io.StringIO())
    assert failed.value.returncode == 1
    assert len(list(settings.FAZHAN_CHECKPOINT_DIR.glob("*-daily.json"))) == 1


def test_the_application_cannot_update_or_delete_the_trail_on_postgresql(world):
    """On both engines (the name stays, the README's table names it): PostgreSQL's trigger, SQLite's."""
    event = AuditEvent.objects.order_by("id").first()
    seal = AuditSeal.objects.order_by("id").first()
    with pytest.raises(DatabaseError, match="append-only: UPDATE"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(data={"pid": "P9999"})
    with pytest.raises(DatabaseError, match="append-only: DELETE"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    for sql in (
        "UPDATE auditlog_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM auditlog_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    if seal is not None:
        with (
            pytest.raises(DatabaseError, match="append-only: DELETE"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM auditlog_auditseal WHERE id = %s", [seal.pk])
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_a_program_outside_the_application_cannot_rewrite_the_sqlite_trail_either(world, tmp_path):
    """Another connection to the same file (the sqlite3 shell, a script) has no way past the triggers but to
    drop them, which the keyed chain and the checkpoints then catch."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's file")
    import sqlite3

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'auditlog_auditevent' "
            "AND type IN ('table', 'trigger') ORDER BY type = 'trigger'"
        )
        schema = cursor.fetchall()
    assert sum(1 for kind, _sql in schema if kind == "trigger") == 2
    target = sqlite3.connect(tmp_path / "copy.sqlite3")  # the same schema in a file of its own
    for _kind, sql in schema:
        target.execute(sql)
    target.execute(
        "INSERT INTO auditlog_auditevent (at, action, target_type, target_id, org_path, data, digest, seal, "
        "prev_hash, hash) VALUES ('2026-01-01', 'a', '', '', '', '{}', '', '', '', 'h')"
    )
    with pytest.raises(sqlite3.Error):
        target.execute("UPDATE auditlog_auditevent SET action = 'x'")
    with pytest.raises(sqlite3.Error):
        target.execute("DELETE FROM auditlog_auditevent")
    assert target.execute("SELECT action FROM auditlog_auditevent").fetchall() == [("a",)]
    target.close()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_flush_is_the_one_door_the_application_opens_and_it_empties_everything(world):
    """Django's flush (a whole database emptied) passes SQLite's triggers, and once it has run they refuse
    again. (On PostgreSQL flush is a TRUNCATE, which row triggers do not see, and which cannot run inside the
    test's transaction: the transactional tests flush it after each test.)"""
    assert AuditEvent.objects.exists()
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)  # rolled back after
    assert not AuditEvent.objects.exists()
    audit_record(actor=None, action="test.after_flush")
    with pytest.raises(DatabaseError, match="append-only: DELETE"), transaction.atomic():
        AuditEvent.objects.all().delete()


def test_an_import_signs_the_head_once_committed(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    from tests.interchange.conftest import run
    from tests.interchange.test_ledger import FULL_HISTORY, ID_A, ledger, person_row

    folder = settings.FAZHAN_CHECKPOINT_DIR
    # Only the import's checkpoint: the every-N-events one goes by event id, and an engine's id sequence
    # (not rolled back with the tests before) may cross a multiple of N during this import.
    settings.FAZHAN_CHECKPOINT_EVERY = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            run("import", str(ledger(tmp_path / "l0.xlsx", [person_row("钱七", ID_A, **FULL_HISTORY)])))[0]
            == 0
        )
    (path,) = folder.glob("*-import.json")
    checkpoint = json.loads(path.read_text())
    head = AuditEvent.objects.order_by("-id").first()
    assert (checkpoint["event_id"], checkpoint["hash"]) == (head.pk, head.hash)
    assert checkpoints_verify() == (1, [])
