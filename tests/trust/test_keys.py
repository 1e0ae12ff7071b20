"""The install's keys (issue 13, item 2): a key file with random keys on first run, read by the settings;
`fazhan keys rotate` keeps every number readable under new keys; a recovery sheet round trip with the
passphrase, and a wrong passphrase is a clear error."""

import base64
import io
import json
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fazhan.auditlog.selectors import trail_verify
from fazhan.core.keys import KEY_NAMES, TEST_KEYS, ensure_key_file, keys_missing_or_default, read_key_file
from fazhan.people.cipher import IdCipherError, cipher_key_from_hex, unseal
from fazhan.people.identity import id_number_key
from fazhan.people.models import Person
from fazhan.people.selectors import person_search
from tests.conftest import ID_1998_MALE
from tests.fresh import fresh_database, run_fazhan, run_python  # noqa: F401  (fixture)

PASSPHRASE = "保险柜里的口令 correct horse"


def _stored(pid: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, birth_date, gender, id_number_key, id_tail_key"
            " FROM people_person WHERE pid = %s",
            [pid],
        )
        row = cursor.fetchone()
    return dict(zip(("id_number", "birth_date", "gender", "id_number_key", "id_tail_key"), row, strict=True))


def test_the_first_run_writes_random_keys_into_a_file_only_its_owner_reads(tmp_path):
    first, second = tmp_path / "a" / "keys.json", tmp_path / "b" / "keys.json"
    assert ensure_key_file(first) is True
    assert ensure_key_file(second) is True
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    keys_a, keys_b = read_key_file(first), read_key_file(second)
    assert set(keys_a) == set(KEY_NAMES)
    assert all(keys_a[n] != keys_b[n] for n in KEY_NAMES)  # random, never a shared default
    assert not set(keys_a.values()) & set(TEST_KEYS.values())
    Ed25519PrivateKey.from_private_bytes(base64.b64decode(keys_a["FAZHAN_TRAIL_SIGNING_KEY"]))
    cipher_key_from_hex(keys_a["FAZHAN_ID_CIPHER_KEY"])
    assert ensure_key_file(first) is False  # the second run keeps them
    assert read_key_file(first) == keys_a


def test_fazhan_migrate_on_first_run_writes_the_key_file_and_the_settings_read_it(tmp_path, fresh_database):  # noqa: F811
    path = tmp_path / "var" / "fazhan-keys.json"
    env = {"DATABASE_URL": fresh_database, "FAZHAN_KEY_FILE": str(path), "FAZHAN_TEST_KEYS": "0"}
    done = run_fazhan(["migrate", "--noinput", "-v0"], env)
    assert done.returncode == 0, done.stderr
    assert "密钥文件" in done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = run_python(
        [
            "-c",
            "import django, json; django.setup(); from django.conf import settings;"
            "from fazhan.core.keys import KEY_NAMES, keys_missing_or_default;"
            "print(json.dumps({'keys': {n: getattr(settings, n) for n in KEY_NAMES},"
            " 'bad': keys_missing_or_default()}))",
        ],
        env,
    )
    assert shown.returncode == 0, shown.stderr
    seen = json.loads(shown.stdout)
    assert seen == {"keys": read_key_file(path), "bad": []}


def test_the_tests_keys_are_reported_as_unfit_for_production():
    assert keys_missing_or_default() == list(KEY_NAMES)


def test_the_environment_comes_before_the_key_file(tmp_path):
    path = tmp_path / "keys.json"
    ensure_key_file(path)
    env = {"FAZHAN_KEY_FILE": str(path), "FAZHAN_TEST_KEYS": "0", "FAZHAN_TRAIL_KEY": "from-the-environment"}
    shown = run_python(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.FAZHAN_TRAIL_KEY)",
        ],
        env,
    )
    assert shown.stdout.strip() == "from-the-environment"


@pytest.fixture
def key_file(tmp_path, monkeypatch, settings):
    """The key file of this test, holding the keys the suite runs under; the settings the rotation changes
    are restored afterwards."""
    path = tmp_path / "fazhan-keys.json"
    monkeypatch.setenv("FAZHAN_KEY_FILE", str(path))
    for name in KEY_NAMES:
        setattr(settings, name, getattr(settings, name))
    from fazhan.core.keys import write_key_file

    write_key_file(path, {n: getattr(settings, n) for n in KEY_NAMES})
    return path


