"""Signed checkpoints of the trail's head, kept outside the database (issue 13, item 3).

The chain is keyed (auditlog.services.event_hash), so whoever edits an event cannot recompute the hashes after
it without the trail key. What the key alone cannot show is the end of the trail cut off, or the whole trail
rewritten by someone holding the key: for that the head (the last event's id and hash, its time and the
number of events up to it) is signed with Ed25519 (settings.FAZHAN_TRAIL_SIGNING_KEY) and written as one JSON
file per checkpoint into settings.FAZHAN_CHECKPOINT_DIR, and, when settings.FAZHAN_CHECKPOINT_URL is set,
POSTed there (the district's copy). Checkpoints are written daily (`fazhan checkpoint`), at every backup and
import, and every settings.FAZHAN_CHECKPOINT_EVERY events. `fazhan verifytrail` checks each one: its
signature, that the event it names is in the trail with that hash, and that the trail holds as many events up
to it as it counted.

Events after the last checkpoint are protected only by the copy sent to the district.
"""

import base64
import datetime
import hmac
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from fazhan.auditlog.models import AuditEvent

log = logging.getLogger(__name__)

FORMAT = "fazhan-checkpoint"
VERSION = 1
SIGNED_FIELDS = ("format", "version", "event_id", "hash", "at", "count", "reason", "written")


# --- the key ----------------------------------------


