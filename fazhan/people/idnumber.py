"""The resident ID number (GB 11643-1999) as procedure.md (F) says to accept it.

python-stdnum gives the check character and the birth date. Its `validate`/`is_valid` are NOT used: they
also refuse county codes assigned after the holder's birth (511002, created 1985, refuses everyone born
before), which would turn away real people.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

PROVINCE_PREFIXES = frozenset(
    [
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    ]
)

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_LEGACY = re.compile(r"[0-9]{15}")


class IdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: datetime.date
    gender: str  # "M" or "F"


def id_number_parse(value: str, *, today: datetime.date | None = None) -> IdNumber:
    """Normalize and check an ID number; raise IdNumberError with a message a user can act on."""
    # NFKC turns full-width digits typed with a Chinese input method (５１１…) into ASCII ones.
    number = unicodedata.normalize("NFKC", value or "").strip().upper()
    if _LEGACY.fullmatch(number):
        number = id_number_from_legacy(number)
    if len(number) != 18:
        raise IdNumberError(_("身份证号应为18位（现为%(n)d位）。") % {"n": len(number)})
    if not _SHAPE.fullmatch(number):
        raise IdNumberError(_("身份证号前17位应为数字，末位为数字或X。"))
    if int(number[:2]) not in PROVINCE_PREFIXES:
        raise IdNumberError(_("身份证号前两位不是有效的省级行政区代码。"))
    try:
        birth_date = ric.get_birth_date(number)
    except StdnumError:
        raise IdNumberError(_("身份证号中的出生日期不是真实日期。")) from None
    if birth_date > (today or timezone.localdate()):
        raise IdNumberError(_("身份证号中的出生日期在未来。"))
    if ric.calc_check_digit(number) != number[17]:
        raise IdNumberError(_("身份证号校验码错误，请核对。"))
    return IdNumber(number=number, birth_date=birth_date, gender="M" if int(number[16]) % 2 else "F")


def id_number_from_legacy(number: str) -> str:
    """A 15-digit number of the old standard: insert 19 before the year and compute the check character."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def birth_month_of(birth_date) -> str:
    """The birth year-month kept in clear for the statistics ("1998-03"), "" without a date."""
    return f"{birth_date.year:04d}-{birth_date.month:02d}" if birth_date else ""
