"""The reserve plan (RES-PLAN, notice 二) and the yearly cycle (RES-CYCLE, notice 一): handed down the tree as
the quota is, the village minimum, the cases taken into the plan, the cycle's dated acts, and the warning an
org under its reserve gets."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.plans.models import CycleAct, CycleStep, Reserve, ReserveEntry
from fazhan.plans.selectors import cycle_rows, reserve_report, reserves_below_for_user
from fazhan.plans.services import cycle_record, plan_allocate, reserve_set, reserve_take_in, reserve_take_out
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import ExitReason
from fazhan.procedure.services import case_exit
from tests.procedure.conftest import walk

YEAR = 2021
NOV = datetime.date(2020, 11, 20)


def _reserve(world, org, a, b, c, *, who="district", farmers=0):
    return reserve_set(
        actor=world.users[who],
        org=org,
        year=YEAR,
        applicants=a,
        activists=b,
        targets=c,
        young_farmers=farmers,
    )


def _tree(world):
    _reserve(world, world.district, 20, 10, 4)
    _reserve(world, world.township, 12, 6, 2)
    _reserve(world, world.branch1, 6, 3, 1, who="lh_organizer", farmers=1)


def test_reserves_are_handed_down_like_the_quota_and_audited(world):
    _tree(world)
    with pytest.raises(ValidationError) as refused:
        _reserve(world, world.branch2, 4, 4, 1, who="lh_organizer")
    message = refused.value.message_dict["activists"][0]
    assert "最多还可分配 3 名" in message
    assert "入党积极分子" in message
    assert not Reserve.objects.filter(org=world.branch2).exists()
    _reserve(world, world.branch2, 4, 3, 1, who="lh_organizer", farmers=1)
    with pytest.raises(ValidationError) as refused:
        _reserve(world, world.township, 12, 5, 2)
    assert "不能低于已向下级分配的入党积极分子储备 6 名" in refused.value.message_dict["activists"][0]
    assert Reserve.objects.get(org=world.township).activists == 6
    event = AuditEvent.objects.filter(action="reserve.set", data__org="SZQ-LH-01").get()
    assert (event.data["activists"], event.data["young_farmers"], event.data["parent"]) == (3, 1, "SZQ-LH")


def test_a_reserve_needs_one_above_it_and_the_quotas_roles(world):
    with pytest.raises(ValidationError) as refused:
        _reserve(world, world.township, 5, 2, 1)
    assert "上级尚未下达储量计划" in refused.value.message_dict["applicants"][0]
    _reserve(world, world.district, 20, 10, 4)
    with pytest.raises(PermissionDenied):
        _reserve(world, world.township, 5, 2, 1, who="lh_organizer")
    with pytest.raises(PermissionDenied):
        _reserve(world, world.branch1, 5, 2, 1, who="sec1")
    with pytest.raises(ValidationError) as refused:
        _reserve(world, world.township, -1, 2, 1)
    assert "applicants" in refused.value.message_dict


def test_a_village_holds_at_least_one_activist_a_school_need_not(world):
    _reserve(world, world.district, 20, 10, 4)
    _reserve(world, world.township, 12, 6, 2)
    with pytest.raises(ValidationError) as refused:
        _reserve(world, world.branch1, 3, 0, 0, who="lh_organizer")
    message = refused.value.message_dict["activists"][0]
    assert "RES-PLAN" in message
    assert "至少常态化储备 1 名入党积极分子" in message
    assert "高桥村" in message
    assert not Reserve.objects.filter(org=world.branch1).exists()
    school = _reserve(world, world.branch3, 3, 0, 0, who="lh_organizer")
    assert school.activists == 0


def test_a_case_in_the_pool_is_taken_into_the_plan_once(pw):
    _tree(pw)
    walk(pw, "S03")  # an activist from 2020-06-20
    sec1 = pw.users["sec1"]
    entry = reserve_take_in(actor=sec1, case=pw.case, year=YEAR, date=NOV)
    assert (entry.org, entry.taken_by, entry.taken_on) == (pw.branch1, sec1, NOV)
    with pytest.raises(ValidationError) as refused:
        reserve_take_in(actor=sec1, case=pw.case, year=YEAR, date=NOV)
    assert "已纳入 2021 年度计划" in refused.value.message_dict["case"][0]
    with pytest.raises(ValidationError) as refused:
        reserve_take_in(actor=sec1, case=pw.case, year=2023, date=NOV)
    assert "year" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        reserve_take_in(actor=pw.users["yx_organizer"], case=pw.case, year=2020, date=NOV)
    report = reserve_report(pw.branch1, YEAR, today=datetime.date(2021, 3, 1))
    assert [(r.entry.case.person.pid, r.stage) for r in report.entries] == [("P0001", CaseStage.ACTIVIST)]
    assert AuditEvent.objects.filter(action="reserve.take_in", data__person="P0001").count() == 1
    reserve_take_out(actor=pw.users["lh_organizer"], entry=entry)
    assert not ReserveEntry.objects.exists()
    assert AuditEvent.objects.filter(action="reserve.take_out").count() == 1


def test_a_case_outside_the_pool_is_not_taken_in(pw):
    walk(pw, "S01")
    case_exit(
        actor=None, case=pw.case, date=datetime.date(2020, 5, 1), reason=ExitReason.WITHDRAWN, note="本人撤回"
    )
    with pytest.raises(ValidationError) as refused:
        reserve_take_in(actor=pw.users["sec1"], case=pw.case, year=YEAR, date=NOV)
    assert "已办结" in refused.value.message_dict["case"][0]
    assert not ReserveEntry.objects.exists()


def test_the_report_sets_the_reserve_against_the_pool_month_by_month(pw):
    _tree(pw)
    walk(pw, "S03")
    report = reserve_report(pw.branch1, 2020, today=datetime.date(2020, 8, 15))
    assert [m.day for m in report.months][-2:] == [datetime.date(2020, 7, 31), datetime.date(2020, 8, 15)]
    by_month = {
        m.day.month: (m.count(CaseStage.APPLICANT), m.count(CaseStage.ACTIVIST)) for m in report.months
    }
    assert by_month[2] == (0, 0)  # not yet applied (S01 on 2020-03-02)
    assert by_month[3] == (1, 0)
    assert by_month[5] == (1, 0)
    assert by_month[6] == (0, 1)
    assert by_month[8] == (0, 1)
    year = reserve_report(pw.branch1, YEAR, today=datetime.date(2021, 2, 10))
    assert year.reserve is not None
    assert year.below == [
        (CaseStage.APPLICANT, 6, 0),
        (CaseStage.ACTIVIST, 3, 1),
        (CaseStage.TARGET, 1, 0),
    ]


def test_an_org_under_its_reserve_is_warned_to_its_own_roles(pw):
    _reserve(pw, pw.district, 4, 2, 0)
    _reserve(pw, pw.township, 2, 1, 0)
    _reserve(pw, pw.branch1, 0, 1, 0, who="lh_organizer", farmers=1)
    today = datetime.date(2021, 2, 1)
    warned = reserves_below_for_user(pw.users["sec1"], today=today)
    assert [(w.reserve.org.code, w.below) for w in warned] == [("SZQ-LH-01", [(CaseStage.ACTIVIST, 1, 0)])]
    assert "入党积极分子储备 1 名，现有 0 名" in warned[0].text()
    assert [w.reserve.org.code for w in reserves_below_for_user(pw.users["lh_organizer"], today=today)] == [
        "SZQ-LH",
        "SZQ-LH-01",
    ]
    assert reserves_below_for_user(pw.users["sec2"], today=today) == []
    assert reserves_below_for_user(pw.users["yx_organizer"], today=today) == []
    walk(pw, "S03")
    assert reserves_below_for_user(pw.users["sec1"], today=today) == []


def test_the_yearly_cycle_is_a_series_of_dated_attributable_acts(world):
    district, organizer, sec1 = world.users["district"], world.users["lh_organizer"], world.users["sec1"]
    today = datetime.date(2021, 3, 10)
    with pytest.raises(ValidationError) as refused:
        cycle_record(
            actor=sec1, org=world.branch1, year=YEAR, step="request", date=NOV, number=2, today=today
        )
    assert "RES-CYCLE" in refused.value.message_dict["number"][0]
    _tree(world)
    act = cycle_record(
        actor=sec1, org=world.branch1, year=YEAR, step="request", date=NOV, number=2, today=today
    )
    assert (act.actor, act.date, act.number) == (sec1, NOV, 2)
    with pytest.raises(ValidationError) as refused:
        cycle_record(actor=sec1, org=world.branch1, year=YEAR, step="request", date=NOV, today=today)
    assert "number" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        cycle_record(
            actor=sec1,
            org=world.branch1,
            year=YEAR,
            step="request",
            date=datetime.date(2019, 11, 1),
            number=2,
            today=today,
        )
    assert "date" in refused.value.message_dict
    with pytest.raises(ValidationError):
        cycle_record(
            actor=sec1,
            org=world.branch1,
            year=YEAR,
            step="request",
            date=datetime.date(2021, 4, 1),
            number=2,
            today=today,
        )
    feb = datetime.date(2021, 2, 20)
    with pytest.raises(PermissionDenied):
        cycle_record(actor=organizer, org=world.township, year=YEAR, step="guide", date=feb, today=today)
    with pytest.raises(ValidationError) as refused:
        cycle_record(actor=district, org=world.township, year=YEAR, step="guide", date=feb, today=today)
    assert "尚未录入计划数" in refused.value.message_dict["number"][0]
    with pytest.raises(ValidationError) as refused:
        cycle_record(actor=organizer, org=world.township, year=YEAR, step="division", date=feb, today=today)
    assert "尚未向 中共罗汉镇委员会 下达" in refused.value.message_dict["step"][0]
    plan_allocate(actor=district, org=world.district, year=YEAR, quota=10, groups={})
    plan_allocate(actor=district, org=world.township, year=YEAR, quota=6, groups={})
    guide = cycle_record(actor=district, org=world.township, year=YEAR, step="guide", date=feb, today=today)
    assert guide.number == 6
    with pytest.raises(ValidationError) as refused:
        cycle_record(actor=organizer, org=world.township, year=YEAR, step="division", date=feb, today=today)
    assert "尚未向下级分配" in refused.value.message_dict["step"][0]
    plan_allocate(actor=organizer, org=world.branch1, year=YEAR, quota=2, groups={})
    plan_allocate(actor=organizer, org=world.branch2, year=YEAR, quota=3, groups={})
    march = datetime.date(2021, 3, 1)
    division = cycle_record(
        actor=organizer, org=world.township, year=YEAR, step="division", date=march, today=today
    )
    assert division.number == 5
    rows = {r.org.code: r for r in cycle_rows(world.township, YEAR)}
    assert str(rows["SZQ-LH"].state) == "已分解"
    assert str(rows["SZQ-LH-01"].state) == "请求已报"
    assert str(rows["SZQ-LH-02"].state) == "尚未开始"
    assert rows["SZQ-LH"].act(CycleStep.GUIDE).actor == district
    actions = list(AuditEvent.objects.filter(action__startswith="cycle.").values_list("action", flat=True))
    assert sorted(actions) == ["cycle.division", "cycle.guide", "cycle.request"]
    again = cycle_record(
        actor=sec1, org=world.branch1, year=YEAR, step="request", date=NOV, number=3, today=today
    )
    assert again.pk == act.pk
    assert CycleAct.objects.get(pk=act.pk).number == 3
    with pytest.raises(ValidationError):
        cycle_record(
            actor=sec1,
            org=world.branch1,
            year=YEAR,
            step="request",
            date=today.replace(day=11),
            number=1,
            today=today,
        )


def test_a_year_not_yet_begun_is_set_against_todays_pool(pw):
    reserve_set(actor=None, org=pw.district, year=2021, applicants=3, activists=2, targets=1)
    walk(pw, "S03")
    report = reserve_report(pw.district, 2021, today=datetime.date(2020, 11, 30))
    assert report.months == []
    assert report.now == {CaseStage.ACTIVIST: 1}
    assert [counts for _s, _l, _p, counts in report.rows()] == [[0], [1], [0]]
    assert report.below == [(CaseStage.APPLICANT, 3, 0), (CaseStage.ACTIVIST, 2, 1), (CaseStage.TARGET, 1, 0)]


def test_a_village_plans_a_young_farmer_in_a_windows_last_year_until_one_is_admitted(pw, time_machine):
    """RES-YOUNG-FARMER (通知二: one young farmer member per village every two years, windows 2018–2019,
    2020–2021 …): the reserve for a window's last year plans one unless the window has admitted one; its
    first year may leave it to the second, and a school is not a village."""
    time_machine.move_to(datetime.datetime(2021, 12, 20, 9, 0))
    _reserve(pw, pw.district, 20, 10, 4)
    _reserve(pw, pw.township, 12, 6, 2)
    with pytest.raises(ValidationError) as refused:
        _reserve(pw, pw.branch1, 6, 3, 1, who="lh_organizer")
    message = refused.value.message_dict["young_farmers"][0]
    assert "RES-YOUNG-FARMER" in message
    assert "高桥村" in message
    assert "2020年1月1日 至 2021年12月31日" in message
    assert not Reserve.objects.filter(org=pw.branch1, year=YEAR).exists()
    assert _reserve(pw, pw.branch3, 3, 0, 0, who="lh_organizer").young_farmers == 0  # the school
    first_year = reserve_set(
        actor=pw.users["district"], org=pw.district, year=2020, applicants=5, activists=3, targets=1
    )
    assert first_year.young_farmers == 0
    walk(pw, "S17")  # 张三, 农牧渔民 born 1998, admitted 2021-12-12: the window's young farmer
    assert _reserve(pw, pw.branch1, 6, 3, 1, who="lh_organizer").young_farmers == 0
