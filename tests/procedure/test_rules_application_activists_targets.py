"""Rules of procedure.md B.0–17 through the service: each BLOCK rule refused and passed, each ERROR/WARN rule
found and not found."""

import datetime
from dataclasses import replace

import pytest

from fazhan.people.services import discipline_record, person_create
from fazhan.procedure.engine import evaluate
from fazhan.procedure.models import StepFinding, StepRecord
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import StepRefused, case_open, case_record_step
from tests.conftest import make_id_number, person_data
from tests.procedure.conftest import day, legal_details, walk


def record(w, step, offset, details=None, n=0):
    details = legal_details(step, n, w) if details is None else details
    return case_record_step(actor=None, case=w.case, step=step, date=day(offset), details=details)


def refusal(w, step, offset, details=None):
    before = StepRecord.objects.count()
    with pytest.raises(StepRefused) as caught:
        record(w, step, offset, details)
    assert StepRecord.objects.count() == before
    return {f.rule for f in caught.value.findings}, caught.value


def stored(rec):
    return {(f.rule, f.severity) for f in StepFinding.objects.filter(record=rec)}


# --- SEQ-ORDER, ELIG-AGE, ELIG-NAT, APP-WRITTEN ---


def test_a_skipped_step_is_refused_by_its_own_rule_in_the_users_words(pw):
    """B0.7: contacts (S05) with no activist decision (S03) at all are ACT-PRE's skip, not SEQ-ORDER's; the
    refusal names the missing step as users speak, with no step code."""
    walk(pw, "S02")
    rules, exc = refusal(pw, "S05", 125)  # S05 ← S03
    assert rules == {"ACT-PRE"}
    (message,) = exc.messages
    assert message.startswith("尚未确定为入党积极分子（指定培养联系人（第5步）：")
    assert (
        "——经推荐并由支委会（无支委会的由支部大会）确定积极分子（《细则》（2014）第八条，规则 ACT-PRE）"
        in message
    )
    assert "S03" not in message
    assert "S05" not in message


def test_seq_order_refuses_a_step_dated_before_its_prerequisites_record_and_names_both(pw):
    walk(pw, "S03")
    rules, exc = refusal(pw, "S05", 100)  # the activist was decided on day 110
    assert rules == {"SEQ-ORDER"}
    assert "指定培养联系人（第5步）" in exc.messages[0]
    assert "推荐和确定入党积极分子（第3步）（2020-06-20）" in exc.messages[0]


def test_seq_order_passes_a_step_after_its_prerequisites(pw):
    walk(pw, "S03")
    assert record(pw, "S05", 125).step == "S05"


def test_seq_order_gives_the_prerequisite_date_as_the_earliest_for_a_step_dated_before_it(pw):
    walk(pw, "S01")
    record(pw, "S02", 30)
    rules, exc = refusal(pw, "S03", 20)
    assert "SEQ-ORDER" in rules
    assert exc.findings[0].earliest == day(30)


def test_elig_age_refuses_an_application_before_the_eighteenth_birthday_with_the_date_it_becomes_possible(
    world,
):
    young = person_create(
        actor=None,
        pid="P0100",
        id_number=make_id_number(datetime.date(2004, 2, 29), 11),
        data=person_data(world.branch1, name="少年"),
    )
    case = case_open(actor=None, person=young, opened_on=datetime.date(2022, 2, 28))
    with pytest.raises(StepRefused) as caught:
        case_record_step(actor=None, case=case, step="S01", date=datetime.date(2022, 2, 28))
    (found,) = caught.value.findings
    assert (found.rule, found.earliest) == ("ELIG-AGE", datetime.date(2022, 3, 1))  # born 29 Feb
    assert "《细则》（2014）第五条" in caught.value.messages[0]
    assert "最早可于2022年3月1日办理" in caught.value.messages[0]


