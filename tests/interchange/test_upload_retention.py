"""Uploaded import files hold clear ID numbers and go into every backup while they are stored: their content
is deleted once their import job has ended (written or failed), or a day after the upload if it was never
confirmed (issue 13, item 5). The row stays with the file's name and SHA-256."""

import datetime
import hashlib
import json

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.interchange.models import ImportUpload
from fazhan.interchange.uploads import import_uploads_purge
from fazhan.jobs.models import Job, JobKind, JobState
from tests.jobs.test_jobs import finished, job_id_of


def _body(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def _upload(client, body: bytes, name: str = "records.jsonl") -> str:
    response = client.post("/interchange/", {"file": SimpleUploadedFile(name, body)})
    assert response.status_code == 302
    return response["Location"]


def _later(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


def test_the_file_is_deleted_when_its_import_is_written(transactional_db, world, client_for, base_records):
    client = client_for("lh_organizer")
    body = _body(base_records)
    preview = _upload(client, body)
    upload = ImportUpload.objects.get()
    assert bytes(upload.content) == body  # kept for the preview and the confirmation
    assert finished(job_id_of(client.post(preview + "confirm/"))).state == JobState.DONE
    upload.refresh_from_db()
    assert bytes(upload.content) == b""
    assert upload.imported_at is not None
    assert upload.content_deleted_at is not None
    assert (upload.filename, upload.sha256) == ("records.jsonl", hashlib.sha256(body).hexdigest())
    assert AuditEvent.objects.filter(action="interchange.uploads_purge", data__uploads=[upload.pk]).exists()
    assert b"511002196803041211" not in b"".join(bytes(u.content) for u in ImportUpload.objects.all())


def test_the_file_is_deleted_when_its_import_fails(transactional_db, world, client_for, base_records):
    outsider = client_for("yx_organizer")  # the file's orgs lie outside this township: the import fails
    preview = _upload(outsider, _body(base_records))
    assert finished(job_id_of(outsider.post(preview + "confirm/"))).state == JobState.FAILED
    upload = ImportUpload.objects.get()
    assert (bytes(upload.content), upload.imported_at) == (b"", None)
    assert upload.content_deleted_at is not None
    assert outsider.get(preview).status_code == 404  # no preview of a deleted file
    assert outsider.post(preview + "confirm/").status_code == 404


def test_an_unconfirmed_file_is_deleted_a_day_later_by_the_next_upload(world, client_for, base_records):
    client = client_for("lh_organizer")
    stale = _upload(client, _body(base_records), "old.jsonl")
    with time_machine.travel(_later(hours=23)):
        _upload(client_for("lh_organizer"), _body(base_records), "recent.jsonl")
        assert bytes(ImportUpload.objects.get(filename="old.jsonl").content)  # not a day yet
    with time_machine.travel(_later(hours=25)):
        fresh = client_for("lh_organizer")
        _upload(fresh, _body(base_records), "new.jsonl")
        old = ImportUpload.objects.get(filename="old.jsonl")
        assert (bytes(old.content), old.content_deleted_at is not None) == (b"", True)
        assert bytes(ImportUpload.objects.get(filename="recent.jsonl").content)
        assert bytes(ImportUpload.objects.get(filename="new.jsonl").content)
        assert fresh.get(stale).status_code == 404


def test_the_daily_command_deletes_what_is_due_and_spares_an_import_under_way(
    world, client_for, base_records, capsys
):
    client = client_for("lh_organizer")
    _upload(client, _body(base_records), "a.jsonl")
    _upload(client, _body(base_records), "b.jsonl")
    running = ImportUpload.objects.get(filename="b.jsonl")
    with time_machine.travel(_later(days=2)):
        # An import of b.jsonl working on another thread now (its row, as the runner keeps it).
        Job.objects.create(
            kind=JobKind.IMPORT,
            org=world.township,
            title="导入 b.jsonl",
            started_by=world.users["lh_organizer"],
            params={"upload": running.pk, "file": "b.jsonl"},
            state=JobState.RUNNING,
            progress_at=timezone.now(),
        )
        call_command("purgeuploads")
        assert "1 uploaded file(s) deleted" in capsys.readouterr().out
        assert bytes(ImportUpload.objects.get(filename="a.jsonl").content) == b""
        assert bytes(ImportUpload.objects.get(filename="b.jsonl").content)  # its import is running
    with time_machine.travel(_later(days=2, minutes=30)):  # that job fell silent: its process is gone
        assert import_uploads_purge() == 1
    assert not ImportUpload.objects.filter(content_deleted_at__isnull=True).exists()


def test_a_purge_with_nothing_due_writes_nothing(world):
    before = AuditEvent.objects.count()
    assert import_uploads_purge() == 0
    assert AuditEvent.objects.count() == before
