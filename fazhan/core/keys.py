"""The install's keys: a local key file (mode 0600) written with random keys on first run, so that no
install ever uses a public key, and a recovery sheet (the keys encrypted with a passphrase, for the safe).

Settings read each key from the environment first, then from the key file (FAZHAN_KEY_FILE, default
./var/fazhan-keys.json, gitignored). This module is imported by settings.py, so it imports nothing of
Django at the top.

The keys:
- SECRET_KEY: Django's (sessions, CSRF, signed values).
- FAZHAN_ID_LOOKUP_KEY: the HMAC key of the ID numbers' digests (uniqueness, search by tail).
- FAZHAN_ID_CIPHER_KEY: the SM4 key (32 hex digits) of what is sealed at rest (people.cipher).
- FAZHAN_TRAIL_KEY: the HMAC key of the audit trail.
- FAZHAN_TRAIL_SIGNING_KEY: the Ed25519 private key that signs the trail's checkpoints (base64, raw 32 bytes).
"""

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

KEY_NAMES = (
    "SECRET_KEY",
    "FAZHAN_ID_LOOKUP_KEY",
    "FAZHAN_ID_CIPHER_KEY",
    "FAZHAN_TRAIL_KEY",
    "FAZHAN_TRAIL_SIGNING_KEY",
)
# What the install used before it had a key file: public, so never acceptable in production.
PUBLIC_DEFAULTS = frozenset({"dev-only-insecure-key-change-me-in-production-fazhan"})
# The fixed keys the tests run under (settings under pytest, and the subprocesses the tests start).
TEST_KEYS = {
    "SECRET_KEY": "test-only-secret-key-fazhan-not-for-any-install-0000",
    "FAZHAN_ID_LOOKUP_KEY": "test-only-id-lookup-key-fazhan-0000000000000000000000",
    "FAZHAN_ID_CIPHER_KEY": "7e57000000000000000000000000c1f0",
    "FAZHAN_TRAIL_KEY": "test-only-trail-key-fazhan-00000000000000000000000000",
    "FAZHAN_TRAIL_SIGNING_KEY": base64.b64encode(bytes(range(32))).decode(),
}
SHEET_FORMAT = "fazhan-keys-recovery/1"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class KeySheetError(Exception):
    """A recovery sheet that cannot be read: wrong passphrase, or a damaged or foreign file."""


def key_file_path(base_dir: Path | None = None) -> Path:
    configured = os.environ.get("FAZHAN_KEY_FILE")
    if configured:
        return Path(configured)
    base = base_dir or Path(__file__).resolve().parent.parent.parent
    return base / "var" / "fazhan-keys.json"


def generate_keys() -> dict[str, str]:
    """Fresh random keys for every name (the signing key as raw Ed25519 private bytes, base64)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FAZHAN_ID_LOOKUP_KEY": secrets.token_hex(32),
        "FAZHAN_ID_CIPHER_KEY": secrets.token_hex(16),
        "FAZHAN_TRAIL_KEY": secrets.token_hex(32),
        "FAZHAN_TRAIL_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def read_key_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: str(data[name]) for name in KEY_NAMES if data.get(name)}


def write_key_file(path: Path, keys: dict[str, str]) -> None:
    """Write the keys with mode 0600 from the first byte (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({name: keys[name] for name in KEY_NAMES if name in keys}, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    os.chmod(path, 0o600)


def ensure_key_file(path: Path | None = None) -> bool:
    """Write random keys into the key file if it does not exist yet (first run); add any key a file of an
    older version lacks. Keys the environment sets are left to it. True when the file was written."""
    path = path or key_file_path()
    present = read_key_file(path)
    wanted = [n for n in KEY_NAMES if n not in present and not os.environ.get(n)]
    if not wanted:
        return False
    fresh = generate_keys()
    write_key_file(path, {**present, **{n: fresh[n] for n in wanted}})
    return True


def settings_keys(path: Path | None = None) -> dict[str, str]:
    """Each key from the environment first, then the key file; the tests' fixed keys under pytest (the
    environment FAZHAN_TEST_KEYS=1, which tests/conftest.py sets for the processes it starts). A key found
    nowhere is ""."""
    if os.environ.get("FAZHAN_TEST_KEYS") == "1":
        return {name: os.environ.get(name) or TEST_KEYS[name] for name in KEY_NAMES}
    try:
        stored = read_key_file(path or key_file_path())
    except (OSError, ValueError):
        stored = {}
    return {name: os.environ.get(name) or stored.get(name, "") for name in KEY_NAMES}


def keys_missing_or_default() -> list[str]:
    """The names of the keys that are missing, public defaults or the tests' fixed keys (what `fazhan
    serve` and `fazhan worker` refuse to start with)."""
    from django.conf import settings

    bad = []
    for name in KEY_NAMES:
        value = getattr(settings, name, "") or ""
        if not value or value in PUBLIC_DEFAULTS or value == TEST_KEYS[name]:
            bad.append(name)
    return bad


# --- the recovery sheet ----------------------------------------------------------------------------------


def _sheet_key(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(
        passphrase.encode("utf-8")
    )


def sheet_seal(keys: dict[str, str], passphrase: str) -> dict[str, Any]:
    """The keys encrypted with AES-256-GCM under a key scrypt derives from the passphrase."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < 12:
        raise KeySheetError("口令至少12个字符。")
    salt, nonce = os.urandom(16), os.urandom(12)
    body = json.dumps({n: keys[n] for n in KEY_NAMES if n in keys}).encode()
    sealed = AESGCM(_sheet_key(passphrase, salt, _SCRYPT)).encrypt(nonce, body, SHEET_FORMAT.encode())
    b64 = base64.b64encode
    return {
        "format": SHEET_FORMAT,
        "kdf": {"name": "scrypt", **_SCRYPT, "salt": b64(salt).decode()},
        "cipher": "AES-256-GCM",
        "nonce": b64(nonce).decode(),
        "ciphertext": b64(sealed).decode(),
    }


def sheet_open(sheet: dict[str, Any], passphrase: str) -> dict[str, str]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        if sheet.get("format") != SHEET_FORMAT:
            raise KeySheetError("这不是 Fazhan 的密钥恢复单。")
        kdf = sheet["kdf"]
        salt = base64.b64decode(kdf["salt"])
        params = {"n": int(kdf["n"]), "r": int(kdf["r"]), "p": int(kdf["p"])}
        nonce, sealed = base64.b64decode(sheet["nonce"]), base64.b64decode(sheet["ciphertext"])
        body = AESGCM(_sheet_key(passphrase, salt, params)).decrypt(nonce, sealed, SHEET_FORMAT.encode())
    except InvalidTag:
        raise KeySheetError("口令错误，或恢复单已损坏。") from None
    except (KeyError, TypeError, ValueError) as error:
        raise KeySheetError(f"恢复单格式不对：{error}") from None
    keys = json.loads(body)
    return {n: str(keys[n]) for n in KEY_NAMES if keys.get(n)}
