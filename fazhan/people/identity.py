"""The one place that turns an ID number into what is stored and looked up.

Every look-up by ID number goes through `id_number_key`, so the number itself can later be encrypted at
rest (SM4) without changing a single query.
"""

import hashlib
import hmac

from django.conf import settings
from django.db.models import QuerySet

from fazhan.people.idnumber import IdNumberError, id_number_parse
from fazhan.people.models import Person


def id_number_key(number: str) -> str:
    key = settings.FAZHAN_ID_LOOKUP_KEY.encode()
    return hmac.new(key, number.strip().upper().encode(), hashlib.sha256).hexdigest()


def person_filter_by_id_number(qs: QuerySet[Person], number: str) -> QuerySet[Person]:
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


def person_set_id_number(person: Person, number: str) -> None:
    """Store a parsed, normalized number with its look-up key, tail and verdict."""
    person.id_number = number
    person.id_number_key = id_number_key(number)
    person.id_tail = number[-4:]
    person.id_number_valid = id_number_valid(number)
