"""Plans: binding quotas down the tree, the report counted at the approval date, and the plan page."""

import datetime
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.people.services import person_transfer
from fazhan.plans.models import Plan
from fazhan.plans.selectors import admissions, plan_report
from fazhan.plans.services import plan_allocate
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_open
from tests.procedure.conftest import walk
from tests.workbooks import assert_shaped, sheets, table

YEAR = 2021
TODAY = datetime.date(2022, 1, 10)


def _district_plan(world, quota=10, **groups):
    return plan_allocate(
        actor=world.users["district"], org=world.district, year=YEAR, quota=quota, groups=groups
    )


def test_district_issues_its_guiding_plan_and_allocation_is_audited(world):
    plan = _district_plan(world, 10, women=3)
    assert (plan.quota, plan.groups) == (10, {"women": 3})
    event = AuditEvent.objects.filter(action="plan.allocate").get()
    assert event.data["quota"] == 10
    assert event.data["org"] == "SZQ"


def test_childrens_quotas_may_not_exceed_the_parents(world):
    _district_plan(world, 10)
    district = world.users["district"]
    plan_allocate(actor=district, org=world.township, year=YEAR, quota=6, groups={})
    with pytest.raises(ValidationError) as refused:
        plan_allocate(actor=district, org=world.township2, year=YEAR, quota=5, groups={})
    message = " ".join(refused.value.message_dict["quota"])
    assert "10" in message
    assert "6" in message
    assert "最多还可分配 4 名" in message
    assert not Plan.objects.filter(org=world.township2).exists()
    plan_allocate(actor=district, org=world.township2, year=YEAR, quota=4, groups={})
    organizer = world.users["lh_organizer"]
    plan_allocate(actor=organizer, org=world.branch1, year=YEAR, quota=4, groups={})
    with pytest.raises(ValidationError) as refused:
        plan_allocate(actor=organizer, org=world.branch3, year=YEAR, quota=3, groups={})
    assert "最多还可分配 2 名" in refused.value.message_dict["quota"][0]


def test_a_plan_may_not_be_cut_below_what_it_passed_down(world):
    _district_plan(world, 10)
    plan_allocate(actor=world.users["district"], org=world.township, year=YEAR, quota=6, groups={})
    with pytest.raises(ValidationError) as refused:
        _district_plan(world, 5)
    assert "6" in refused.value.message_dict["quota"][0]
    assert Plan.objects.get(org=world.district).quota == 10


def test_a_quota_needs_a_plan_above_it(world):
    with pytest.raises(ValidationError) as refused:
        plan_allocate(actor=world.users["district"], org=world.township, year=YEAR, quota=3, groups={})
    assert "尚未下达上级计划" in refused.value.message_dict["quota"][0]


def test_township_organizer_allocates_below_the_township_only(world):
    _district_plan(world, 10)
    plan_allocate(actor=world.users["district"], org=world.township, year=YEAR, quota=6, groups={})
    with pytest.raises(PermissionDenied):
        plan_allocate(actor=world.users["lh_organizer"], org=world.township, year=YEAR, quota=7, groups={})
    with pytest.raises(PermissionDenied):
        plan_allocate(actor=world.users["yx_organizer"], org=world.branch1, year=YEAR, quota=1, groups={})
    with pytest.raises(PermissionDenied):
        plan_allocate(actor=world.users["sec1"], org=world.branch1, year=YEAR, quota=1, groups={})


@pytest.mark.parametrize(
    ("groups", "needle"),
    [
        ({"astronauts": 1}, "astronauts"),
        ({"women": 11}, "women"),
        ({"women": -1}, "women"),
        ({"women": "x"}, "women"),
    ],
)
def test_bad_focus_group_targets_are_refused_naming_the_group(world, groups, needle):
    with pytest.raises(ValidationError) as refused:
        _district_plan(world, 10, **groups)
    assert needle in refused.value.message_dict["groups"][0]
    assert not Plan.objects.exists()


def test_admissions_count_at_the_approval_date_for_the_branch_then(pw):
    walk(pw, "S17")
    transfer_day = datetime.date(2022, 1, 5)
    person_transfer(
        actor=None, person=pw.p1, to_org=pw.branch_yx, date=transfer_day, materials_transferred=True
    )
    counted = admissions(pw.district, YEAR)
    assert [(a.person.pid, a.org.code) for a in counted] == [("P0001", "SZQ-LH-01")]
    assert admissions(pw.township2, YEAR) == []
    assert admissions(pw.township, YEAR - 1) == []


