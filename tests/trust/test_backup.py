"""Backups that restore: `fazhan backup` of the canonical world with a walked case and a stored scan,
restored by `fazhan restore` (a real process) into a fresh database, holds the same persons, steps and files
and an intact trail."""

import json
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fazhan.archive.services import attachment_add
from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import Person
from fazhan.procedure.models import StepRecord
from tests.fresh import run_fazhan, run_python
from tests.procedure.conftest import pw, walk  # noqa: F401  (the procedure world)

REPO = Path(__file__).resolve().parents[2]
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

SNAPSHOT = """
import json, django
django.setup()
from fazhan.people.models import Person
from fazhan.procedure.models import StepRecord
from fazhan.auditlog.models import AuditEvent
from fazhan.archive.models import Attachment
print(json.dumps({
    "persons": sorted(Person.objects.values_list("pid", "name")),
    "steps": sorted(
        (r.case.person.pid, r.step, r.date.isoformat())
        for r in StepRecord.objects.select_related("case__person")
    ),
    "events": AuditEvent.objects.count(),
    "head": AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first(),
    "blobs": sorted(Attachment.objects.values_list("sha256", flat=True)),
}, ensure_ascii=False))
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(args, env)


def _fazhan(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_fazhan(args, env)


def _world_on_record(pw, settings, tmp_path) -> dict:  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    records = walk(pw, "S05")
    attachment_add(
        actor=None,
        record=records["S01"][0],
        material=next(iter(_documents("S01"))),
        upload=SimpleUploadedFile("application.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    return {
        "persons": sorted([list(p) for p in Person.objects.values_list("pid", "name")]),
        "steps": sorted(
            [r.case.person.pid, r.step, r.date.isoformat()]
            for r in StepRecord.objects.select_related("case__person")
        ),
        "events": AuditEvent.objects.count(),
        "head": AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first(),
    }


def _documents(step: str):
    from fazhan.procedure.definition import STEPS_BY_CODE

    return STEPS_BY_CODE[step].documents


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_the_same_record(pw, settings, tmp_path, fresh_database):  # noqa: F811
    before = _world_on_record(pw, settings, tmp_path)
    assert len(before["steps"]) >= 5
    archive = tmp_path / "fazhan-backup.tar"
    call_command("backup", str(archive))

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "media.tar", manifest["database"]} <= names
    assert manifest["media"]["files"] == 1
    assert manifest["trail"]["at_least_head"] == before["head"]

    env = {"DATABASE_URL": fresh_database, "FAZHAN_MEDIA_ROOT": str(tmp_path / "restored-media")}
    done = _fazhan(["restore", str(archive)], env)
    assert done.returncode == 0, done.stderr
    assert f"trail intact: {before['events']} events" in done.stdout

    after = json.loads(_run(["-c", SNAPSHOT], env).stdout)
    assert after["persons"] == before["persons"]
    assert after["steps"] == before["steps"]
    assert after["events"] == before["events"]
    assert after["head"] == before["head"]
    (blob,) = after["blobs"]
    assert (tmp_path / "restored-media" / "blobs" / blob[:2] / blob[2:]).read_bytes() == PDF_BYTES
    assert _fazhan(["verifytrail"], env).returncode == 0

    # Into the same database again: refused, it is no longer empty; --force replaces it.
    again = _fazhan(["restore", str(archive)], env)
    assert again.returncode == 1
    assert "not empty" in again.stderr
    forced = _fazhan(["restore", "--force", str(archive)], env)
    assert forced.returncode == 0, forced.stderr


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_written(pw, settings, tmp_path, fresh_database):  # noqa: F811
    _world_on_record(pw, settings, tmp_path)
    archive = tmp_path / "fazhan-backup.tar"
    call_command("backup", str(archive))
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "media.tar":
                data = data[:-1] + bytes([data[-1] ^ 1])
            import io

            dst.addfile(member, io.BytesIO(data))
    env = {"DATABASE_URL": fresh_database, "FAZHAN_MEDIA_ROOT": str(tmp_path / "restored-media")}
    done = _fazhan(["restore", str(damaged)], env)
    assert done.returncode == 1
    assert "media.tar does not match its SHA-256" in done.stderr
    assert not (tmp_path / "restored-media").exists()


def test_restore_of_a_missing_or_foreign_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "nope.tar"))
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(CommandError, match="not a Fazhan backup"):
        call_command("restore", str(junk))


@pytest.mark.django_db(transaction=True)
def test_a_record_changed_behind_the_back_before_a_backup_is_named_at_its_restore(
    pw,  # noqa: F811
    settings,
    tmp_path,
    fresh_database,
):
    _world_on_record(pw, settings, tmp_path)
    s02 = StepRecord.objects.get(step="S02")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procedure_steprecord SET date = %s WHERE id = %s", ["2020-03-05", s02.pk])
    archive = tmp_path / "fazhan-backup.tar"
    call_command("backup", str(archive))
    env = {"DATABASE_URL": fresh_database, "FAZHAN_MEDIA_ROOT": str(tmp_path / "restored-media")}
    done = _fazhan(["restore", str(archive)], env)
    assert done.returncode == 1
    assert "Refused, nothing was restored: a record is not as the trail holds it" in done.stderr
    assert f"procedure.steprecord #{s02.pk} (person P0001, step S02, date 2020-03-05)" in done.stderr
    assert _tables(env) == []  # verified in a staging database: the target was never written


TABLES = """
import json, django
django.setup()
from django.db import connection
print(json.dumps(sorted(connection.introspection.table_names())))
"""


def _tables(env: dict[str, str]) -> list[str]:
    done = _run(["-c", TABLES], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _rewrite(target: Path, *, manifest: dict, parts: dict[str, bytes]) -> None:
    """A backup with these parts and this manifest, its SHA-256s recomputed: what a forger can do."""
    import hashlib
    import io

    manifest = {**manifest, "parts": {name: hashlib.sha256(data).hexdigest() for name, data in parts.items()}}
    with tarfile.open(target, "w") as dst:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *parts.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_a_forged_backup_is_refused_before_anything_is_written(pw, settings, tmp_path, fresh_database):  # noqa: F811
    import base64
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from fazhan.backup.services import _dump_database

    _world_on_record(pw, settings, tmp_path)
    archive = tmp_path / "fazhan-backup.tar"
    call_command("backup", str(archive))
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        parts = {name: tar.extractfile(name).read() for name in manifest["parts"]}
    assert manifest["trail"]["checkpoint"]["hash"] == manifest["trail"]["at_least_head"]
    assert manifest["signature"]

    # The forger's records: S02 dated otherwise, as the database of the backup would then hold it.
    s02 = StepRecord.objects.get(step="S02")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procedure_steprecord SET date = %s WHERE id = %s", ["2020-03-05", s02.pk])
    workdir = tmp_path / "forge"
    workdir.mkdir()
    name = _dump_database(workdir)
    edited = {**parts, name: (workdir / name).read_bytes()}
    assert edited[name] != parts[name]

    env = {"DATABASE_URL": fresh_database, "FAZHAN_MEDIA_ROOT": str(tmp_path / "restored-media")}
    unsigned = {k: v for k, v in manifest.items() if k not in ("signature", "public_key")}
    other = Ed25519PrivateKey.generate()
    resigned = dict(unsigned)
    resigned["parts"] = {n: hashlib.sha256(d).hexdigest() for n, d in edited.items()}
    canonical = json.dumps(resigned, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    resigned["signature"] = base64.b64encode(other.sign(canonical)).decode()
    resigned["public_key"] = base64.b64encode(
        other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ).decode()
    cases = [
        (manifest, "the backup's manifest its signature does not match its content"),
        (unsigned, "the backup's manifest it is not signed"),
        (resigned, "the backup's manifest it is signed with another key"),
    ]
    for i, (forged_manifest, why) in enumerate(cases):
        forged = tmp_path / f"forged-{i}.tar"
        _rewrite(forged, manifest=forged_manifest, parts=edited)  # the SHA-256s as the forger signed them
        done = _fazhan(["restore", str(forged)], env)
        assert done.returncode == 1, done.stdout
        assert f"Refused, nothing was restored: {why}" in done.stderr
        assert _tables(env) == []
        assert not (tmp_path / "restored-media").exists()

    # The genuine backup still restores, and its trail verifies against the checkpoints there.
    done = _fazhan(["restore", str(archive)], env)
    assert done.returncode == 0, done.stderr
    assert _fazhan(["verifytrail"], env).returncode == 0
