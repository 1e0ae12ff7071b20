"""Files on disk under their content hash: MEDIA_ROOT/blobs/ab/cdef… (SHA-256). The same content is the same
blob, stored once; a blob is written once and never overwritten, so a stored file cannot change under its
row."""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File

# The kinds of file the archive keeps, told apart by their first bytes, never by name or browser type.
MAGIC = (
    ("pdf", b"%PDF-"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("jpg", b"\xff\xd8\xff"),
)
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def blob_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs"


def blob_path(sha256: str) -> Path:
    return blob_root() / sha256[:2] / sha256[2:]


def file_kind(head: bytes) -> str | None:
    """pdf, png or jpg from the file's first bytes; None for anything else."""
    return next((kind for kind, magic in MAGIC if head.startswith(magic)), None)


def file_head(upload: File, n: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def blob_store(upload: File) -> str:
    """Write the file's content under its SHA-256 unless that blob already exists; return the hash."""
    root = blob_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    upload.seek(0)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".incoming-", delete=False) as tmp:
        for chunk in upload.chunks():
            digest.update(chunk)
            tmp.write(chunk)
    sha256 = digest.hexdigest()
    target = blob_path(sha256)
    try:
        target.parent.mkdir(exist_ok=True)
        os.chmod(tmp.name, 0o444)
        os.link(tmp.name, target)  # fails if the blob exists: an existing blob is never replaced
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp.name)
    return sha256


def blob_intact(sha256: str) -> bool | None:
    """True when the blob's content still hashes to its name, False when it does not, None when it is gone."""
    path = blob_path(sha256)
    if not path.exists():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256