def signing_key_is_development() -> bool:
    """Whether the checkpoints are signed with the key derived from the SECRET_KEY (no
    FAZHAN_TRAIL_SIGNING_KEY set): fit for development only, as anyone who knows the SECRET_KEY can sign."""
    return not getattr(settings, "FAZHAN_TRAIL_SIGNING_KEY", "")


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 private key: FAZHAN_TRAIL_SIGNING_KEY (base64 of the raw 32 bytes), else a development
    key derived from the SECRET_KEY (as auditlog.registry.trail_key derives the trail key)."""
    text = getattr(settings, "FAZHAN_TRAIL_SIGNING_KEY", "")
    if not text:
        seed = hmac.digest(settings.SECRET_KEY.encode(), b"fazhan audit trail checkpoint signing", "sha256")
        return Ed25519PrivateKey.from_private_bytes(seed)
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError as error:
        raise ImproperlyConfigured(
            "FAZHAN_TRAIL_SIGNING_KEY must be the base64 of a raw 32-byte Ed25519 private key."
        ) from error


def _public_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def public_key_text() -> str:
    """The public key that verifies the checkpoints, base64 of its raw 32 bytes."""
    return _public_text(signing_key().public_key())


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(body: dict[str, Any]) -> dict[str, str]:
    """The signature of `body` (canonical JSON) and the public key it verifies under."""
    signature = signing_key().sign(_canonical(body))
    return {"signature": base64.b64encode(signature).decode(), "public_key": public_key_text()}


def signature_problem(body: dict[str, Any], signature: Any, public_key: Any) -> str | None:
    """None when `signature` is this installation's signature of `body`; else what is wrong, for the
    operator. The public key in a file is only compared: a forger would put their own there."""
    if not signature:
        return "it is not signed"
    ours = public_key_text()
    if public_key != ours:
        return f"it is signed with another key ({public_key}), not this installation's ({ours})"
    try:
        signing_key().public_key().verify(base64.b64decode(str(signature), validate=True), _canonical(body))
    except (InvalidSignature, ValueError):
        return "its signature does not match its content: it was changed after it was signed"
    return None


# --- writing ----------------------------------------


def checkpoint_dir() -> Path:
    return Path(settings.FAZHAN_CHECKPOINT_DIR)


def checkpoint_make(reason: str) -> dict[str, Any] | None:
    """The signed head of the trail as it stands, or None when the trail is empty."""
    head = AuditEvent.objects.order_by("-id").values_list("id", "hash", "at").first()
    if head is None:
        return None
    event_id, event_hash, at = head
    body = {
        "format": FORMAT,
        "version": VERSION,
        "event_id": event_id,
        "hash": event_hash,
        "at": at.astimezone(datetime.UTC).isoformat(),
        "count": AuditEvent.objects.filter(id__lte=event_id).count(),
        "reason": reason,
        "written": datetime.datetime.now(tz=datetime.UTC).isoformat(),
    }
    return {**body, **sign(body)}


@dataclass(frozen=True)
class Written:
    checkpoint: dict[str, Any]
    path: Path
    sent: str | None  # what the district's copy came to: None when no URL is set


def checkpoint_write(reason: str) -> Written | None:
    """Sign the head and write it into the checkpoint directory (and POST it, when a URL is set)."""
    checkpoint = checkpoint_make(reason)
    if checkpoint is None:
        return None
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = checkpoint["written"].replace(":", "").replace("-", "").replace("+0000", "Z")
    path = folder / f"{stamp}-{checkpoint['event_id']}-{reason}.json"
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(checkpoint, ensure_ascii=False, indent=2, sort_keys=True))
    os.replace(partial, path)
    return Written(checkpoint, path, checkpoint_send(checkpoint))


def checkpoint_send(checkpoint: dict[str, Any]) -> str | None:
    """POST the checkpoint to settings.FAZHAN_CHECKPOINT_URL; what came of it (never raises: a district
    that does not answer must not stop a backup or an import, and the file is written anyway)."""
    url = getattr(settings, "FAZHAN_CHECKPOINT_URL", "")
    if not url:
        return None
    request = urllib.request.Request(
        url,
        data=json.dumps(checkpoint, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return f"sent to {url} ({response.status})"
    except (urllib.error.URLError, OSError) as error:
        log.warning("checkpoint of event #%s not sent to %s: %s", checkpoint["event_id"], url, error)
        return f"NOT sent to {url}: {error}"


def checkpoint_on_commit(reason: str) -> None:
    """A checkpoint once the current transaction commits (at once outside one). A failure is logged, never
    raised: what it protects is already committed."""

    def write() -> None:
        try:
            checkpoint_write(reason)
        except Exception:  # a full disk must not turn a committed import into an error page
            log.exception("the %s checkpoint of the trail was not written", reason)

    transaction.on_commit(write)


# --- checking ----------------------------------------


@dataclass(frozen=True)
class CheckpointProblem:
    name: str  # the file
    text: str

    @property
    def message(self) -> str:
        return f"checkpoint {self.name}: {self.text}"


def checkpoint_problem(checkpoint: Any) -> str | None:
    """What is wrong with one checkpoint against this trail, or None."""
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        return "not a Fazhan checkpoint"
    body = {name: checkpoint.get(name) for name in SIGNED_FIELDS}
    problem = signature_problem(body, checkpoint.get("signature"), checkpoint.get("public_key"))
    if problem is not None:
        return problem
    event_id, want = checkpoint["event_id"], checkpoint["hash"]
    stored = AuditEvent.objects.filter(pk=event_id).values_list("hash", flat=True).first()
    if stored is None:
        return f"the event it signed, #{event_id}, is not in the trail: events it covers were removed"
    if stored != want:
        return f"event #{event_id} no longer has the hash it signed: the trail was rewritten up to it"
    count = AuditEvent.objects.filter(pk__lte=event_id).count()
    if count != checkpoint["count"]:
        return f"the trail holds {count} events up to #{event_id}, it signed {checkpoint['count']}: " + (
            "events it covers were removed" if count < checkpoint["count"] else "events were inserted"
        )
    return None


def checkpoints_verify() -> tuple[int, list[CheckpointProblem]]:
    """Every checkpoint file in the directory: how many there are, and the problems, file by file."""
    folder = checkpoint_dir()
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    problems = []
    for path in files:
        try:
            checkpoint = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            problems.append(CheckpointProblem(path.name, f"unreadable: {error}"))
            continue
        problem = checkpoint_problem(checkpoint)
        if problem is not None:
            problems.append(CheckpointProblem(path.name, problem))
    return len(files), problems
