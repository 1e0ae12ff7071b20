"""The canonical world (conftest.py) copied into a test is the world its build makes, row for row, on both
engines; a database or settings unlike the build's get a real build."""

import datetime

import time_machine
from django.db import transaction
from django.utils import timezone

from fazhan.organizations.models import OrgKind
from fazhan.organizations.services import org_create
from tests.conftest import WORLD_ORGS, WORLD_PERSONS, world_build, world_for_test, world_read
from tests.demo_copy import read_all, rows_added_by

WORLD_TABLES = {
    "organizations_org",
    "accounts_user",
    "accounts_roleassignment",
    "people_person",
    "auditlog_auditevent",
}
# Moments no other test builds at (one for each test here): these builds are the tests' own.
FROZEN = [timezone.make_aware(datetime.datetime(2026, 3, 4, 10, 5 * k, 30)) for k in range(3)]


def _objects(w) -> dict:
    """What a test reads of the world: each object's pk and fields, each user's roles."""
    out = {name: (getattr(w, name).pk, getattr(w, name).code) for name in WORLD_ORGS}
    out |= {
        name: (getattr(w, name).pk, getattr(w, name).pid, getattr(w, name).name) for name in WORLD_PERSONS
    }
    out["users"] = [
        (username, u.pk, u.password, sorted(u.assignments.values_list("role", "org__code")))
        for username, u in w.users.items()
    ]
    return out


def test_a_copy_of_the_world_holds_the_rows_and_objects_of_its_build(db):
    with time_machine.travel(FROZEN[0], tick=False):
        before = read_all()
        with transaction.atomic():
            built_world, is_copy = world_for_test()  # the first world of this moment: built for real
            rows = read_all()
            objects = _objects(built_world)
            transaction.set_rollback(True)
        assert not is_copy
        assert read_all() == before  # rolled back
        with transaction.atomic():
            _w, built = rows_added_by(world_build, before)
            assert built is not None
            assert set(built.added) == WORLD_TABLES
            transaction.set_rollback(True)

        copied, is_copy = world_for_test()  # the same database, settings and moment: a copy
        assert is_copy
        assert read_all() == rows
        assert _objects(copied) == objects == _objects(world_read())


def test_a_database_holding_rows_the_build_writes_to_gets_a_real_build(db):
    with time_machine.travel(FROZEN[1], tick=False):
        with transaction.atomic():
            world_for_test()
            transaction.set_rollback(True)
        org_create(actor=None, code="XQ", name="中共新区委员会", kind=OrgKind.DISTRICT_COMMITTEE)
        w, is_copy = world_for_test()
        assert not is_copy
        assert w.district.code == "SZQ"


def test_a_changed_setting_gets_a_real_build(db, settings):
    with time_machine.travel(FROZEN[2], tick=False):
        with transaction.atomic():
            world_for_test()
            transaction.set_rollback(True)
        settings.FAZHAN_PASSWORD_MAX_AGE_DAYS = 7
        _w, is_copy = world_for_test()
    assert not is_copy
