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
from tests.demo_copy import (  # noqa: F401  (fixtures: the demo world, copied per test)
    Built,
    counts_all,
    demo_rows,
    demo_world,
    read_all,
    rows_added_by,
    rows_insert,
    settings_seen,
)
from tests.fresh import fresh_database, migrated_database, migrated_template  # noqa: F401  (fixtures)

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
    """The longest first, then every other test of the demo world (tests/demo_copy.py) and every test of a
    migrated second database (tests/fresh.py), then the rest. pytest-xdist hands each worker a first chunk
    of consecutive tests (about an eighth of the suite for two): these all fall in the first worker's, so it
    builds the demo once and copies it, migrates one database and copies that, and the second worker never
    waits on either."""

    def rank(item) -> int:
        if item.nodeid.startswith(LONGEST_FIRST):
            return 0
        shared = {"demo_rows", "migrated_template"}
        return 1 if shared & set(getattr(item, "fixturenames", ())) else 2

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


WORLD_ORGS = {
    "district": "SZQ",
    "township": "SZQ-LH",
    "branch1": "SZQ-LH-01",
    "branch2": "SZQ-LH-02",
    "general": "SZQ-LH-03",
    "branch3": "SZQ-LH-03-1",
    "township2": "SZQ-YX",
    "branch_yx": "SZQ-YX-01",
}
WORLD_PERSONS = {"p1": "P0001", "p2": "P0002", "p3": "P0003", "p_yx": "P0004", "m1": "M0001"}
WORLD_USERS = [
    ("sec1", Role.BRANCH_SECRETARY, "branch1"),
    ("org1", Role.BRANCH_ORGANIZER, "branch1"),
    ("sec2", Role.BRANCH_SECRETARY, "branch2"),
    ("lh_organizer", Role.TOWNSHIP_ORGANIZER, "township"),
    ("lh_approver", Role.TOWNSHIP_APPROVER, "township"),
    ("district", Role.DISTRICT_REVIEWER, "district"),
    ("inspector_lh", Role.INSPECTOR, "township"),
    ("yx_organizer", Role.TOWNSHIP_ORGANIZER, "township2"),
    ("admin", Role.SYSADMIN, "district"),
    ("secadmin", Role.SECADMIN, "district"),
    ("secadmin2", Role.SECADMIN, "district"),
    ("auditor", Role.AUDITADMIN, "district"),
]
# The world's rows as a build added them, by what the build depended on (the settings, the time to five
# minutes, every table's count): tests/demo_copy.py's copy, for the world most tests start from.
_WORLD_BUILT: dict[tuple, Built] = {}
WORLD_COPY_MINUTES = 5


@pytest.fixture
def world(db):
    """The canonical world, as `world_build` makes it through the services. The first test of a worker builds
    it for real and keeps the rows it added; a test whose database and settings are what that build found
    (and whose clock is within WORLD_COPY_MINUTES of it) gets those rows inserted into its own transaction
    instead, and the same objects read back by code, pid and username (tests/test_world_copy.py holds the
    copy to the build, row for row). Anything else (a transactional test after another emptied the
    database, a test that wrote rows or changed a setting first, a frozen clock) builds for real."""
    return world_for_test()[0]


def world_for_test() -> tuple[SimpleNamespace, bool]:
    """The world in the current test's database, and whether it is a copy (else it was built for real)."""
    from django.utils import timezone

    now = timezone.now()
    moment = now.replace(minute=now.minute - now.minute % WORLD_COPY_MINUTES, second=0, microsecond=0)
    key = (settings_seen(), moment, tuple(sorted(counts_all().items())))
    built = _WORLD_BUILT.get(key)
    if built is not None:
        rows_insert(built.added)
        return world_read(), True
    w, built = rows_added_by(world_build, read_all())
    if built is not None:
        _WORLD_BUILT[key] = built
    return w, False


def world_read() -> SimpleNamespace:
    """The world's objects, read from the database by their codes, pids and usernames."""
    from fazhan.accounts.models import User
    from fazhan.organizations.models import Org
    from fazhan.people.models import Person

    w = SimpleNamespace()
    orgs = {o.code: o for o in Org.objects.filter(code__in=WORLD_ORGS.values())}
    for name, code in WORLD_ORGS.items():
        setattr(w, name, orgs[code])
    users = {u.username: u for u in User.objects.filter(username__in=[u for u, _r, _o in WORLD_USERS])}
    w.users = {username: users[username] for username, _role, _org in WORLD_USERS}
    persons = {p.pid: p for p in Person.objects.filter(pid__in=WORLD_PERSONS.values())}
    for name, pid in WORLD_PERSONS.items():
        setattr(w, name, persons[pid])
    return w


def world_build() -> SimpleNamespace:
    """The canonical world, built through the services."""
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
    for username, role, org_name in WORLD_USERS:
        org = getattr(w, org_name)
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
