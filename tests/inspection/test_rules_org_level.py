"""The org-level rules (procedure.md C and D): PLAN-QUOTA, PLAN-GROUPS, POOL-RATIO, RES-VILLAGE,
RES-YOUNG-FARMER, VIO-KIN-SHARE and VIO-RUSH, each broken and passed on a small tree of cases."""

from dataclasses import replace

from fazhan.procedure.definition import Limits
from fazhan.procedure.engine import CHECKS, evaluate
from fazhan.procedure.rules.notice2018 import ORG_CHECKS, evaluate_tree
from tests.inspection.conftest import D, activist, admitted, applicant, person, target, tree


def found(t, rule):
    return [(f.org, f.person, f.finding.severity, f.finding.evidence) for f in evaluate_tree(t, rules=[rule])]


def test_every_org_level_rule_is_in_the_catalogue_once_and_yields_nothing_on_one_case():
    assert set(ORG_CHECKS) == {
        "PLAN-QUOTA",
        "PLAN-GROUPS",
        "POOL-RATIO",
        "RES-VILLAGE",
        "RES-YOUNG-FARMER",
        "VIO-KIN-SHARE",
        "VIO-RUSH",
    }
    assert set(ORG_CHECKS) <= set(CHECKS)
    assert evaluate(admitted("P1", D(2018, 5, 1)), rules=list(ORG_CHECKS)) == []


# --- PLAN-QUOTA ---


def test_plan_quota_flags_admissions_over_the_quota_without_an_override_as_an_error():
    cases = [admitted("P1", D(2018, 3, 1)), admitted("P2", D(2018, 9, 1))]
    t = tree(cases, as_of=D(2018, 10, 1), plans={("SZQ-LH-01", 2018): {"quota": 1, "groups": {}}})
    [(org, pid, severity, evidence)] = found(t, "PLAN-QUOTA")
    assert (org, pid, severity) == ("SZQ-LH-01", None, "ERROR")
    assert evidence["over_quota"] == [{"person": "P2", "approval": "2018-09-01"}]


def test_plan_quota_rolls_approvals_up_to_the_township_plan():
    cases = [admitted("P1", D(2018, 3, 1)), admitted("P2", D(2018, 9, 1), org="SZQ-LH-02")]
    t = tree(cases, as_of=D(2018, 10, 1), plans={("SZQ-LH", 2018): {"quota": 1, "groups": {}}})
    assert [f[0] for f in found(t, "PLAN-QUOTA")] == ["SZQ-LH"]


def test_plan_quota_passes_an_admission_over_the_quota_with_a_recorded_override_reason():
    cases = [
        admitted("P1", D(2018, 3, 1)),
        admitted("P2", D(2018, 9, 1), approval={"quota_override_reason": "区委组织部同意增加名额"}),
    ]
    t = tree(cases, as_of=D(2018, 10, 1), plans={("SZQ-LH-01", 2018): {"quota": 1, "groups": {}}})
    assert found(t, "PLAN-QUOTA") == []


def test_plan_quota_warns_of_under_execution_only_once_the_year_has_ended():
    plans = {("SZQ-LH-01", 2018): {"quota": 3, "groups": {}}}
    cases = [admitted("P1", D(2018, 3, 1))]
    assert found(tree(cases, as_of=D(2018, 12, 31), plans=plans), "PLAN-QUOTA") == []
    [(_org, _p, severity, evidence)] = found(tree(cases, as_of=D(2019, 1, 1), plans=plans), "PLAN-QUOTA")
    assert severity == "WARN"
    assert evidence == {"year": 2018, "quota": 3, "admitted": 1}


def test_plan_quota_judges_no_plan_year_before_the_profile_came_into_force():
    cases = [admitted("P1", D(2017, 3, 1)), admitted("P2", D(2017, 9, 1))]
    t = tree(cases, as_of=D(2018, 10, 1), plans={("SZQ-LH-01", 2017): {"quota": 1, "groups": {}}})
    assert found(t, "PLAN-QUOTA") == []


# --- PLAN-GROUPS ---


def test_plan_groups_warns_when_a_focus_group_target_is_missed_at_the_year_end():
    plans = {("SZQ-LH-01", 2018): {"quota": 1, "groups": {"women": 1, "college_and_above": 1}}}
    cases = [admitted("P1", D(2018, 3, 1))]
    people = {"P1": person("P1", gender="M", education="大学本科")}
    [(_o, _p, severity, evidence)] = found(
        tree(cases, as_of=D(2019, 1, 2), plans=plans, people=people), "PLAN-GROUPS"
    )
    assert severity == "WARN"
    assert evidence["short"] == {"women": {"target": 1, "actual": 0}}


