"""The canonical small world every test starts from, built through the services (style.md, Tests).

市中区委 (SZQ) → 罗汉镇党委 (SZQ-LH) → 高桥村支部 (SZQ-LH-01), 双河村支部 (SZQ-LH-02) and the school's
general branch (SZQ-LH-03) with one branch under it (SZQ-LH-03-1); a second township (SZQ-YX) with one
branch. One user per role, each named after where they sit.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client

from fazhan.accounts.models import ADMIN_ROLES, Role
from fazhan.accounts.services import role_assign, user_create
from fazhan.organizations.models import OrgCategory, OrgKind
from fazhan.organizations.services import org_create
from fazhan.people.choices import PartyStatus
from fazhan.people.services import person_create
from tests.demo_copy import demo_rows, demo_world  # noqa: F401  (fixtures: the demo world, copied per test)
from tests.fresh import fresh_database  # noqa: F401  (a fixture: an empty database on the suite's engine)

PASSWORD = "Test-pass-2018"


def pytest_sessionstart(session):
    """A run cut off mid-way can leave the SQLite test database's -wal and -shm files behind; a new database
    of the same name would read them as its own (disk I/O error). Clear them before the database is made.
    Under pytest-xdist each worker has its own database, named with the worker's id (pytest-django)."""
    from pathlib import Path

    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and db.get("TEST", {}).get("NAME"):
        name = db["TEST"]["NAME"]
        worker = getattr(session.config, "workerinput", {}).get("workerid")
        if worker:
            name = f"{name}_{worker}"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)


# Tests that take a minute or more on their own. They run first (pytest-django has already put the tests that
# use the database before the transactional ones; these are of the first kind), so that under pytest-xdist the
# other worker goes through the rest meanwhile instead of waiting for one of them at the end.
LONGEST_FIRST = ("tests/test_demo_and_commands.py::test_demo_",)


def pytest_collection_modifyitems(items):
    """The longest first, then every other test of the demo world (tests/demo_copy.py), then the rest.
    pytest-xdist hands each worker a first chunk of consecutive tests (about an eighth of the suite for two):
    the demo's tests all fall in the first worker's, so it builds the demo once and copies it, and the second
    worker never waits on the build."""

    def rank(item) -> int:
        if item.nodeid.startswith(LONGEST_FIRST):
            return 0
        return 1 if "demo_rows" in getattr(item, "fixturenames", ()) else 2

    items.sort(key=rank)


# Valid ID numbers (procedure.md F examples and others with correct check characters).
ID_1998_MALE = "511002199803041215"
ID_1960_MALE = "511002196005121233"  # 511002 was created in 1985: python-stdnum's is_valid refuses it
ID_1949_FEMALE_X = "11010519491231002X"