def test_report_rolls_admissions_pool_and_focus_groups_up_the_tree(pw):
    _district_plan(pw, 10, 青年农民=2, age_35_and_under=3, women=1)
    plan_allocate(actor=None, org=pw.township, year=YEAR, quota=5, groups={})
    walk(pw, "S17")
    case_open(actor=None, person=pw.p2, opened_on=datetime.date(2021, 1, 4))  # applicant in 双河村
    report = plan_report(pw.district, YEAR, today=TODAY)
    assert (report.total.quota, report.total.admitted, report.total.left) == (10, 1, 9)
    rows = {r.org.code: r for r in report.children}
    assert (rows["SZQ-LH"].quota, rows["SZQ-LH"].admitted, rows["SZQ-LH"].applicants) == (5, 1, 1)
    assert (rows["SZQ-YX"].quota, rows["SZQ-YX"].admitted) == (None, 0)
    groups = {g.key: (g.target, g.actual) for g in report.groups}
    # 张三: born 1998, farmer, male, 大学专科 — young at approval, not a woman; tags empty in the world
    assert groups["age_35_and_under"] == (3, 1)
    assert groups["women"] == (1, 0)
    assert groups["college_and_above"] == (None, 1)
    assert report.monthly[11] == 1
    assert sum(report.monthly) == 1
    data = report.as_json()
    assert data["cumulative"][-1] == 1
    assert data["quota"] == 10


def test_pool_ratio_reading_and_villages_without_activists(pw):
    walk(pw, "S03")  # 张三 becomes an activist in 高桥村
    case_open(actor=None, person=pw.p2, opened_on=datetime.date(2021, 1, 4))
    report = plan_report(pw.township, YEAR, today=TODAY)
    assert pw.case.person.cases.get().stage == CaseStage.ACTIVIST
    assert (report.total.applicants, report.total.activists, report.total.targets) == (1, 1, 0)
    assert not report.total.ratio_ok  # 1 applicant < 2 × 1 activist
    villages = {v.code: n for v, n in report.villages}
    assert villages == {"SZQ-LH-01": 1, "SZQ-LH-02": 0}
    assert [v.code for v in report.empty_villages] == ["SZQ-LH-02"]


def test_pool_ratio_holds_when_the_pool_is_six_three_one(world):
    from fazhan.people.services import person_create
    from tests.conftest import make_id_number, person_data

    entered = {CaseStage.APPLICANT: (), CaseStage.ACTIVIST: ("S03",), CaseStage.TARGET: ("S03", "S07")}
    stages = [CaseStage.APPLICANT] * 6 + [CaseStage.ACTIVIST] * 3 + [CaseStage.TARGET]
    for k, stage in enumerate(stages):
        person = person_create(
            actor=None,
            pid=f"Q{k:03d}",
            id_number=make_id_number(datetime.date(1990, 1, 1), 201 + 2 * k),
            data=person_data(world.branch1, name=f"人{k}"),
        )
        case = case_open(actor=None, person=person, opened_on=datetime.date(2021, 1, 4))
        for n, step in enumerate(entered[stage]):  # the stage as the records put it (B0.3), as the rules read
            StepRecord.objects.create(case=case, step=step, date=datetime.date(2021, 2 + n, 1), details={})
    row = plan_report(world.township, TODAY.year, today=TODAY).total
    assert (row.applicants, row.activists, row.targets, row.ratio_ok) == (6, 3, 1, True)
    assert row.ratio_text == "6.0:3.0:1"


# --- the page, its download and its JSON -----------------------------------------------------------------


def test_plan_page_is_scoped_to_the_subtree_and_the_roles_that_keep_plans(world, client_for):
    assert client_for("yx_organizer").get(f"/plans/SZQ-LH/{YEAR}/").status_code == 404
    assert client_for("lh_organizer").get(f"/plans/SZQ/{YEAR}/").status_code == 404
    assert client_for("sec1").get(f"/plans/SZQ-LH-01/{YEAR}/").status_code == 403
    assert client_for("sec1").get(f"/plans/SZQ-LH-01/{YEAR}/data.json").status_code == 403
    assert client_for("lh_organizer").get(f"/plans/SZQ-LH/{YEAR}/").status_code == 200
    assert client_for("district").get(f"/plans/SZQ-YX/{YEAR}/").status_code == 200
    assert client_for("district").get("/plans/SZQ/99999/").status_code == 404


def test_plan_page_json_and_excel_show_the_same_numbers(pw, client_for):
    _district_plan(pw, 10)
    plan_allocate(actor=None, org=pw.township, year=YEAR, quota=5, groups={})
    walk(pw, "S17")
    client = client_for("district")
    page = client.get(f"/plans/SZQ/{YEAR}/").content.decode()
    assert 'id="plan-quota">10<' in page
    assert 'id="plan-admitted">1<' in page
    assert "echarts.min.js" in page
    assert 'id="plan-chart"' in page
    data = client.get(f"/plans/SZQ/{YEAR}/data.json").json()
    assert (data["quota"], data["admitted"]) == (10, 1)
    assert {c["code"]: c["admitted"] for c in data["children"]} == {"SZQ-LH": 1, "SZQ-YX": 0}
    download = client.get(f"/plans/SZQ/{YEAR}/?format=xlsx")
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(
        f"中共市中区委员会{YEAR}年度发展计划.xlsx"
    )
    book = sheets(download.content)
    assert list(book) == ["发展计划", "重点群体", "村党支部"]  # one table per sheet
    for sheet in book.values():
        assert_shaped(sheet)
    rows = table(book["发展计划"])
    assert rows[0][:2] == ("党组织", "计划数")
    assert rows[1][:3] == ("中共市中区委员会", 10, 1)
    assert rows[2][:3] == ("中共罗汉镇委员会", 5, 1)
    assert table(book["重点群体"])[0] == ("重点群体", "目标", "实际")
    assert table(book["村党支部"])[0] == ("村党支部", "入党积极分子")