def test_plan_groups_passes_when_the_admissions_meet_every_focus_group_target():
    plans = {("SZQ-LH-01", 2018): {"quota": 1, "groups": {"women": 1, "青年农民": 1, "age_35_and_under": 1}}}
    cases = [admitted("P1", D(2018, 3, 1))]
    people = {"P1": person("P1", gender="F", birth_date=D(1990, 1, 1), tags=("青年农民",))}
    assert found(tree(cases, as_of=D(2019, 1, 2), plans=plans, people=people), "PLAN-GROUPS") == []


# --- POOL-RATIO ---


def test_pool_ratio_warns_when_activists_outnumber_half_the_applicants():
    cases = [applicant("A1"), activist("B1"), activist("B2")]
    [(org, _p, severity, evidence)] = found(tree(cases), "POOL-RATIO")
    assert (org, severity) == ("SZQ-LH-01", "WARN")
    assert (evidence["applicants"], evidence["activists"], evidence["targets"]) == (1, 2, 0)


def test_pool_ratio_passes_six_three_one():
    cases = [applicant(f"A{i}") for i in range(6)] + [activist(f"B{i}") for i in range(3)] + [target("C1")]
    assert found(tree(cases), "POOL-RATIO") == []


def test_pool_ratio_loose_reading_counts_each_stage_with_everyone_beyond_it():
    cases = [applicant(f"A{i}") for i in range(3)] + [activist(f"B{i}") for i in range(2)] + [target("C1")]
    assert found(tree(cases), "POOL-RATIO")  # strict: 3 < 2 × 2, 2 < 3 × 1
    loose = Limits(pool_ratio_loose=True)
    assert found(tree([replace(c, limits=loose) for c in cases], limits=loose), "POOL-RATIO") == []


# --- RES-VILLAGE ---


def test_res_village_flags_a_village_without_an_activist_on_the_as_of_date():
    cases = [activist("B1", org="SZQ-LH-02"), applicant("A1")]
    [(org, _p, severity, _e)] = found(tree(cases), "RES-VILLAGE")
    assert (org, severity) == ("SZQ-LH-01", "ERROR")


def test_res_village_passes_when_every_village_keeps_an_activist():
    cases = [activist("B1"), activist("B2", org="SZQ-LH-02")]
    assert found(tree(cases), "RES-VILLAGE") == []


def test_res_village_counts_an_activist_who_became_a_target_only_after_the_as_of_date():
    cases = [target("C1"), activist("B2", org="SZQ-LH-02")]  # C1: activist 2018-01-01, target 2019-03-01
    assert found(tree(cases, as_of=D(2019, 2, 1)), "RES-VILLAGE") == []
    assert [f[0] for f in found(tree(cases, as_of=D(2019, 3, 1)), "RES-VILLAGE")] == ["SZQ-LH-01"]


# --- RES-YOUNG-FARMER ---


def test_res_young_farmer_warns_a_village_that_admitted_no_young_farmer_in_an_ended_window():
    cases = [admitted("P1", D(2019, 5, 1))]
    people = {"P1": person("P1", occupation="农牧渔民", birth_date=D(1970, 1, 1))}  # 49 at approval
    result = found(tree(cases, as_of=D(2020, 1, 2), people=people), "RES-YOUNG-FARMER")
    assert ("SZQ-LH-01", None, "WARN", {"window": ["2018-01-01", "2019-12-31"], "earlier": []}) in result


def test_res_young_farmer_reports_one_finding_per_village_the_latest_window_with_the_earlier_in_evidence():
    cases = [admitted("P1", D(2019, 5, 1)), admitted("P2", D(2020, 6, 1), org="SZQ-LH-02")]
    people = {p: person(p, occupation="农牧渔民", birth_date=D(1990, 1, 1)) for p in ("P1", "P2")}
    result = found(tree(cases, as_of=D(2024, 3, 1), people=people), "RES-YOUNG-FARMER")
    by_org = {org: evidence for org, _p, _s, evidence in result}
    assert len(result) == len(by_org) == 2
    assert by_org["SZQ-LH-01"] == {
        "window": ["2022-01-01", "2023-12-31"],
        "earlier": [["2020-01-01", "2021-12-31"]],
    }
    assert by_org["SZQ-LH-02"] == {
        "window": ["2022-01-01", "2023-12-31"],
        "earlier": [["2018-01-01", "2019-12-31"]],
    }
    [message] = [
        t.finding.message
        for t in evaluate_tree(tree(cases, as_of=D(2024, 3, 1), people=people), rules=["RES-YOUNG-FARMER"])
        if t.org == "SZQ-LH-01"
    ]
    assert message == "2022-01-01 至 2023-12-31 未发展青年农民党员（此前 2020-01-01至2021-12-31 亦未发展）"


