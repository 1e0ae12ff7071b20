"""ID numbers that stay secret (issue 13, item 2 and its second "Done when"; the oracle of item 7).

A copy of the database and of a backup, taken by real processes (`fazhan migrate`, the services, `fazhan
backup`) and read without the key file, holds no ID number, birth date, tail or household place — only
ciphertext that the public default key does not open and digests that the public default key does not
reproduce. The uniqueness check, asked from outside the holder's subtree through the API or the person
form, says only that the number is taken; look-ups by number are throttled per user and in the trail.
"""

import base64
import hashlib
import hmac
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.db import connection
from stdnum.cn import ric

from fazhan.auditlog.models import AuditEvent
from fazhan.people.cipher import PREFIX, IdCipherError, unseal
from fazhan.people.models import Person
from fazhan.people.services import LOOKUP_ACTION, LOOKUP_REFUSED_ACTION
from tests.api.conftest import api_for, token_for  # noqa: F401  (fixtures)
from tests.conftest import ID_1998_MALE, person_data
from tests.fresh import fresh_database, run_fazhan, run_python  # noqa: F401  (fixture)

PUBLIC_DEFAULT_SECRET = "dev-only-insecure-key-change-me-in-production-fazhan"
HOUSEHOLD = "四川省资中县银山镇鸿鹤村"


def _numbers_ending_in_x(count: int) -> list[str]:
    """Valid numbers whose tail ends in X: a tail like 123X cannot turn up by chance in hex digests."""
    found = []
    for seq in range(1, 999):
        body = f"51102519{70 + len(found)}0612{seq:03d}"
        if ric.calc_check_digit(body + "0") == "X":
            found.append(body + "X")
            if len(found) == count:
                return found
    raise AssertionError("no numbers")


NUMBERS = _numbers_ending_in_x(3)

BUILD = """
import django, json, sys
django.setup()
from django.core.management import call_command
from fazhan.organizations.models import OrgCategory, OrgKind
from fazhan.organizations.services import org_create
from fazhan.people.services import person_create, person_update
call_command("migrate", verbosity=0)
d = org_create(actor=None, code="ZZX", name="中共资中县委员会", kind=OrgKind.DISTRICT_COMMITTEE)
t = org_create(actor=None, code="ZZX-YS", name="中共银山镇委员会", kind=OrgKind.COMMITTEE,
               category=OrgCategory.TOWNSHIP, parent=d)
b = org_create(actor=None, code="ZZX-YS-01", name="中共鸿鹤村支部委员会", kind=OrgKind.BRANCH,
               category=OrgCategory.VILLAGE, parent=t)
data = dict(ethnicity="汉族", education="高中", occupation="工人", tags=[], phone="",
            household_place=sys.argv[2], residence="", floating=False, front_line=False,
            league_member=False, org=b, work_unit_org=None, planned_departure=None, party_status="",
            joined_on=None, full_since=None)
for i, number in enumerate(json.loads(sys.argv[1])):
    p = person_create(actor=None, id_number=number, data={**data, "name": "甲乙丙"[i] + "某"})
person_update(actor=None, person=p, id_number=number, data={**data, "name": "丙某某"})
call_command("backup", sys.argv[3])
"""


