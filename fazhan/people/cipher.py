"""Personal data encrypted at rest: SM4 (GB/T 32907) in GCM mode, keyed by settings.FAZHAN_ID_CIPHER_KEY.

The model fields below are the only code that touches the stored form; everyone else reads and writes clear
values on the instance (`person.id_number`, `person.birth_date`, `person.gender`, `person.household_place`).
Each value gets a fresh nonce, so equal values never look alike in the database and a query can never match
on the column: look-ups by ID number go through the keyed digests of people.identity; the other sealed
fields are not queried at all (only `isnull`), the facts loaders decrypt them where the rules read them."""

import base64
import binascii
import datetime
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Col, Combinable

from fazhan.people.identity import id_number_key

PREFIX = "sm4gcm:"
_NONCE = 12
_TAG = 16


class IdCipherError(Exception):
    """A stored value that does not decrypt: wrong FAZHAN_ID_CIPHER_KEY or a value altered on disk."""


def cipher_key_from_hex(configured: str) -> bytes:
    try:
        key = binascii.unhexlify(configured)
    except binascii.Error as error:
        raise ImproperlyConfigured("FAZHAN_ID_CIPHER_KEY must be 32 hexadecimal digits.") from error
    if len(key) != 16:
        raise ImproperlyConfigured("FAZHAN_ID_CIPHER_KEY must be 32 hexadecimal digits (128 bits).")
    return key


def id_cipher_key() -> bytes:
    """The 128-bit SM4 key: FAZHAN_ID_CIPHER_KEY as 32 hex digits, or (only where no key is configured at
    all, which core.keys.keys_missing_or_default reports) one derived from the SECRET_KEY."""
    configured = getattr(settings, "FAZHAN_ID_CIPHER_KEY", "") or ""
    if not configured:
        return hashlib.sha256(f"fazhan-id-cipher\n{settings.SECRET_KEY}".encode()).digest()[:16]
    return cipher_key_from_hex(configured)


def seal(clear: str, key: bytes | None = None) -> str:
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(key or id_cipher_key()), modes.GCM(nonce)).encryptor()
    body = encryptor.update(clear.encode()) + encryptor.finalize()
    return PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode()


def unseal(stored: str, key: bytes | None = None) -> str:
    """The clear value; a value written before encryption (no prefix) is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        raw = base64.b64decode(stored[len(PREFIX) :], validate=True)
        nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
        decryptor = Cipher(algorithms.SM4(key or id_cipher_key()), modes.GCM(nonce, tag)).decryptor()
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except (InvalidTag, ValueError, binascii.Error) as error:
        raise IdCipherError(
            "A stored value does not decrypt: FAZHAN_ID_CIPHER_KEY differs from the one it was written "
            "with, or the value was altered."
        ) from error


# The ID number's names, kept for the callers that use them.
id_number_encrypt = seal
id_number_decrypt = unseal


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


class _SealedBase(models.Field):
    """A value SM4-sealed at rest. Only `isnull` can be asked of the column: any other lookup is an error
    rather than a silent empty answer (the ciphertext matches nothing)."""

    sealed = True

    def get_internal_type(self) -> str:
        return "TextField"  # the column: text on every engine, however long the ciphertext

    def from_db_value(self, value, expression, connection):
        return self.to_python(unseal(value)) if value else value

    def get_prep_value(self, value):
        value = self.to_python(value)
        if value in (None, ""):
            return value
        return seal(self.clear_text(value))

    def clear_text(self, value) -> str:
        return str(value)

    def stored_to_digest(self, value):
        """What the trail's record digest reads of the stored column: the clear value as orjson writes the
        in-memory one (auditlog.registry)."""
        return unseal(value) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None


class SealedTextField(_SealedBase):
    """Clear text in Python, SM4 ciphertext in the database; `max_length` holds the clear value."""

    _pyi_private_set_type: str | Combinable
    _pyi_private_get_type: str

    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)

    description = "Text, SM4-encrypted at rest"

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        self.clear_max_length = max_length
        super().__init__(*args, **kwargs)
        if max_length:
            self.validators.append(validators.MaxLengthValidator(max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.clear_max_length:
            kwargs["max_length"] = self.clear_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        if self.choices:
            return super().formfield(**kwargs)
        defaults = {
            "form_class": forms.CharField,
            "max_length": self.clear_max_length,
            "widget": forms.TextInput,
        }
        return super().formfield(**{**defaults, **kwargs})


class SealedDateField(_SealedBase):
    """A date in Python, SM4 ciphertext of its ISO form in the database."""

    _pyi_private_set_type: datetime.date | Combinable
    _pyi_private_get_type: datetime.date

    description = "Date, SM4-encrypted at rest"

    def to_python(self, value):
        if value is None or value == "" or isinstance(value, datetime.date):
            return value or None
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise _date_error(value) from None

    def clear_text(self, value) -> str:
        return value.isoformat()

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.isoformat() if isinstance(value, datetime.date) else ""

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": forms.DateField, **kwargs})


def _date_error(value):
    from django.core.exceptions import ValidationError

    return ValidationError("“%(value)s” is not a valid date (YYYY-MM-DD).", params={"value": value})
