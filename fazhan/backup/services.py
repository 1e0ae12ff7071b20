"""Backups that restore: one tar file holding a consistent snapshot of the database, the stored files
(MEDIA_ROOT/blobs) and a manifest with the SHA-256 of each part and the signed head of the audit trail (a
checkpoint, auditlog.checkpoints), the manifest itself signed with the trail's Ed25519 key. A restore
refuses an unsigned manifest, or one signed by another key or changed since, before it writes anything; it
then restores into a staging database (a file beside the parts on SQLite, a database of its own on
PostgreSQL), walks the trail there and checks the signed head against it, and only then restores the same,
verified part into the target.

SQLite is copied through its online backup API (a consistent snapshot while others write); PostgreSQL is
dumped with `pg_dump -Fc` and restored with `pg_restore`. A restore goes into an empty database only
(unless forced), checks every part against the manifest first, and afterwards walks the trail's chain and
compares its length and last hash with the manifest's, and every sealed record with its last digest in the
trail (the trail key, FAZHAN_TRAIL_KEY, must be the one the backup's database was written under)."""

import contextlib
import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fazhan.accounts.models import User
from fazhan.auditlog.checkpoints import checkpoint_problem, checkpoint_write, sign, signature_problem
from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_verify

FORMAT = "fazhan-backup"
VERSION = 1
UNSIGNED = ("signature", "public_key")  # what of a manifest its signature does not cover
MEDIA_PART = "media.tar"
SQLITE_PART = "db.sqlite3"
PG_PART = "db.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    trail_count: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore, from the default database's settings."""
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def pg_tools_available() -> bool:
    return bool(shutil.which("pg_dump") and shutil.which("pg_restore"))


def _dump_database(workdir: Path) -> str:
    if connection.vendor == "sqlite":
        target = workdir / SQLITE_PART
        connection.ensure_connection()
        source = connection.connection
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
        return SQLITE_PART
    if connection.vendor == "postgresql":
        if not shutil.which("pg_dump"):
            raise BackupError(
                "pg_dump was not found on PATH: install the PostgreSQL client (postgresql-client) to back up "
                "a PostgreSQL database."
            )
        args, env = _pg_env()
        done = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "--file", str(workdir / PG_PART), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return PG_PART
    raise BackupError(f"Backups of a {connection.vendor} database are not supported.")


def _blob_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs"


def _tar_media(target: Path) -> int:
    """MEDIA_ROOT/blobs as a tar (names relative to MEDIA_ROOT); the number of files."""
    count = 0
    root = _blob_root()
    with tarfile.open(target, "w") as tar:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
                tar.add(path, arcname=str(path.relative_to(settings.MEDIA_ROOT)))
                count += 1
    return count


def backup_write(path: Path) -> dict:
    """Write the backup to `path` (a tar) and return its manifest."""
    path = Path(path)
    written = checkpoint_write("backup")  # a file of its own too, and the district's copy
    checkpoint = written.checkpoint if written is not None else None
    trail_head = checkpoint["hash"] if checkpoint is not None else ""
    with tempfile.TemporaryDirectory(prefix="fazhan-backup-") as tmp:
        workdir = Path(tmp)
        db_part = _dump_database(workdir)
        files = _tar_media(workdir / MEDIA_PART)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": datetime.datetime.now(tz=datetime.UTC).isoformat(),
            "engine": connection.vendor,
            "database": db_part,
            "media": {"part": MEDIA_PART, "files": files},
            # The snapshot was taken after this was read, so the snapshot's trail holds at least this head.
            "trail": {"at_least_head": trail_head, "checkpoint": checkpoint},
            "parts": {name: _sha256(workdir / name) for name in (db_part, MEDIA_PART)},
        }
        manifest |= sign(manifest)
        body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
            for name in (db_part, MEDIA_PART):
                tar.add(workdir / name, arcname=name)
        partial.replace(path)
    return manifest


def backup_manifest(path: Path) -> dict:
    """The manifest of the backup at `path`, read without unpacking its parts."""
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member is not None else None
    except (tarfile.TarError, OSError, KeyError, ValueError) as error:
        raise BackupError(f"{path} is not a Fazhan backup: {error}") from error
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("version") != VERSION
    ):
        raise BackupError(f"{path} is not a Fazhan backup of version {VERSION}.")
    _check_signature(manifest)
    return manifest


def _check_signature(manifest: dict, refused: str = "Refused") -> None:
    """Refuse a manifest this installation did not sign, or that was changed since."""
    body = {k: v for k, v in manifest.items() if k not in UNSIGNED}
    problem = signature_problem(body, manifest.get("signature"), manifest.get("public_key"))
    if problem is not None:
        raise BackupError(f"{refused}: the backup's manifest {problem}.")


def trail_since_backup(manifest: dict) -> int | None:
    """How many events the trail holds after the last one the backup names, or None when the trail no longer
    holds that event: events were removed since the backup (a walk of the chain cannot see its end cut
    off)."""
    head = manifest["trail"]["at_least_head"]
    if not head:
        return AuditEvent.objects.count()
    at = AuditEvent.objects.filter(hash=head).values_list("pk", flat=True).first()
    return None if at is None else AuditEvent.objects.filter(pk__gt=at).count()


