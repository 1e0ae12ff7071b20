"""Key rotation for what people hold sealed at rest: `fazhan keys rotate`.

Every sealed value (ID number, birth date, sex, household place) is decrypted under the old SM4 key and
sealed again under the new one, and every keyed digest (the number's, the tail's, and the copy a live step
record keeps of the number's) is taken again under the new look-up key, in one transaction. The trail
gets one event per person rekeyed, carrying the digest of the row as it now stands (so verifytrail finds
the rows as the trail last sealed them), and one summary event.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from fazhan.auditlog.services import audit_record, audit_record_many
from fazhan.people.cipher import cipher_key_from_hex, id_cipher_key, seal, unseal
from fazhan.people.identity import id_number_key, id_tail_key
from fazhan.people.models import Person

SEALED_COLUMNS = ("id_number", "birth_date", "gender", "household_place")


@dataclass(frozen=True)
class Rotation:
    persons: int
    step_records: int


def _stale(old_digest: str, lookup_key: str) -> str:
    """A step record's digest of a number its person no longer holds: still distinct from every number's
    digest under the new key (FORM-MATCH keeps seeing the change), never reversible to the number."""
    return hmac.new(lookup_key.encode(), b"stale\n" + old_digest.encode(), hashlib.sha256).hexdigest()


def keys_rotate(*, new_lookup_key: str, new_cipher_key: str, actor=None) -> Rotation:
    """Re-encrypt and re-digest under the new keys; on success the process's settings hold the new keys
    (the caller writes them to the key file)."""
    old_cipher = id_cipher_key()
    new_cipher = cipher_key_from_hex(new_cipher_key)
    old_lookup = settings.FAZHAN_ID_LOOKUP_KEY
    person = connection.ops.quote_name("people_person")
    step = connection.ops.quote_name("procedure_steprecord")
    saved = (settings.FAZHAN_ID_LOOKUP_KEY, settings.FAZHAN_ID_CIPHER_KEY)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, {', '.join(SEALED_COLUMNS)} FROM {person} ORDER BY id")
                rows = cursor.fetchall()
                moved: dict[str, str] = {}
                for pk, *values in rows:
                    clear = [unseal(str(v), old_cipher) if v else "" for v in values]
                    number = clear[0]
                    moved[id_number_key(number, old_lookup)] = id_number_key(number, new_lookup_key)
                    cursor.execute(
                        f"UPDATE {person} SET id_number = %s, birth_date = %s, gender = %s,"
                        " household_place = %s, id_number_key = %s, id_tail_key = %s WHERE id = %s",
                        [
                            *(seal(v, new_cipher) if v else "" for v in clear),
                            id_number_key(number, new_lookup_key),
                            id_tail_key(number[-4:], new_lookup_key),
                            pk,
                        ],
                    )
                cursor.execute(f"SELECT id, person_id_key FROM {step} WHERE person_id_key <> ''")
                records = cursor.fetchall()
                for pk, old in records:
                    new = moved.get(old) or _stale(old, new_lookup_key)
                    cursor.execute(f"UPDATE {step} SET person_id_key = %s WHERE id = %s", [new, pk])
            settings.FAZHAN_ID_LOOKUP_KEY, settings.FAZHAN_ID_CIPHER_KEY = new_lookup_key, new_cipher_key
            cursor_rows = _org_paths()
            audit_record_many(
                actor=actor,
                events=[("person.rekey", ("people.person", pk), path, {}) for pk, path in cursor_rows],
            )
            audit_record(
                actor=actor,
                action="keys.rotate",
                data={"persons": len(rows), "step_records": len(records)},
            )
    except BaseException:
        settings.FAZHAN_ID_LOOKUP_KEY, settings.FAZHAN_ID_CIPHER_KEY = saved
        raise
    return Rotation(persons=len(rows), step_records=len(records))


def _org_paths() -> list[tuple[int, str]]:
    return list(Person.objects.order_by("pk").values_list("pk", "org__path"))
