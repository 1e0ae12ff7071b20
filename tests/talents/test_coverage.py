"""Coverage (TAL-COVER) and the plan line (单列计划) on a fixed small world, the expected figures worked out
by hand here: who is marked, who leads them, when they were last contacted."""

import datetime

from fazhan.plans.services import plan_allocate
from fazhan.talents.selectors import talent_coverage, talent_plan_line, talent_plan_lines
from fazhan.talents.services import (
    contact_record,
    key_person_mark,
    leader_assign,
    leader_release,
    talent_plan_set,
)
from tests.procedure.conftest import walk

D = datetime.date
TODAY = D(2026, 5, 31)  # the quarter: 2026-02-28 .. 2026-05-31


def _world(tw):
    """张三 (P0001, 高桥村): led by 高建国, contacted 2026-02-28 → covered (the quarter's first day).
    李四 (P0002, 双河村): led by 组织员, last contacted 2026-02-27 → not covered (a day too early).
    王五 (P0003, 中心学校教师支部 under the general branch): no leader → not covered.
    赵六 (P0004, 永兴镇): led by 组织员 and 高建国 (多对一), contacted 2026-05-31 → covered.
    组织员 leads two (一人联系多人)."""
    keys = {}
    for name, person in (("p1", tw.p1), ("p2", tw.p2), ("p3", tw.p3), ("p_yx", tw.p_yx)):
        keys[name] = key_person_mark(
            actor=None, person=person, category="high_skill", since=D(2026, 1, 2), today=TODAY
        )
    l1 = leader_assign(actor=None, key=keys["p1"], leader=tw.m1, start=D(2026, 1, 2), today=TODAY)
    l2 = leader_assign(actor=None, key=keys["p2"], leader=tw.leader, start=D(2026, 1, 2), today=TODAY)
    l4 = leader_assign(actor=None, key=keys["p_yx"], leader=tw.leader, start=D(2026, 1, 2), today=TODAY)
    leader_assign(actor=None, key=keys["p_yx"], leader=tw.m1, start=D(2026, 1, 2), today=TODAY)
    contact_record(actor=None, link=l1, date=D(2026, 2, 28), way="visit", today=TODAY)
    contact_record(actor=None, link=l2, date=D(2026, 1, 10), way="visit", today=TODAY)
    contact_record(actor=None, link=l2, date=D(2026, 2, 27), way="phone", today=TODAY)
    contact_record(actor=None, link=l4, date=D(2026, 5, 31), way="talk", today=TODAY)
    return keys, l1


def test_coverage_of_the_township_and_its_orgs_equals_the_hand_count(tw):
    _world(tw)
    coverage = talent_coverage(tw.township, TODAY)
    assert coverage.quarter_from == D(2026, 2, 28)
    assert (coverage.total.total, coverage.total.covered, coverage.total.uncovered) == (3, 1, 2)
    rows = {r.org.code: (r.total, r.covered) for r in coverage.children}
    assert rows == {"SZQ-LH-01": (1, 1), "SZQ-LH-02": (1, 0), "SZQ-LH-03": (1, 0)}
    gaps = {r.key.person.pid: r.gap for r in coverage.uncovered}
    assert gaps == {"P0002": "近一个季度无联系记录", "P0003": "未确定联系领导干部"}
    district = talent_coverage(tw.district, TODAY)
    assert (district.total.total, district.total.covered) == (4, 2)
    assert {r.org.code: (r.total, r.covered) for r in district.children} == {
        "SZQ-LH": (3, 1),
        "SZQ-YX": (1, 1),
    }
    yx = next(r for r in district.rows if r.key.person.pid == "P0004")
    assert sorted(x.leader.pid for x in yx.leaders) == ["M0001", "M0950"]


def test_a_day_later_the_quarter_moves_and_an_ended_link_uncovers(tw):
    _, l1 = _world(tw)
    later = talent_coverage(tw.township, D(2026, 6, 1))  # the quarter now starts 2026-03-01
    assert (later.total.total, later.total.covered) == (3, 0)
    leader_release(actor=None, link=l1, end=D(2026, 5, 30), today=TODAY)
    now = talent_coverage(tw.township, TODAY)
    assert (now.total.total, now.total.covered) == (3, 0)
    assert {r.key.person.pid: r.gap for r in now.uncovered}["P0001"] == "未确定联系领导干部"


def test_the_plan_line_counts_key_persons_admitted_as_the_rules_count_admissions(pw, tw):
    plan_allocate(actor=None, org=pw.district, year=2021, quota=10)
    plan_allocate(actor=None, org=pw.township, year=2021, quota=5)
    talent_plan_set(actor=None, org=pw.township, year=2021, reserved=2)
    steps = walk(pw, "S17")  # 张三 admitted in 2021 in 高桥村
    approved = steps["S17"][0].date
    line = talent_plan_line(pw.township, 2021, today=D(2022, 1, 10))
    assert (line.quota, line.reserved, len(line.developed), line.left) == (5, 2, 0, 2)  # not marked
    key_person_mark(actor=None, person=pw.p1, category="academic_leader", since=approved, today=TODAY)
    line = talent_plan_line(pw.township, 2021, today=D(2022, 1, 10))
    assert ([a.person.pid for a in line.developed], line.left) == (["P0001"], 1)
    assert len(talent_plan_line(pw.district, 2021, today=D(2022, 1, 10)).developed) == 1  # rolled up
    assert talent_plan_line(pw.township2, 2021, today=D(2022, 1, 10)).developed == []
    lines = talent_plan_lines([pw.township, pw.branch1, pw.branch2], 2021, today=D(2022, 1, 10))
    assert [(x.org.code, x.quota, x.reserved, len(x.developed)) for x in lines] == [
        ("SZQ-LH", 5, 2, 1),
        ("SZQ-LH-01", None, None, 1),
        ("SZQ-LH-02", None, None, 0),
    ]
    assert talent_plan_line(pw.township, 2022, today=D(2022, 1, 10)).developed == []


def test_a_person_marked_only_after_the_approval_is_not_counted(pw, tw):
    plan_allocate(actor=None, org=pw.district, year=2021, quota=10)
    steps = walk(pw, "S17")
    after = steps["S17"][0].date + datetime.timedelta(days=1)
    key_person_mark(actor=None, person=pw.p1, category="academic_leader", since=after, today=TODAY)
    assert talent_plan_line(pw.district, 2021, today=D(2022, 1, 10)).developed == []