def test_res_young_farmer_passes_a_young_farmer_admitted_in_the_window_and_waits_for_windows_to_end():
    cases = [admitted("P1", D(2019, 5, 1)), admitted("P2", D(2019, 6, 1), org="SZQ-LH-02")]
    people = {p: person(p, occupation="农牧渔民", birth_date=D(1990, 1, 1)) for p in ("P1", "P2")}
    assert found(tree(cases, as_of=D(2020, 1, 2), people=people), "RES-YOUNG-FARMER") == []
    assert found(tree([], as_of=D(2019, 12, 31)), "RES-YOUNG-FARMER") == []


# --- VIO-KIN-SHARE ---


def test_vio_kin_share_warns_when_relatives_of_the_committee_exceed_the_share_of_new_members():
    cases = [admitted("P1", D(2019, 3, 1), kin={"M1": "child"}), admitted("P2", D(2019, 6, 1))]
    t = tree(cases, committees={"SZQ-LH-01": frozenset({"M1", "M2"})})
    [(org, _p, severity, evidence)] = found(t, "VIO-KIN-SHARE")
    assert (org, severity, evidence["relatives"]) == ("SZQ-LH-01", "WARN", ["P1"])


def test_vio_kin_share_passes_a_share_at_or_below_the_threshold():
    cases = [admitted("P1", D(2019, 3, 1), kin={"M1": "child"})] + [
        admitted(f"P{i}", D(2019, 6, i)) for i in range(2, 5)
    ]
    assert found(tree(cases, committees={"SZQ-LH-01": frozenset({"M1"})}), "VIO-KIN-SHARE") == []


# --- VIO-RUSH ---


def test_vio_rush_warns_of_more_than_half_the_yearly_quota_approved_in_one_month():
    cases = [admitted("P1", D(2019, 6, 3)), admitted("P2", D(2019, 6, 20))]
    plans = {("SZQ-LH-02", 2019): {"quota": 2}, ("SZQ-LH-01", 2019): {"quota": 3}}
    result = found(tree([replace(c, branch=c.branch) for c in cases], plans=plans), "VIO-RUSH")
    assert [(o, e.get("month")) for o, _p, _s, e in result] == [("SZQ-LH-01", "2019-06")]


def test_vio_rush_does_not_judge_the_monthly_share_of_a_yearly_quota_of_one_or_two():
    cases = [admitted("P1", D(2019, 6, 3)), admitted("P2", D(2019, 6, 20))]
    for quota in (1, 2):
        assert found(tree(cases, plans={("SZQ-LH-01", 2019): {"quota": quota}}), "VIO-RUSH") == []
    assert found(tree(cases, plans={("SZQ-LH-01", 2019): {"quota": 3}}), "VIO-RUSH")


def test_vio_rush_passes_admissions_spread_over_the_year():
    cases = [admitted("P1", D(2019, 3, 3)), admitted("P2", D(2019, 6, 20))]
    plans = {("SZQ-LH-01", 2019): {"quota": 3}}
    assert found(tree(cases, plans=plans), "VIO-RUSH") == []


def test_vio_rush_flags_a_case_moved_at_the_legal_minimum_throughout():
    steps = [
        ("S01", D(2017, 1, 10)),
        ("S03", D(2017, 4, 12)),
        ("S07", D(2018, 4, 12)),
        ("S17", D(2018, 8, 1)),
    ]
    from tests.inspection.conftest import case

    rushed = case("P9", "SZQ-LH-17", steps)
    [(org, pid, severity, _e)] = found(tree([rushed]), "VIO-RUSH")
    assert (org, pid, severity) == ("SZQ-LH-17", "P9", "WARN")


def test_vio_rush_flags_admissions_in_the_three_months_before_a_village_election():
    before = admitted("P1", D(2018, 8, 1))  # SZQ-LH-01 elects on 2018-10-15
    result = found(tree([before]), "VIO-RUSH")
    assert [(o, e["election"]) for o, _p, _s, e in result] == [("SZQ-LH-01", "2018-10-15")]
    assert found(tree([admitted("P2", D(2018, 6, 1))]), "VIO-RUSH") == []
