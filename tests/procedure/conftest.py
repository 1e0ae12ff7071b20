"""A case walked along a legal path, to stop anywhere and try the next step too early, too late or malformed.

`walk(case, upto="S14")` records every step of LEGAL_PATH up to and including the last record of S14,
through the service, with the details a careful branch would enter. Dates are days after `start`.
"""

import datetime

import pytest

from fazhan.demo.world import EDUCATION_KINDS, LEGAL_PATH
from fazhan.people.choices import PartyStatus
from fazhan.people.services import person_create
from fazhan.prereview.services import form_issue
from fazhan.procedure.services import case_open, case_record_step
from tests.conftest import make_id_number, person_data

START = datetime.date(2020, 3, 2)


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def legal_details(step: str, n: int, w) -> dict:
    """The details of the n-th record of `step` on the legal path, for the world `w`."""
    full = [m.pid for m in w.members]
    votes = {
        "entitled": len(full),
        "present": len(full) - 1,
        "for": len(full) - 2,
        "against": 0,
        "abstain": 1,
    }
    return {
        "S02": {"talkers": full[:1]},
        "S03": {"method": "member_recommendation", "decided_by": "branch_committee"},
        "S04": {"filed_with": "SZQ-LH"},
        "S05": {"contacts": full[1:3]},
        "S06": {"kind": EDUCATION_KINDS["S06"][n % 6]},
        "S07": {
            "opinions_heard": ["party_group", "contacts", "members", "public"],
            "publicity_from": day(490).isoformat(),
            "publicity_to": day(496).isoformat(),
        },
        "S08": {"filed_with": "SZQ-LH", "agreed": True},
        "S09": {"introducers": full[3:5]},
        "S10": {"result": "pass", "negative_list": {}},
        "S11": {"days": 3, "hours": 24, "provider": "SZQ-LH"},
        "S13": {"reviewer": "SZQ-LH" if n == 0 else "SZQ", "result": "pass"},
        "S14": {"form_number": form_number(w)},
        "S15": votes,
        "S16": {"talkers": [w.organizer.pid]},
        "S17": {"approver": "SZQ-LH", "result": "approved"},
        "S18": {"filed_with": "SZQ"},
        "S19": {"branch": "SZQ-LH-01"},
        "S21": {"kind": EDUCATION_KINDS["S21"][n % 6]},
        "S23": {**votes, "decision": "convert"},
        "S24": {"approver": "SZQ-LH", "result": "approved"},
        "S25": {"archive_no": "LH-0001"},
    }.get(step, {})


@pytest.fixture
def pw(world):
    """The world with eight full members in 高桥村 (M0001 among them), a township organizer, and a case
    opened for 张三 (P0001, born 1998-03-04)."""
    world.members = [world.m1]
    for k in range(7):
        world.members.append(
            person_create(
                actor=None,
                pid=f"M01{k:02d}",
                id_number=make_id_number(datetime.date(1970 + k, 5, 1), 101 + 2 * k),
                data=person_data(
                    world.branch1,
                    name=f"党员{k}",
                    party_status=PartyStatus.FULL,
                    joined_on=datetime.date(2005, 7, 1),
                ),
            )
        )
    world.organizer = person_create(
        actor=None,
        pid="M0900",
        id_number=make_id_number(datetime.date(1975, 2, 2), 901),
        data=person_data(
            world.township, name="组织员", party_status=PartyStatus.FULL, joined_on=datetime.date(2000, 7, 1)
        ),
    )
    world.case = case_open(actor=None, person=world.p1, opened_on=START)
    return world


def walk(w, upto: str | None = None, *, until: int | None = None, **replace) -> dict:
    """Record the legal path up to the last record of `upto` (or the first `until` entries). `replace` maps
    "S07" → details to use instead of the legal ones. Returns {step: [records]}."""
    last = max(i for i, (s, _) in enumerate(LEGAL_PATH) if s == upto) if upto else len(LEGAL_PATH) - 1
    stop = until if until is not None else last + 1
    done: dict = {}
    for step, offset in LEGAL_PATH[:stop]:
        n = len(done.get(step, []))
        details = replace.get(step, legal_details(step, n, w))
        if step == "S14" and not w.case.person.numbered_forms.exists():
            issue_legal_form(w, day(offset))
        record = case_record_step(actor=None, case=w.case, step=step, date=day(offset), details=details)
        done.setdefault(step, []).append(record)
    return done


def issue_legal_form(w, on: datetime.date):
    """The district issues the numbered form of the legal path (PRE-DISTRICT, FORM-ONE) to the walked case's
    person: the legal path's number for 张三, one of their own for others."""
    return form_issue(actor=None, person=w.case.person, number=form_number(w), issued_on=on)


def form_number(w) -> str:
    person = w.case.person
    return "SZQ2021-0001" if person == w.p1 else f"SZQ2021-{person.pid}"


def next_offset(step: str) -> int:
    return next(o for s, o in LEGAL_PATH if s == step)