def test_elig_age_passes_on_the_eighteenth_birthday(world):
    young = person_create(
        actor=None,
        pid="P0100",
        id_number=make_id_number(datetime.date(2004, 2, 29), 11),
        data=person_data(world.branch1, name="少年"),
    )
    case = case_open(actor=None, person=young, opened_on=datetime.date(2022, 3, 1))
    assert case_record_step(actor=None, case=case, step="S01", date=datetime.date(2022, 3, 1))


def test_elig_nat_flags_an_application_without_a_valid_resident_id_and_passes_a_valid_one(pw):
    walk(pw, "S01")
    facts = case_facts(pw.case)
    assert not [f for f in evaluate(facts) if f.rule == "ELIG-NAT"]
    assert [f.rule for f in evaluate(replace(facts, resident_id_valid=False)) if f.rule == "ELIG-NAT"] == [
        "ELIG-NAT"
    ]


def test_app_written_refuses_a_case_that_starts_without_an_application(pw):
    rules, _ = refusal(pw, "S02", 18)
    assert rules == {"APP-WRITTEN"}


def test_app_written_passes_once_the_application_is_recorded(pw):
    walk(pw, "S01")
    assert record(pw, "S02", 18)


# --- APP-TALK, APP-ORG (ERROR / WARN) ---


def test_app_talk_stores_an_error_for_a_talk_later_than_a_month(pw):
    walk(pw, "S01")
    rec = record(pw, "S02", 45)
    assert stored(rec) == {("APP-TALK", "ERROR")}


def test_app_talk_is_silent_for_a_talk_within_the_month(pw):
    walk(pw, "S01")
    assert stored(record(pw, "S02", 31)) == set()  # 2020-03-02 + 1 month = 2020-04-02 = day 31


def test_app_talk_reports_an_overdue_talk_by_the_as_of_date(pw):
    walk(pw, "S01")
    late = [f for f in evaluate(case_facts(pw.case, as_of=day(40))) if f.rule == "APP-TALK"]
    assert len(late) == 1
    assert late[0].record is None
    assert not [f for f in evaluate(case_facts(pw.case, as_of=day(20))) if f.rule == "APP-TALK"]


def test_app_org_warns_when_the_work_unit_has_its_own_org(pw):
    pw.p1.work_unit_org = pw.branch3
    pw.p1.save()
    walk(pw, "S01")
    assert stored(pw.case.steps.get(step="S01")) == {("APP-ORG", "WARN")}


def test_app_org_is_silent_without_a_work_unit_org_or_for_a_floating_person(pw):
    pw.p1.work_unit_org, pw.p1.floating = pw.branch3, True
    pw.p1.save()
    walk(pw, "S01")
    assert stored(pw.case.steps.get(step="S01")) == set()


# --- ACT-PRE, ACT-GAP, ACT-FILE, ACT-CONTACT, ACT-HALFYEAR, ACT-REPORT ---


def test_act_pre_refuses_an_activist_without_a_recommendation(pw):
    walk(pw, "S02")
    rules, _ = refusal(pw, "S03", 110, {"decided_by": "branch_committee"})
    assert rules == {"ACT-PRE"}


def test_act_pre_refuses_a_branch_meeting_decision_where_a_committee_exists(pw):
    walk(pw, "S02")  # 8 full members: the branch has a committee
    rules, _ = refusal(pw, "S03", 110, {"method": "member_recommendation", "decided_by": "branch_meeting"})
    assert rules == {"ACT-PRE"}


def test_act_pre_passes_a_recommended_committee_decision(pw):
    walk(pw, "S02")
    assert stored(record(pw, "S03", 110)) == set()


def test_act_pre_flags_a_decision_on_the_day_of_the_talk_as_an_error(pw):
    walk(pw, "S02")
    assert ("ACT-PRE", "ERROR") in stored(record(pw, "S03", 18))


def test_act_gap_warns_an_activist_decided_within_three_months_of_the_application(pw):
    walk(pw, "S02")
    assert ("ACT-GAP", "WARN") in stored(record(pw, "S03", 60))


