"""The key-talent world: the canonical world (tests/conftest.py) with a second full member, 罗汉镇's
organizer 组织员 (M0950, township level), beside 高建国 (M0001, 高桥村)."""

import datetime

import pytest

from fazhan.people.choices import PartyStatus
from fazhan.people.services import person_create
from tests.conftest import make_id_number, person_data
from tests.procedure.conftest import pw  # noqa: F401  (cases walked along the legal path)


@pytest.fixture
def tw(world):
    world.leader = person_create(
        actor=None,
        pid="M0950",
        id_number=make_id_number(datetime.date(1975, 3, 3), 951),
        data=person_data(
            world.township, name="组织员", party_status=PartyStatus.FULL, joined_on=datetime.date(2000, 7, 1)
        ),
    )
    world.probationer = person_create(
        actor=None,
        pid="M0901",
        id_number=make_id_number(datetime.date(1996, 4, 4), 903),
        data=person_data(
            world.branch1,
            name="预备党员甲",
            party_status=PartyStatus.PROBATIONARY,
            joined_on=datetime.date(2025, 7, 1),
        ),
    )
    return world
