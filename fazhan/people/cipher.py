"""ID numbers encrypted at rest: SM4 (GB/T 32907) in GCM mode, keyed by settings.FAZHAN_ID_CIPHER_KEY.

The model field below is the only code that touches the stored form; everyone else reads and writes the
clear number on `person.id_number`. Each value gets a fresh nonce, so equal numbers never look alike in the
database and a query can never match on the column: look-ups go through people.identity.id_number_key."""

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Col

PREFIX = "sm4gcm:"
_NONCE = 12
_TAG = 16


class IdCipherError(Exception):
    """A stored ID number that does not decrypt: wrong FAZHAN_ID_CIPHER_KEY or a value altered on disk."""


def id_cipher_key() -> bytes:
    """The 128-bit SM4 key: FAZHAN_ID_CIPHER_KEY as 32 hex digits, or (development) one derived from the
    SECRET_KEY."""
    configured = getattr(settings, "FAZHAN_ID_CIPHER_KEY", "") or ""
    if not configured:
        return hashlib.sha256(f"fazhan-id-cipher\n{settings.SECRET_KEY}".encode()).digest()[:16]
    try:
        key = binascii.unhexlify(configured)
    except binascii.Error as error:
        raise ImproperlyConfigured("FAZHAN_ID_CIPHER_KEY must be 32 hexadecimal digits.") from error
    if len(key) != 16:
        raise ImproperlyConfigured("FAZHAN_ID_CIPHER_KEY must be 32 hexadecimal digits (128 bits).")
    return key


def id_number_encrypt(clear: str) -> str:
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(id_cipher_key()), modes.GCM(nonce)).encryptor()
    body = encryptor.update(clear.encode()) + encryptor.finalize()
    return PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode()


def id_number_decrypt(stored: str) -> str:
    """The clear number; a value written before encryption (no prefix) is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        raw = base64.b64decode(stored[len(PREFIX) :], validate=True)
        nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
        decryptor = Cipher(algorithms.SM4(id_cipher_key()), modes.GCM(nonce, tag)).decryptor()
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except (InvalidTag, ValueError, binascii.Error) as error:
        raise IdCipherError(
            "A stored ID number does not decrypt: FAZHAN_ID_CIPHER_KEY differs from the one it was written "
            "with, or the value was altered."
        ) from error


class _ByLookupKey(models.Lookup):
    """`id_number=…` and `id_number__in=[…]` compare the keyed digest (people.identity.id_number_key),
    the only thing about a number the database can match."""

    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def _key_sql(self, compiler):
        key_field = self.lhs.target.model._meta.get_field("id_number_key")
        return compiler.compile(Col(self.lhs.alias, key_field))

    @staticmethod
    def _key(number) -> str:
        from fazhan.people.identity import id_number_key

        return id_number_key(str(number))


class _IdNumberExact(_ByLookupKey):
    lookup_name = "exact"

    def as_sql(self, compiler, connection):
        sql, params = self._key_sql(compiler)
        return f"{sql} = %s", [*params, self._key(self.rhs)]


class _IdNumberIn(_ByLookupKey):
    lookup_name = "in"

    def as_sql(self, compiler, connection):
        keys = [self._key(n) for n in self.rhs]
        if not keys:
            raise EmptyResultSet
        sql, params = self._key_sql(compiler)
        return f"{sql} IN ({', '.join(['%s'] * len(keys))})", [*params, *keys]


class EncryptedIdNumberField(models.CharField):
    """A CharField whose value is the clear ID number in Python and SM4 ciphertext in the database. Only
    `exact`, `in` (both through the look-up digest) and `isnull` can be asked of it; any other lookup
    (contains, startswith…) is an error rather than a silent empty answer."""

    description = "ID number, SM4-encrypted at rest"
    FORM_MAX_LENGTH = 18

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return id_number_decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return id_number_encrypt(value) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _IdNumberExact
        if lookup_name == "in":
            return _IdNumberIn
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def formfield(self, **kwargs):
        kwargs.setdefault("max_length", self.FORM_MAX_LENGTH)
        return super().formfield(**kwargs)