def test_act_gap_is_silent_after_three_months(pw):
    walk(pw, "S02")
    assert stored(record(pw, "S03", 92)) == set()  # 2020-06-02 = application + 3 months


def test_act_file_refuses_a_record_with_an_org_that_is_not_a_superior_committee(pw):
    walk(pw, "S03")
    rules, _ = refusal(pw, "S04", 118, {"filed_with": "SZQ-LH-02"})
    assert rules == {"ACT-FILE"}


def test_act_file_passes_a_record_with_the_township_committee(pw):
    walk(pw, "S03")
    assert record(pw, "S04", 118)


def test_act_contact_refuses_three_contacts(pw):
    walk(pw, "S04")
    rules, _ = refusal(pw, "S05", 125, {"contacts": [m.pid for m in pw.members[:3]]})
    assert rules == {"ACT-CONTACT"}


def test_act_contact_refuses_a_contact_who_is_not_a_full_member(pw):
    walk(pw, "S04")
    rules, exc = refusal(pw, "S05", 125, {"contacts": ["P0002"]})
    assert rules == {"ACT-CONTACT"}
    assert "P0002" in exc.messages[0]


def test_act_contact_passes_one_or_two_full_members(pw):
    walk(pw, "S04")
    assert record(pw, "S05", 125, {"contacts": [pw.members[1].pid]})


def test_act_halfyear_and_act_report_flag_the_empty_windows_at_the_target_decision(pw):
    walk(pw, "S05")
    for offset in (240, 420):  # thought reports only in two quarters; no examination at all
        record(pw, "S06", offset, {"kind": "thought_report"})
    target = record(pw, "S07", 500)
    findings = stored(target)
    assert ("ACT-HALFYEAR", "ERROR") in findings
    assert ("ACT-REPORT", "WARN") in findings
    assert StepFinding.objects.filter(record=target, rule="ACT-HALFYEAR").count() == 2


def test_act_halfyear_and_act_report_are_silent_on_the_legal_path(pw):
    records = walk(pw, "S07")
    assert stored(records["S07"][0]) == set()


# --- TGT-1YEAR, TGT-OPINION, TGT-NOTICE, INTRO-2 ---


def test_tgt_1year_refuses_a_target_decided_within_a_year_of_the_activist_date(pw):
    walk(pw, "S06")
    rules, exc = refusal(pw, "S07", 470)
    assert "TGT-1YEAR" in rules
    earliest = next(f.earliest for f in exc.findings if f.rule == "TGT-1YEAR")
    assert earliest == datetime.date(2021, 6, 20)  # activist 2020-06-20 + 12 months
    assert "最早可于2021年6月20日办理" in " ".join(exc.messages)


def test_tgt_1year_passes_a_year_after_the_activist_date(pw):
    walk(pw, "S06")
    assert record(pw, "S07", 475)  # 2021-06-20


def test_tgt_opinion_refuses_a_target_without_the_public_opinion(pw):
    walk(pw, "S06")
    details = {**legal_details("S07", 0, pw), "opinions_heard": ["party_group", "contacts", "members"]}
    rules, exc = refusal(pw, "S07", 500, details)
    assert rules == {"TGT-OPINION"}
    assert "public" in exc.messages[0]


def test_tgt_opinion_passes_all_four_opinions_and_flags_a_committee_that_disagreed(pw):
    walk(pw, "S07")
    rec = record(pw, "S08", 510, {"filed_with": "SZQ-LH", "agreed": False})
    assert stored(rec) == {("TGT-OPINION", "ERROR")}


def test_tgt_notice_warns_a_publicity_of_four_working_days(pw):
    walk(pw, "S06")
    details = {
        **legal_details("S07", 0, pw),
        "publicity_from": day(490).isoformat(),
        "publicity_to": day(493).isoformat(),
    }
    assert ("TGT-NOTICE", "WARN") in stored(record(pw, "S07", 500, details))