def make_id_number(birth: datetime.date, seq: int, *, area: str = "511002") -> str:
    """A valid ID number for tests: area, birth date, 3-digit sequence (odd = male), check character."""
    from stdnum.cn import ric

    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def person_data(org, **overrides):
    data = {
        "name": "张三",
        "ethnicity": "汉族",
        "education": "大学专科",
        "occupation": "农牧渔民",
        "tags": [],
        "phone": "13800001234",
        "household_place": "",
        "residence": "",
        "floating": False,
        "front_line": False,
        "league_member": False,
        "org": org,
        "work_unit_org": None,
        "planned_departure": None,
        "party_status": PartyStatus.CANDIDATE,
        "joined_on": None,
        "full_since": None,
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(db):
    w = SimpleNamespace()
    w.district = org_create(actor=None, code="SZQ", name="中共市中区委员会", kind=OrgKind.DISTRICT_COMMITTEE)
    w.township = org_create(
        actor=None,
        code="SZQ-LH",
        name="中共罗汉镇委员会",
        kind=OrgKind.COMMITTEE,
        category=OrgCategory.TOWNSHIP,
        parent=w.district,
    )
    w.branch1 = org_create(
        actor=None,
        code="SZQ-LH-01",
        name="中共罗汉镇高桥村支部委员会",
        kind=OrgKind.BRANCH,
        category=OrgCategory.VILLAGE,
        parent=w.township,
    )
    w.branch2 = org_create(
        actor=None,
        code="SZQ-LH-02",
        name="中共罗汉镇双河村支部委员会",
        kind=OrgKind.BRANCH,
        category=OrgCategory.VILLAGE,
        parent=w.township,
    )
    w.general = org_create(
        actor=None,
        code="SZQ-LH-03",
        name="中共罗汉镇中心学校总支部委员会",
        kind=OrgKind.GENERAL_BRANCH,
        category=OrgCategory.SCHOOL,
        parent=w.township,
    )
    w.branch3 = org_create(
        actor=None,
        code="SZQ-LH-03-1",
        name="中共罗汉镇中心学校教师支部委员会",
        kind=OrgKind.BRANCH,
        category=OrgCategory.SCHOOL,
        parent=w.general,
    )
    w.township2 = org_create(
        actor=None,
        code="SZQ-YX",
        name="中共永兴镇委员会",
        kind=OrgKind.COMMITTEE,
        category=OrgCategory.TOWNSHIP,
        parent=w.district,
    )
    w.branch_yx = org_create(
        actor=None,
        code="SZQ-YX-01",
        name="中共永兴镇新桥村支部委员会",
        kind=OrgKind.BRANCH,
        category=OrgCategory.VILLAGE,
        parent=w.township2,
    )

    w.users = {}
    for username, role, org in [
        ("sec1", Role.BRANCH_SECRETARY, w.branch1),
        ("org1", Role.BRANCH_ORGANIZER, w.branch1),
        ("sec2", Role.BRANCH_SECRETARY, w.branch2),
        ("lh_organizer", Role.TOWNSHIP_ORGANIZER, w.township),
        ("lh_approver", Role.TOWNSHIP_APPROVER, w.township),
        ("district", Role.DISTRICT_REVIEWER, w.district),
        ("inspector_lh", Role.INSPECTOR, w.township),
        ("yx_organizer", Role.TOWNSHIP_ORGANIZER, w.township2),
        ("admin", Role.SYSADMIN, w.district),
        ("secadmin", Role.SECADMIN, w.district),
        ("secadmin2", Role.SECADMIN, w.district),
        ("auditor", Role.AUDITADMIN, w.district),
    ]:
        # Exempt from enrolling a second factor, as the demo's logins are (tests/trust/test_login_hardening.py
        # makes users that are not, and shows what they go through).
        user = user_create(
            actor=None,
            username=username,
            password=PASSWORD,
            is_admin=role in ADMIN_ROLES,
            second_factor_exempt=True,
        )
        role_assign(actor=None, user=user, role=role, org=org)
        w.users[username] = user

    w.p1 = person_create(
        actor=None, pid="P0001", id_number=ID_1998_MALE, data=person_data(w.branch1, name="张三")
    )
    w.p2 = person_create(
        actor=None,
        pid="P0002",
        id_number=make_id_number(datetime.date(1995, 6, 1), 22),
        data=person_data(w.branch2, name="李四", phone="13912345678"),
    )
    w.p3 = person_create(
        actor=None,
        pid="P0003",
        id_number=make_id_number(datetime.date(1990, 1, 15), 31),
        data=person_data(w.branch3, name="王五"),
    )
    w.p_yx = person_create(
        actor=None,
        pid="P0004",
        id_number=make_id_number(datetime.date(1992, 3, 3), 41),
        data=person_data(w.branch_yx, name="赵六"),
    )
    w.m1 = person_create(
        actor=None,
        pid="M0001",
        id_number=ID_1960_MALE,
        data=person_data(
            w.branch1, name="高建国", party_status=PartyStatus.FULL, joined_on=datetime.date(1990, 7, 1)
        ),
    )
    return w


@pytest.fixture
def client_for(world):
    """client_for("sec1") → a Client logged in as that world user."""

    def make(username: str) -> Client:
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        return client

    return make


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2's million rounds cost seconds per world of nine users; tests hash with MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path_factory, monkeypatch):
    """Each test signs its trail's checkpoints into a directory of its own (and so does a `fazhan` process
    it starts), never into the checkout's var/checkpoints."""
    folder = tmp_path_factory.mktemp("checkpoints")
    settings.FAZHAN_CHECKPOINT_DIR = folder
    monkeypatch.setenv("FAZHAN_CHECKPOINT_DIR", str(folder))
    return folder
