"""The untrained report on a fixed world: per branch, its secretaries and the contacts and introducers its
open cases name, and how many of them attended no training — the figures counted here by hand."""

import datetime

import pytest

from fazhan.people.choices import PartyStatus
from fazhan.people.models import PersonRole
from fazhan.people.services import person_create
from fazhan.procedure.services import case_exit, case_open, case_record_step
from fazhan.training.selectors import untrained_report
from tests.conftest import make_id_number, person_data
from tests.training.conftest import day, train, walk

TODAY = datetime.date(2024, 5, 6)


def member(w, pid: str, name: str, org):
    return person_create(
        actor=None,
        pid=pid,
        id_number=make_id_number(datetime.date(1975, 1, 1 + int(pid[-1])), 301 + 2 * int(pid[-1])),
        data=person_data(org, name=name, party_status=PartyStatus.FULL, joined_on=datetime.date(2001, 7, 1)),
    )


def record(case, step: str, on: datetime.date, details: dict):
    return case_record_step(actor=None, case=case, step=step, date=on, details=details, enforce=False)


@pytest.fixture
def fixed(pw, time_machine):
    """高桥村: secretary 高建国 (M0001, trained), 张三's contacts 党员0 (trained) and 党员1 (not).
    双河村: secretary 钱七 (M0200, never trained), 李四's contact 钱七 and introducers 钱七 and 党员1.
    教师支部: 王五's case names 党员2 as contact but is closed.
    永兴镇 (outside 罗汉镇): 赵六's contact 孙八."""
    time_machine.move_to(datetime.datetime(2024, 5, 6, 2, tzinfo=datetime.UTC), tick=False)
    w = pw
    qian = member(w, "M0200", "钱七", w.branch2)
    sun = member(w, "M0201", "孙八", w.branch_yx)
    PersonRole.objects.create(person=w.m1, role="branch_secretary")
    PersonRole.objects.create(person=qian, role="branch_secretary")
    train(w, day(100), ("M0001", "branch_secretary"), ("M0100", "contact"))
    train(
        w, TODAY + datetime.timedelta(days=-1), ("M0102", "contact")
    )  # 党员2: trained, but only named in a closed case
    walk(w, "S05")  # 张三: S05 names M0100, M0101
    li = case_open(actor=None, person=w.p2, opened_on=day(0))
    record(li, "S05", day(125), {"contacts": ["M0200"]})
    record(li, "S09", day(520), {"introducers": ["M0200", "M0101"]})
    wang = case_open(actor=None, person=w.p3, opened_on=day(0))
    record(wang, "S05", day(125), {"contacts": ["M0102"]})
    case_exit(actor=None, case=wang, date=day(200), reason="withdrawn")
    zhao = case_open(actor=None, person=w.p_yx, opened_on=day(0))
    record(zhao, "S05", day(125), {"contacts": [sun.pid]})
    return w


def figures(report) -> dict[str, tuple[int, ...]]:
    return {
        line.org.code: (
            line.total["branch_secretary"],
            line.untrained["branch_secretary"],
            line.total["contact"],
            line.untrained["contact"],
            line.total["introducer"],
            line.untrained["introducer"],
        )
        for line in report.orgs
    }


def test_the_township_sees_its_branches_untrained_staff_counted_as_by_hand(fixed):
    report = untrained_report(fixed.users["lh_organizer"])
    assert report.as_of == TODAY
    assert report.counts_from is None
    assert figures(report) == {
        "SZQ-LH-01": (1, 0, 2, 1, 0, 0),
        "SZQ-LH-02": (1, 1, 1, 1, 2, 2),
        "SZQ-LH-03": (0, 0, 0, 0, 0, 0),
        "SZQ-LH-03-1": (0, 0, 0, 0, 0, 0),  # 王五's case is closed: 党员2 is not counted
    }
    assert [(s.org.code, s.role, s.pid, s.name, s.cases) for s in report.untrained] == [
        ("SZQ-LH-01", "contact", "M0101", "党员1", ["张三"]),
        ("SZQ-LH-02", "branch_secretary", "M0200", "钱七", []),
        ("SZQ-LH-02", "contact", "M0200", "钱七", ["李四"]),
        ("SZQ-LH-02", "introducer", "M0101", "党员1", ["李四"]),
        ("SZQ-LH-02", "introducer", "M0200", "钱七", ["李四"]),
    ]


def test_a_branch_secretary_sees_only_their_branch(fixed):
    report = untrained_report(fixed.users["sec1"])
    assert figures(report) == {"SZQ-LH-01": (1, 0, 2, 1, 0, 0)}


def test_the_period_setting_makes_an_old_training_not_count(fixed, settings):
    settings.FAZHAN_PROCEDURE = {
        "staff_training_years": 3
    }  # from 2021-05-06: the 2020-06-10 training is too old
    report = untrained_report(fixed.users["lh_organizer"])
    assert report.counts_from == datetime.date(2021, 5, 6)
    assert figures(report)["SZQ-LH-01"] == (1, 1, 2, 2, 0, 0)


def test_the_other_township_sees_its_own(fixed):
    report = untrained_report(fixed.users["yx_organizer"])
    assert figures(report) == {"SZQ-YX-01": (0, 0, 1, 1, 0, 0)}