def test_tgt_notice_counts_working_days_over_a_holiday_with_its_make_up_day(pw):
    walk(pw, "S06")
    # 2021-09-18 (Sat, make-up workday) … 2021-09-24 (Fri): 18 work, 19–21 Mid-Autumn holiday → 4 working days
    details = {**legal_details("S07", 0, pw), "publicity_from": "2021-09-18", "publicity_to": "2021-09-24"}
    rec = record(pw, "S07", 580, details)
    finding = StepFinding.objects.get(record=rec, rule="TGT-NOTICE")
    assert finding.evidence["working_days"] == 4


def test_tgt_notice_is_silent_for_five_working_days_ended_before_the_filing(pw):
    records = walk(pw, "S08")
    assert stored(records["S07"][0]) == set()
    assert stored(records["S08"][0]) == set()


def test_intro_2_refuses_a_single_introducer(pw):
    walk(pw, "S08")
    rules, _ = refusal(pw, "S09", 520, {"introducers": [pw.members[3].pid]})
    assert rules == {"INTRO-2"}


def test_intro_2_refuses_an_introducer_under_party_probation(pw):
    walk(pw, "S08")
    discipline_record(actor=None, person=pw.members[3], kind="party_probation", date_from=day(400))
    rules, exc = refusal(pw, "S09", 520)
    assert rules == {"INTRO-2"}
    assert "留党察看" in exc.messages[0]


def test_intro_2_passes_an_introducer_whose_rights_were_restored(pw):
    walk(pw, "S08")
    discipline_record(
        actor=None,
        person=pw.members[3],
        kind="party_probation",
        date_from=day(100),
        date_to=day(400),
        rights_restored_on=day(400),
    )
    assert record(pw, "S09", 520)


# --- POL-DONE, NEG-LIST, TRN-MIN ---


def test_pol_done_refuses_a_branch_meeting_after_a_failed_review(pw):
    walk(pw, "S14", S10={"result": "fail"})
    rules, _ = refusal(pw, "S15", 600)
    assert "POL-DONE" in rules


def test_pol_done_passes_a_meeting_after_a_passing_review(pw):
    walk(pw, "S14")
    assert record(pw, "S15", 600)


def test_pol_done_refuses_a_floating_persons_review_without_both_opinions(pw):
    pw.p1.floating = True
    pw.p1.save()
    walk(pw, "S09")
    rules, _ = refusal(pw, "S10", 540, {"result": "pass", "floating_opinions": ["SZQ-LH-01"]})
    assert rules == {"POL-DONE"}
    assert record(pw, "S10", 540, {"result": "pass", "floating_opinions": ["SZQ-LH-01", "SZQ-YX-01"]})


def test_neg_list_refuses_a_review_with_an_item_that_applies(pw):
    walk(pw, "S09")
    rules, exc = refusal(pw, "S10", 540, {"result": "pass", "negative_list": {"under_investigation": True}})
    assert rules == {"NEG-LIST"}
    assert "under_investigation" in exc.messages[0]


def test_neg_list_passes_a_checklist_where_no_item_applies(pw):
    walk(pw, "S09")
    assert record(pw, "S10", 540, {"result": "pass", "negative_list": {"under_investigation": False}})


def test_trn_min_refuses_two_days_of_sixteen_hours(pw):
    walk(pw, "S10")
    rules, _ = refusal(pw, "S11", 550, {"days": 2, "hours": 16, "provider": "SZQ-LH"})
    assert rules == {"TRN-MIN"}


def test_trn_min_passes_twenty_four_hours_or_a_written_exception(pw):
    walk(pw, "S10")
    assert record(pw, "S11", 550, {"hours": 24, "provider": "SZQ"})
    pw.case.steps.filter(step="S11").delete()
    assert record(pw, "S11", 550, {"days": 1, "provider": "SZQ-LH", "exception_reason": "因病补训，党委同意"})


def test_trn_min_refuses_training_given_by_a_branch(pw):
    walk(pw, "S10")
    rules, _ = refusal(pw, "S11", 550, {"days": 3, "provider": "SZQ-LH-02"})
    assert rules == {"TRN-MIN"}
