"""The one place that turns an ID number into what is stored and looked up.

Every look-up by ID number goes through `id_number_key`, so the number itself can later be encrypted at
rest (SM4) without changing a single query.
"""

import hashlib
import hmac

from django.conf import settings
from django.db.models import QuerySet

from fazhan.people.idnumber import IdNumber, IdNumberError, birth_month_of, id_number_parse


def id_number_key(number: str, key: str | None = None) -> str:
    secret = (key or settings.FAZHAN_ID_LOOKUP_KEY).encode()
    return hmac.new(secret, number.strip().upper().encode(), hashlib.sha256).hexdigest()


def id_tail_key(tail: str, key: str | None = None) -> str:
    """The keyed digest of the last four characters (search by tail): distinct from any number's digest."""
    secret = (key or settings.FAZHAN_ID_LOOKUP_KEY).encode()
    return hmac.new(secret, b"tail\n" + tail.strip().upper()[-4:].encode(), hashlib.sha256).hexdigest()


def person_filter_by_id_number(qs: QuerySet, number: str) -> QuerySet:
    try:
        normalized = id_number_parse(number).number
    except IdNumberError:
        return qs.none()
    return qs.filter(id_number_key=id_number_key(normalized))


def id_number_valid(number: str) -> bool:
    """Whether the number passes procedure.md F (ELIG-NAT: a valid resident ID)."""
    try:
        id_number_parse(number)
    except IdNumberError:
        return False
    return True


def person_set_id_number(person, number: str) -> None:
    """Store a parsed, normalized number with its look-up key, tail and verdict."""
    person.id_number = number
    person.id_number_key = id_number_key(number)
    person.id_tail_key = id_tail_key(number[-4:])
    person.id_number_valid = id_number_valid(number)


def person_set_identity(person, parsed: IdNumber) -> None:
    """Store a parsed number and what it determines: sex, birth date and the clear birth year-month."""
    person_set_id_number(person, parsed.number)
    person.gender, person.birth_date = parsed.gender, parsed.birth_date
    person.birth_month = birth_month_of(parsed.birth_date)