def _db_bytes(url: str, tmp_path: Path) -> bytes:
    """What an insider copies: the SQLite file (with its WAL), or a plain dump of the PostgreSQL database."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    return subprocess.run(["pg_dump", "--data-only", url], capture_output=True, check=True).stdout


def _backup_bytes(backup: Path, tmp_path: Path) -> bytes:
    """Every part of the backup as readable bytes (a PostgreSQL part turned back into SQL by pg_restore)."""
    out = tmp_path / "parts"
    with tarfile.open(backup) as tar:
        tar.extractall(out, filter="data")
    blob = b""
    for part in sorted(out.iterdir()):
        if part.suffix in {".dump", ".pgdump"} or part.read_bytes()[:5] == b"PGDMP":
            blob += subprocess.run(
                ["pg_restore", "-f", "-", str(part)], capture_output=True, check=True
            ).stdout
        else:
            blob += part.read_bytes()
    return blob


def _attacker_keys() -> list[bytes]:
    """What someone holding only the copy can try: the public default SECRET_KEY, and nothing."""
    return [PUBLIC_DEFAULT_SECRET.encode(), b""]


@pytest.mark.skipif(
    connection.vendor == "postgresql" and not shutil.which("pg_restore"), reason="needs the PostgreSQL client"
)
def test_a_copy_of_the_database_and_of_a_backup_without_the_key_file_yields_no_number_birth_date_or_tail(
    db,
    fresh_database,  # noqa: F811
    tmp_path,
):
    backup = tmp_path / "fazhan.backup"
    built = run_python(
        ["-c", BUILD, __import__("json").dumps(NUMBERS), HOUSEHOLD, str(backup)],
        {"DATABASE_URL": fresh_database},
    )
    assert built.returncode == 0, built.stderr
    for name, blob in [
        ("database", _db_bytes(fresh_database, tmp_path)),
        ("backup", _backup_bytes(backup, tmp_path)),
    ]:
        text = blob.decode("utf-8", errors="replace")
        assert "甲某" in text, f"the {name} copy is not readable as it is: the test would prove nothing"
        assert "ZZX-YS-01" in text
        for number in NUMBERS:
            birth = ric.get_birth_date(number)
            for secret in (number, number.lower(), number[-4:], birth.isoformat(), f"{birth:%Y%m%d}"):
                assert secret not in text, f"{secret} is readable in the {name} copy"
            assert f"{birth:%Y-%m}" in text  # the year-month, kept in clear for the statistics
            # The oracle on the copy: the digests cannot be reproduced, the ciphertext cannot be opened.
            for key in _attacker_keys():
                for digest in (
                    hmac.new(key, number.encode(), hashlib.sha256).hexdigest(),
                    hmac.new(key, b"tail\n" + number[-4:].encode(), hashlib.sha256).hexdigest(),
                    hashlib.sha256(number.encode()).hexdigest(),
                ):
                    assert digest not in text
        assert HOUSEHOLD not in text
        assert "资中县银山镇鸿鹤" not in text
        sealed = re.findall(re.escape(PREFIX) + r"[A-Za-z0-9+/=]+", text)
        assert len(sealed) >= 3 * 3  # number, birth date and sex of each person at least
        legacy = hashlib.sha256(f"fazhan-id-cipher\n{PUBLIC_DEFAULT_SECRET}".encode()).digest()[:16]
        for value in sealed:
            base64.b64decode(value[len(PREFIX) :])
            with pytest.raises(IdCipherError):
                unseal(value, legacy)


# --- the oracle through the API and the form ------------------------------------------------------------


def _body(number: str, org: str = "SZQ-LH-02") -> dict:
    return {"id_number": number, "name": "探号人", "org": org, "education": "高中", "occupation": "工人"}


def test_the_api_says_only_registered_to_a_user_outside_the_holders_subtree(world, api_for):  # noqa: F811
    before = Person.objects.count()
    response = api_for("sec2").post("/api/v1/persons", _body(ID_1998_MALE))
    assert response.status_code == 422, response.content
    text = response.content.decode()
    assert "该身份证号已被登记" in text
    assert "P0001" not in text
    assert "张三" not in text
    assert str(world.p1.pk) not in text
    assert Person.objects.count() == before
    lookup = AuditEvent.objects.get(action=LOOKUP_ACTION, actor=world.users["sec2"])
    assert lookup.data == {"found": True, "holder": "P0001"}  # the auditor sees who was looked up


def test_inside_the_holders_subtree_the_holder_is_named(world, api_for):  # noqa: F811
    response = api_for("lh_organizer").post("/api/v1/persons", _body(ID_1998_MALE, org="SZQ-LH-01"))
    assert response.status_code == 422
    assert "P0001" in response.content.decode()


def test_the_person_form_says_only_registered_to_a_user_outside_the_holders_subtree(world, client_for):
    form = {
        **{k: v for k, v in person_data(world.branch2, name="探号人").items() if v not in (None, [], False)},
        "org": world.branch2.pk,
        "id_number": ID_1998_MALE,
    }
    response = client_for("sec2").post("/people/new/", form)
    assert response.status_code == 200
    text = response.content.decode()
    assert "该身份证号已被登记" in text
    assert "P0001" not in text
    assert "张三" not in text
    assert not Person.objects.filter(name="探号人").exists()
    assert AuditEvent.objects.filter(action=LOOKUP_ACTION, actor=world.users["sec2"]).count() == 1


def test_lookups_by_number_are_throttled_per_user_and_each_is_in_the_trail(world, api_for, settings):  # noqa: F811
    settings.FAZHAN_ID_LOOKUPS_PER_HOUR = 3
    api = api_for("sec2")
    for _ in range(3):
        assert "该身份证号已被登记" in api.post("/api/v1/persons", _body(ID_1998_MALE)).content.decode()
    refused = api.post("/api/v1/persons", _body(ID_1998_MALE))
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "过于频繁" in text
    assert "已被登记" not in text
    # A number nobody holds is refused alike: the answer does not depend on the number.
    assert "过于频繁" in api.post("/api/v1/persons", _body("11010519491231002X")).content.decode()
    assert not Person.objects.filter(name="探号人").exists()
    sec2 = world.users["sec2"]
    assert AuditEvent.objects.filter(action=LOOKUP_ACTION, actor=sec2).count() == 3
    assert AuditEvent.objects.filter(action=LOOKUP_REFUSED_ACTION, actor=sec2).count() == 2
    # Another user has a count of their own.
    other = api_for("lh_organizer").post("/api/v1/persons", _body(ID_1998_MALE, org="SZQ-LH-01"))
    assert "P0001" in other.content.decode()


def test_an_unchanged_number_on_an_edit_is_no_lookup(world, api_for):  # noqa: F811
    response = api_for("sec1").patch("/api/v1/persons/P0001", {"name": "张叁"})
    assert response.status_code == 200, response.content
    assert not AuditEvent.objects.filter(action=LOOKUP_ACTION).exists()


def _import_upload(client, records: list[dict]) -> str:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    response = client.post("/interchange/", {"file": SimpleUploadedFile("probe.jsonl", body)})
    assert response.status_code == 302
    return response["Location"]


def test_the_person_form_is_throttled_too_with_a_field_message(world, client_for, settings):
    settings.FAZHAN_ID_LOOKUPS_PER_HOUR = 2
    client = client_for("sec2")
    form = {
        **{k: v for k, v in person_data(world.branch2, name="探号人").items() if v not in (None, [], False)},
        "org": world.branch2.pk,
        "id_number": ID_1998_MALE,
    }
    for _ in range(2):
        assert "该身份证号已被登记" in client.post("/people/new/", form).content.decode()
    refused = client.post("/people/new/", form)
    assert refused.status_code == 200  # the form again, with the message at its field; never a 500
    text = refused.content.decode()
    assert "过于频繁" in text
    assert "已被登记" not in text
    assert AuditEvent.objects.filter(action=LOOKUP_REFUSED_ACTION, actor=world.users["sec2"]).count() == 1
    assert not Person.objects.filter(name="探号人").exists()


def test_an_import_preview_is_a_lookup_by_number_audited_and_throttled(world, client_for, settings):
    """An import checks every number of its file at once: one look-up in the trail (how many numbers, how many
    found, and for the auditor the holders outside the importer's subtree; never a number), costing one and
    one more per holder elsewhere, against the same hourly count as the pages and the API."""
    settings.FAZHAN_ID_LOOKUPS_PER_HOUR = 4
    organizer = world.users["lh_organizer"]
    client = client_for("lh_organizer")
    probe = {"type": "person", "id": "P0950", "name": "探号人", "id_number": world.p_yx.id_number}
    probe |= {"org": "SZQ-LH-01", "education": "大学专科", "occupation": "农牧渔民", "phone": "13800001234"}
    location = _import_upload(client, [probe])

    first = client.get(location).content.decode()
    assert "该身份证号已在其他党组织登记" in first
    assert "P0004" not in first
    assert "赵六" not in first
    assert "SZQ-YX" not in first
    event = AuditEvent.objects.get(action=LOOKUP_ACTION, actor=organizer)
    assert event.data == {"via": "import", "numbers": 1, "found": 1, "elsewhere": ["P0004"], "cost": 2}
    assert world.p_yx.id_number not in str(event.data)

    second = client.get(location)  # 2 + 2 = 4: still within the hour's four
    assert "该身份证号已在其他党组织登记" in second.content.decode()
    third = client.get(location)
    assert third.status_code == 200
    text = third.content.decode()
    assert "按身份证号查询过于频繁" in text
    assert "已在其他党组织登记" not in text  # over the count, the file is told nothing of any holder
    assert "确认导入" not in text
    assert AuditEvent.objects.filter(action=LOOKUP_REFUSED_ACTION, actor=organizer).count() == 1
    # and the same count refuses the person form and the API
    page = client.post(
        "/people/new/",
        {
            **{k: v for k, v in person_data(world.branch1).items() if v not in (None, [], False)},
            "org": world.branch1.pk,
            "id_number": "11010519491231002X",
        },
    )
    assert "过于频繁" in page.content.decode()
    assert not Person.objects.filter(pid="P0950").exists()


def test_a_ledger_row_found_by_its_number_outside_the_subtree_names_no_org(world, client_for, tmp_path):
    """A ledger row has no person id: it is matched by its ID number, and a holder outside the importer's
    subtree is 'registered elsewhere', never the org they are in."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.interchange.test_ledger import ledger, person_row

    path = ledger(tmp_path / "台账.xlsx", [person_row("赵六", world.p_yx.id_number)])
    client = client_for("lh_organizer")
    response = client.post("/interchange/", {"file": SimpleUploadedFile("台账.xlsx", path.read_bytes())})
    text = client.get(response["Location"]).content.decode()
    assert "已在另一党组织登记" in text
    assert "SZQ-YX" not in text
    assert "P0004" not in text
    assert "确认导入" not in text
