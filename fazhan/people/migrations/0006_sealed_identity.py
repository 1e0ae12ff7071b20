"""Birth date, sex and household place sealed at rest (SM4, people.cipher) beside the ID number; the clear
tail replaced by its keyed digest; the birth year-month kept in clear for the statistics.

The data step reads and writes the columns as stored (raw SQL, no field converters), so it is the same on
SQLite and PostgreSQL. A number sealed under the key derived from the public default SECRET_KEY (an install
from before the key file) is read with that key and sealed again under the install's own key, and its
look-up digest taken again under the install's look-up key."""

import datetime
import hashlib

from django.db import migrations, models

import fazhan.people.cipher
from fazhan.people.cipher import IdCipherError, id_cipher_key, seal, unseal

LEGACY_SECRET = "dev-only-insecure-key-change-me-in-production-fazhan"


def _legacy_key() -> bytes:
    return hashlib.sha256(f"fazhan-id-cipher\n{LEGACY_SECRET}".encode()).digest()[:16]


def _clear(value, key: bytes) -> str:
    if not value:
        return ""
    value = str(value) if not isinstance(value, datetime.date) else value.isoformat()
    try:
        return unseal(value, key)
    except IdCipherError:
        return unseal(value, _legacy_key())


def _settle(connection, cursor) -> None:
    """On PostgreSQL, fire the foreign-key checks the updates queued now, so that the next ALTER TABLE of
    this migration's transaction does not meet "pending trigger events"."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def forwards(apps, schema_editor):
    from fazhan.people.identity import id_number_key, id_tail_key

    key = id_cipher_key()
    connection = schema_editor.connection
    table = connection.ops.quote_name("people_person")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, birth_date, gender, household_place FROM {table}")
        rows = cursor.fetchall()
        for pk, number, birth, gender, place in rows:
            number, birth = _clear(number, key), _clear(birth, key)
            gender, place = _clear(gender, key), _clear(place, key)
            cursor.execute(
                f"UPDATE {table} SET id_number = %s, id_number_key = %s, id_tail_key = %s, birth_date = %s,"
                " birth_month = %s, gender = %s, household_place = %s WHERE id = %s",
                [
                    seal(number, key) if number else "",
                    id_number_key(number) if number else "",
                    id_tail_key(number[-4:]) if number else "",
                    seal(birth, key) if birth else "",
                    birth[:7],
                    seal(gender, key) if gender else "",
                    seal(place, key) if place else "",
                    pk,
                ],
            )
        _settle(connection, cursor)


def backwards(apps, schema_editor):
    """Back to clear birth date, sex and household place (the number stays sealed, as before)."""
    key = id_cipher_key()
    connection = schema_editor.connection
    table = connection.ops.quote_name("people_person")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, birth_date, gender, household_place FROM {table}")
        for pk, number, birth, gender, place in cursor.fetchall():
            cursor.execute(
                f"UPDATE {table} SET id_tail = %s, birth_date = %s, gender = %s, household_place = %s"
                " WHERE id = %s",
                [_clear(number, key)[-4:], _clear(birth, key), _clear(gender, key), _clear(place, key), pk],
            )
        _settle(connection, cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_id_number_valid"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birth_month",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=7, verbose_name="出生年月"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="id_tail_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="person",
            name="birth_date",
            field=fazhan.people.cipher.SealedDateField(verbose_name="出生日期"),
        ),
        migrations.AlterField(
            model_name="person",
            name="gender",
            field=fazhan.people.cipher.SealedTextField(
                choices=[("M", "男"), ("F", "女")], max_length=1, verbose_name="性别"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="household_place",
            field=fazhan.people.cipher.SealedTextField(blank=True, max_length=200, verbose_name="户籍所在地"),
        ),
        # Going back, the clear tail's column comes back empty and the data step fills it.
        migrations.AlterField(
            model_name="person",
            name="id_tail",
            field=models.CharField(db_index=True, default="", editable=False, max_length=4),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveField(
            model_name="person",
            name="id_tail",
        ),
    ]
