"""PLAN-QUOTA at approval (procedure.md C): an S17 that takes any org on the person's path over its year's
quota is refused at details.quota_override_reason — through the step service, the API and the step page —
unless the township approver gives the reason, which then stands with the record. Admissions are counted as
the rule and the plan page count them (section E); the guard is the plans wing's, registered with the step
service."""

import datetime

import pytest

from fazhan.plans.services import plan_allocate
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import StepRefused, case_exit, case_open, case_record_step, step_correct
from tests.api.conftest import api_for, token_for  # noqa: F401  (fixtures)
from tests.procedure.conftest import day, legal_details, walk

YEAR = day(650).year  # the walk's approval
APPROVAL = {"approver": "SZQ-LH", "result": "approved"}


def plans(w, *, district=3, township=1, branch1=1):
    district_user = w.users["district"]
    plan_allocate(actor=district_user, org=w.district, year=YEAR, quota=district)
    plan_allocate(actor=district_user, org=w.township, year=YEAR, quota=township)
    plan_allocate(actor=district_user, org=w.branch1, year=YEAR, quota=branch1)


def admitted_elsewhere(w):
    """李四 of 双河村 admitted earlier that year (history entered as it was: no rules judged)."""
    case = case_open(actor=None, person=w.p2, opened_on=datetime.date(YEAR - 3, 1, 4))
    for step, on, details in (
        ("S15", datetime.date(YEAR, 4, 1), legal_details("S15", 0, w)),
        ("S17", datetime.date(YEAR, 6, 1), APPROVAL),
    ):
        case_record_step(actor=None, case=case, step=step, date=on, details=details, enforce=False)
    return case


def approve(w, **extra):
    return case_record_step(
        actor=w.users["lh_approver"], case=w.case, step="S17", date=day(650), details={**APPROVAL, **extra}
    )


def s17_count(w) -> int:
    return StepRecord.objects.filter(case=w.case, step="S17").count()


def test_an_approval_over_the_branchs_quota_is_refused_at_the_override_reason(pw):
    plans(pw, branch1=0)
    walk(pw, "S16")
    with pytest.raises(StepRefused) as refused:
        approve(pw)
    text = refused.value.message_dict["details.quota_override_reason"][0]
    assert text.startswith("中共罗汉镇高桥村支部委员会")
    assert "——年度发展党员不超过计划（2018年发展党员工作通知第一部分，规则 PLAN-QUOTA）" in text
    assert [f.rule for f in refused.value.findings] == ["PLAN-QUOTA"]
    assert s17_count(pw) == 0


def test_the_township_approvers_reason_lets_it_stand_and_is_kept(pw):
    plans(pw, branch1=0)
    walk(pw, "S16")
    record = approve(pw, quota_override_reason="区委同意追加计划")
    assert record.details["quota_override_reason"] == "区委同意追加计划"


def test_an_admission_in_another_branch_counts_toward_the_townships_quota(pw):
    plans(pw, township=1, branch1=1)  # 双河村 has no plan of its own: its admission counts for the township
    admitted_elsewhere(pw)
    walk(pw, "S16")
    with pytest.raises(StepRefused) as refused:
        approve(pw)
    assert "中共罗汉镇委员会" in refused.value.message_dict["details.quota_override_reason"][0]
    assert refused.value.findings[0].evidence == {"org": "SZQ-LH", "year": YEAR, "quota": 1, "admitted": 1}


def test_an_invalidated_admission_counts_nowhere(pw):
    plans(pw, township=1, branch1=1)
    other = admitted_elsewhere(pw)
    case_exit(actor=None, case=other, date=datetime.date(YEAR, 9, 1), reason="invalidated", note="违规发展")
    walk(pw, "S16")
    assert approve(pw).details["result"] == "approved"


def test_a_corrected_approval_is_not_counted_twice(pw):
    plans(pw, township=1, branch1=1)
    walk(pw, "S16")
    record = approve(pw)  # within the quota
    fixed = step_correct(
        actor=pw.users["lh_approver"],
        record=record,
        date=day(651),
        details=legal_details("S17", 0, pw),
        reason="审批日期抄错",
    )
    assert fixed.supersedes == record


def test_no_plan_for_the_year_binds_nothing(pw):
    walk(pw, "S16")
    assert approve(pw).details["result"] == "approved"


def test_the_api_refuses_an_approval_over_quota_with_the_rule_and_the_field(pw, api_for):  # noqa: F811
    plans(pw, branch1=0)
    walk(pw, "S16")
    body = {"step": "S17", "date": day(650).isoformat(), "details": APPROVAL}
    response = api_for("lh_approver").post(f"/api/v1/cases/{pw.case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "details.quota_override_reason"
    assert response.json()["refusals"][0]["rule"] == "PLAN-QUOTA"
    assert s17_count(pw) == 0
    body["details"] = {**APPROVAL, "quota_override_reason": "区委同意追加计划"}
    assert api_for("lh_approver").post(f"/api/v1/cases/{pw.case.pk}/steps", body).status_code == 201


def test_the_step_page_shows_the_quota_refusal_at_the_override_reason(pw, client_for):
    plans(pw, branch1=0)
    walk(pw, "S16")
    response = client_for("lh_approver").post(
        f"/cases/{pw.case.pk}/step/",
        {"step": "S17", "date": day(650).isoformat(), "d_approver": "SZQ-LH", "d_result": "approved"},
    )
    assert response.status_code == 200
    assert "PLAN-QUOTA" in response.context["form"].errors["d_quota_override_reason"][0]
    assert s17_count(pw) == 0