def test_rotation_keeps_every_number_readable_and_the_trail_intact(world, key_file, settings):
    before = {p.pid: (p.id_number, p.birth_date, p.gender, p.household_place) for p in Person.objects.all()}
    old = {pid: _stored(pid) for pid in before}
    old_cipher = cipher_key_from_hex(settings.FAZHAN_ID_CIPHER_KEY)
    assert trail_verify().ok
    call_command("keys", "rotate", stdout=io.StringIO())
    keys = read_key_file(key_file)
    assert keys["FAZHAN_ID_CIPHER_KEY"] == settings.FAZHAN_ID_CIPHER_KEY != TEST_KEYS["FAZHAN_ID_CIPHER_KEY"]
    assert keys["FAZHAN_ID_LOOKUP_KEY"] == settings.FAZHAN_ID_LOOKUP_KEY != TEST_KEYS["FAZHAN_ID_LOOKUP_KEY"]
    assert keys["SECRET_KEY"] == settings.SECRET_KEY  # the others are kept
    after = {p.pid: (p.id_number, p.birth_date, p.gender, p.household_place) for p in Person.objects.all()}
    assert after == before
    for pid in before:
        now = _stored(pid)
        assert all(now[c] != old[pid][c] for c in now)
        with pytest.raises(IdCipherError):
            unseal(now["id_number"], old_cipher)
        assert now["id_number_key"] == id_number_key(before[pid][0])
    assert {p.pid for p in person_search(Person.objects.all(), ID_1998_MALE)} == {"P0001"}
    assert {p.pid for p in person_search(Person.objects.all(), ID_1998_MALE[-4:])} == {"P0001"}
    check = trail_verify()
    assert check.ok, check


def test_a_recovery_sheet_round_trip_restores_the_key_file(key_file, tmp_path, settings):
    sheet, secret = tmp_path / "sheet.txt", tmp_path / "passphrase"
    secret.write_text(PASSPHRASE, encoding="utf-8")
    call_command("keys", "export", str(sheet), f"--passphrase-file={secret}", stdout=io.StringIO())
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    text = sheet.read_text(encoding="utf-8")
    assert all(str(getattr(settings, n)) not in text for n in KEY_NAMES)  # nothing readable on the sheet
    kept = read_key_file(key_file)
    key_file.unlink()  # the key file is lost
    call_command("keys", "import", str(sheet), f"--passphrase-file={secret}", stdout=io.StringIO())
    assert read_key_file(key_file) == kept
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_wrong_passphrase_is_a_clear_error_and_writes_nothing(key_file, tmp_path):
    sheet, secret, wrong = tmp_path / "sheet.txt", tmp_path / "passphrase", tmp_path / "wrong"
    secret.write_text(PASSPHRASE, encoding="utf-8")
    wrong.write_text(PASSPHRASE + "!", encoding="utf-8")
    call_command("keys", "export", str(sheet), f"--passphrase-file={secret}", stdout=io.StringIO())
    key_file.unlink()
    with pytest.raises(CommandError, match="口令错误"):
        call_command("keys", "import", str(sheet), f"--passphrase-file={wrong}")
    assert not key_file.exists()


def test_a_short_passphrase_is_refused(key_file, tmp_path):
    short = tmp_path / "short"
    short.write_text("1234", encoding="utf-8")
    with pytest.raises(CommandError, match="至少12个字符"):
        call_command("keys", "export", str(tmp_path / "sheet.txt"), f"--passphrase-file={short}")


# --- the data migration ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_what_was_stored_in_clear_and_back(world):
    executor = MigrationExecutor(connection)
    executor.migrate([("people", "0005_id_number_valid")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT birth_date, gender, id_tail FROM people_person WHERE pid = 'P0001'")
        birth, gender, tail = cursor.fetchone()
    assert (str(birth), gender, tail) == ("1998-03-04", "M", "1215")  # backwards: clear, as before
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    stored = _stored("P0001")
    assert "1998" not in stored["birth_date"]
    assert stored["gender"] != "M"
    assert stored["id_tail_key"]
    person = Person.objects.get(pid="P0001")
    assert (person.birth_date.isoformat(), person.gender, person.birth_month) == (
        "1998-03-04",
        "M",
        "1998-03",
    )
    assert {p.pid for p in person_search(Person.objects.all(), "1215")} == {"P0001"}
