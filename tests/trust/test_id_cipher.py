"""ID numbers encrypted at rest with SM4: the column holds ciphertext, every reader the clear number, look-ups
still work through the keyed digest, and a wrong key or an altered value is an error, never a wrong number."""

import binascii

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from fazhan.people.cipher import PREFIX, IdCipherError, id_number_decrypt, id_number_encrypt
from fazhan.people.identity import person_filter_by_id_number
from fazhan.people.models import Person
from tests.conftest import ID_1998_MALE


def _stored(pid: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_sm4_is_the_standard_cipher():
    # GB/T 32907-2016, appendix A, example 1.
    key = binascii.unhexlify("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_the_column_holds_ciphertext_and_readers_the_clear_number(world):
    stored = _stored("P0001")
    assert stored.startswith(PREFIX)
    assert ID_1998_MALE not in stored
    assert ID_1998_MALE[-4:] not in stored
    assert Person.objects.get(pid="P0001").id_number == ID_1998_MALE
    assert dict(Person.objects.values_list("pid", "id_number"))["P0001"] == ID_1998_MALE
    assert person_filter_by_id_number(Person.objects.all(), ID_1998_MALE).get().pid == "P0001"


def test_the_same_number_never_encrypts_alike():
    assert id_number_encrypt(ID_1998_MALE) != id_number_encrypt(ID_1998_MALE)
    assert id_number_decrypt(id_number_encrypt(ID_1998_MALE)) == ID_1998_MALE


def test_the_person_page_shows_the_clear_number_to_a_role_that_needs_it(world, client_for):
    page = client_for("lh_organizer").get("/people/P0001/").content.decode()
    assert ID_1998_MALE in page


def test_an_altered_value_does_not_decrypt(world):
    stored = _stored("P0001")
    flipped = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET id_number = %s WHERE pid = %s", [flipped, "P0001"])
    with pytest.raises(IdCipherError, match="FAZHAN_ID_CIPHER_KEY"):
        Person.objects.get(pid="P0001")


def test_another_key_does_not_decrypt(world, settings):
    settings.FAZHAN_ID_CIPHER_KEY = "00112233445566778899aabbccddeeff"
    with pytest.raises(IdCipherError):
        Person.objects.get(pid="P0001")


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.FAZHAN_ID_CIPHER_KEY = "not-hex"
    with pytest.raises(ImproperlyConfigured, match="32 hexadecimal"):
        id_number_encrypt(ID_1998_MALE)


def test_a_value_written_before_encryption_still_reads(world):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET id_number = %s WHERE pid = %s", [ID_1998_MALE, "P0001"])
    assert Person.objects.get(pid="P0001").id_number == ID_1998_MALE


def test_an_exact_or_in_lookup_goes_through_the_digest(world):
    assert Person.objects.get(id_number=ID_1998_MALE).pid == "P0001"
    assert list(Person.objects.filter(id_number__in=[ID_1998_MALE, "x"]).values_list("pid", flat=True)) == [
        "P0001"
    ]
    assert not Person.objects.filter(id_number__in=[]).exists()
    assert Person.objects.exclude(id_number=ID_1998_MALE).count() == Person.objects.count() - 1


def test_a_lookup_the_ciphertext_cannot_answer_is_an_error(world):
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        Person.objects.filter(id_number__startswith="511002").exists()