def test_allocation_form_shows_the_refusal_at_the_field_and_changes_nothing(world, client_for):
    _district_plan(world, 10)
    client = client_for("district")
    response = client.post(f"/plans/SZQ/{YEAR}/allocate/", {"org": "SZQ-LH", "quota": "11"})
    assert response.status_code == 200
    assert "最多还可分配 10 名" in response.content.decode()
    assert not Plan.objects.filter(org=world.township).exists()
    response = client.post(f"/plans/SZQ/{YEAR}/allocate/", {"org": "SZQ-LH", "quota": "abc"})
    assert response.status_code == 200
    assert 'id="plan-field-quota"' in response.content.decode()
    assert "has-error" in response.content.decode()
    response = client.post(f"/plans/SZQ/{YEAR}/allocate/", {"org": "SZQ-LH", "quota": "4", "g_12": "2"})
    assert response.status_code == 302
    assert Plan.objects.get(org=world.township).groups == {"women": 2}


def test_township_organizer_may_allocate_only_to_its_branches_through_the_page(world, client_for):
    _district_plan(world, 10)
    plan_allocate(actor=None, org=world.township, year=YEAR, quota=6, groups={})
    client = client_for("lh_organizer")
    refused = client.post(f"/plans/SZQ-LH/{YEAR}/allocate/", {"org": "SZQ-LH", "quota": "9"})
    assert refused.status_code == 200
    assert Plan.objects.get(org=world.township).quota == 6
    assert (
        client.post(f"/plans/SZQ-LH/{YEAR}/allocate/", {"org": "SZQ-LH-01", "quota": "2"}).status_code == 302
    )
    assert (
        client_for("inspector_lh")
        .post(f"/plans/SZQ-LH/{YEAR}/allocate/", {"org": "SZQ-LH-01", "quota": "1"})
        .status_code
        == 403
    )


def test_plan_index_opens_the_users_top_org_and_nav_shows_it(world, client_for):
    response = client_for("lh_organizer").get("/plans/")
    assert response.status_code == 302
    assert "/plans/SZQ-LH/" in response["Location"]
    assert "/plans/" in client_for("district").get("/todo/").content.decode()
    assert client_for("sec1").get("/plans/").status_code == 403


def test_plan_page_lists_admissions_with_the_override_recorded_at_approval(pw, client_for):
    _district_plan(pw, 1)
    approval = {"approver": "SZQ-LH", "result": "approved", "quota_override_reason": "区委同意追加计划"}
    walk(pw, "S17", S17=approval)
    page = client_for("district").get(f"/plans/SZQ/{YEAR}/").content.decode()
    assert 'data-person="P0001"' in page
    assert "区委同意追加计划" in page
    assert "中共罗汉镇高桥村支部委员会" in page
    none = client_for("district").get(f"/plans/SZQ/{YEAR - 1}/").content.decode()
    assert 'data-person="P0001"' not in none


def test_a_finished_years_pool_is_counted_on_its_last_day_from_the_records_dated_by_then(pw):
    walk(pw, "S07")  # 张三: activist 2020-06-20, target 2021-07-15
    applicant = case_open(actor=None, person=pw.p2, opened_on=datetime.date(2021, 1, 4))
    from fazhan.procedure.services import case_record_step

    case_record_step(actor=None, case=applicant, step="S01", date=datetime.date(2021, 1, 4), details={})
    late = case_open(actor=None, person=pw.p3, opened_on=datetime.date(2022, 1, 3))  # after 2020 ended
    case_record_step(actor=None, case=late, step="S01", date=datetime.date(2022, 1, 3), details={})
    past = plan_report(pw.township, 2020, today=TODAY)
    assert past.as_of == datetime.date(2020, 12, 31)
    assert (past.total.applicants, past.total.activists, past.total.targets) == (0, 1, 0)
    now = plan_report(pw.township, 2022, today=TODAY)
    assert now.as_of == TODAY
    assert (now.total.applicants, now.total.activists, now.total.targets) == (2, 0, 1)
    ended = plan_report(pw.township, 2021, today=TODAY)  # on 2021-12-31: 李四 applied, 张三 a target
    assert (ended.total.applicants, ended.total.activists, ended.total.targets) == (1, 0, 1)
