"""The password policy (settings.FAZHAN_PASSWORD_POLICY): the MLPS complexity rule that Django's validators
lack, a generator of passwords that pass the policy in force, and the periodic change of MLPS."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# The four character classes of the 等保 assessors' rule, in the order the message names them.
CHARACTER_CLASSES = (
    ("upper", lambda c: "A" <= c <= "Z"),
    ("lower", lambda c: "a" <= c <= "z"),
    ("digit", lambda c: "0" <= c <= "9"),
    ("symbol", lambda c: not c.isascii() or not c.isalnum()),
)
ERR_CLASSES = "密码须包含大写字母、小写字母、数字、符号四类字符中的至少 %(n)d 类。"


def password_classes(password: str) -> int:
    """How many of the four classes (upper, lower, digit, symbol) the password uses."""
    return sum(1 for _name, test in CHARACTER_CLASSES if any(test(c) for c in password))


ERR_TOO_SHORT = "密码太短：至少须 %(n)d 个字符。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, said in Chinese (Django 5.2 changed its message, and its Chinese translation has
    not followed)."""

    def get_error_message(self) -> str:
        return _(ERR_TOO_SHORT) % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少 %(n)d 个字符。") % {"n": self.min_length}


class CharacterClassesValidator:
    """MLPS complexity (GB/T 22239-2019 8.1.4.1): at least `min_classes` of the four classes."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if password_classes(password) < self.min_classes:
            raise ValidationError(_(ERR_CLASSES) % {"n": self.min_classes}, code="password_classes")

    def get_help_text(self) -> str:
        return _(ERR_CLASSES) % {"n": self.min_classes}


def password_generate(user=None) -> str:
    """A random password that the policy in force accepts (adduser prints it once)."""
    while True:
        candidate = secrets.token_urlsafe(15) + secrets.choice("!#%+=@") + secrets.choice("23456789")
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate


def password_max_age() -> datetime.timedelta | None:
    days = settings.FAZHAN_PASSWORD_MAX_AGE_DAYS
    return datetime.timedelta(days=days) if days > 0 else None


def password_expired(user, *, now: datetime.datetime | None = None) -> bool:
    """Has the user's password outlived the policy's period (MLPS: 90 days)? Never under ASVS."""
    max_age = password_max_age()
    changed = getattr(user, "password_changed_at", None)
    if max_age is None or changed is None:
        return False
    return (now or timezone.now()) - changed >= max_age


def password_change_due(user) -> bool:
    """Must the user change their password before any other page: a temporary one (user_password_reset),
    or one past the policy's period."""
    return bool(getattr(user, "password_must_change", False)) or password_expired(user)