def _read_parts(path: Path, workdir: Path) -> dict:
    """Unpack the backup into `workdir` and check every part against the manifest."""
    if not Path(path).is_file():
        raise BackupError(f"{path}: no such file.")
    try:
        with tarfile.open(path, "r") as tar:
            tar.extractall(workdir, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{path} is not a Fazhan backup: {error}") from error
    try:
        manifest = json.loads((workdir / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} has no readable manifest.json: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path} is not a Fazhan backup of version {VERSION}.")
    _check_signature(manifest, "Refused, nothing was restored")
    for name, expected in manifest["parts"].items():
        part = workdir / name
        if not part.is_file():
            raise BackupError(f"The backup lacks its part {name}.")
        if _sha256(part) != expected:
            raise BackupError(
                f"The part {name} does not match its SHA-256 in the manifest: the backup is damaged."
            )
    return manifest


def database_is_empty() -> bool:
    """No Fazhan tables, or none holding a row of the trail or a user."""
    tables = set(connection.introspection.table_names())
    if AuditEvent._meta.db_table not in tables:
        return True
    return not AuditEvent.objects.exists() and not (User._meta.db_table in tables and User.objects.exists())


def _restore_database(manifest: dict, workdir: Path, *, force: bool) -> None:
    """The verified part into the connection's database (the staging one, then the target)."""
    part = workdir / manifest["database"]
    if connection.vendor == "sqlite":
        connection.close()
        source = sqlite3.connect(part)
        try:
            connection.ensure_connection()
            destination = connection.connection
            source.backup(destination)
        finally:
            source.close()
            connection.close()
        return
    if connection.vendor == "postgresql":
        if not shutil.which("pg_restore"):
            raise BackupError("pg_restore was not found on PATH: install the PostgreSQL client to restore.")
        args, env = _pg_env()
        connection.close()
        command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
        if force:
            command += ["--clean", "--if-exists"]
        done = subprocess.run(
            [*command, *args, str(part)], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        return
    raise BackupError(f"Restoring into a {connection.vendor} database is not supported.")


def _restore_media(workdir: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(workdir / MEDIA_PART, "r") as tar:
        for member in tar.getmembers():
            target = media / member.name
            if target.exists():
                continue  # a blob is named by its content: the same name is the same file
            tar.extract(member, media, filter="data")


def _migrations_pending() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@contextlib.contextmanager
def _staging(workdir: Path) -> Iterator[None]:
    """The default connection pointed, for the block, at a new empty database of its own: a file in the
    work directory on SQLite, a database created beside the target's on PostgreSQL (dropped afterwards)."""
    db = connection.settings_dict
    target = db["NAME"]
    created = None
    if connection.vendor == "sqlite":
        staging = str(workdir / "staging.sqlite3")
    else:
        created = staging = f"{target}_restore_{uuid.uuid4().hex[:8]}"[-63:]
        _pg_admin(f'CREATE DATABASE "{staging}"')
    connection.close()
    db["NAME"] = staging
    try:
        yield
    finally:
        connection.close()
        db["NAME"] = target
        if created is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def _pg_admin(sql: str) -> None:
    import psycopg

    db = connection.settings_dict
    params: dict[str, Any] = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    try:
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
            admin.execute(sql)
    except psycopg.Error as error:
        raise BackupError(
            f"Could not create or drop the staging database a restore verifies first: {error}"
        ) from error


def _staged_check(manifest: dict, workdir: Path) -> tuple[int | None, str | None]:
    """Restore into the staging database and check it: the trail's chain and records, and the signed
    head the manifest carries. (events, None) when it holds; (None, why) when the backup is refused;
    (None, None) when the backup is of an earlier version (it must be migrated before it can be checked)."""
    with _staging(workdir):
        _restore_database(manifest, workdir, force=False)
        if _migrations_pending():
            return None, None
        check = trail_verify()
        if check.broken is not None:
            return None, f"its trail is broken at event #{check.broken.event_id}: {check.broken.reason}"
        if check.problem_count:
            return None, (
                f"a record is not as the trail holds it: {check.problems[0].text} "
                f"({check.problem_count} in all)"
            )
        checkpoint = manifest["trail"].get("checkpoint")
        if checkpoint is not None:
            problem = checkpoint_problem(checkpoint)
            if problem is not None:
                return None, f"its signed head (event #{checkpoint.get('event_id')}): {problem}"
        elif check.count:
            return None, "its manifest signs no head, and its trail holds events"
        return check.count, None


def backup_restore(path: Path, *, force: bool = False) -> RestoreResult:
    """Restore the backup at `path` into the default database and MEDIA_ROOT. Nothing is written into either
    before the manifest's signature, every part's SHA-256 and, in a staging database, the trail and its
    signed head have been checked."""
    with tempfile.TemporaryDirectory(prefix="fazhan-restore-") as tmp:
        workdir = Path(tmp)
        manifest = _read_parts(path, workdir)
        if manifest["engine"] != connection.vendor:
            raise BackupError(
                f"The backup is of a {manifest['engine']} database; this one is {connection.vendor}."
            )
        if not force and not database_is_empty():
            raise BackupError(
                "The database is not empty: restore into a new database, or pass --force to replace it."
            )
        count, refused = _staged_check(manifest, workdir)
        if refused is not None:
            raise BackupError(f"Refused, nothing was restored: {refused}.")
        _restore_database(manifest, workdir, force=force)
        _restore_media(workdir)
    if count is None:
        raise BackupError(
            "Restored a database of an earlier version: run `fazhan migrate`, then `fazhan verifytrail`."
        )
    head = manifest["trail"]["at_least_head"]
    if head and not AuditEvent.objects.filter(hash=head).exists():
        raise BackupError("Restored, but the trail lacks the last event the manifest names.")
    return RestoreResult(manifest, count)
