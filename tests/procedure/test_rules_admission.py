"""The admission rules (procedure.md B.18–28), judged through the service as a branch would enter the steps.

Every BLOCK rule is shown refusing a step (nothing written) and accepting the legal one; every ERROR and WARN
rule is shown yielding its finding (stored with the record, or by evaluate() for an overdue step) and not.
"""

import datetime

import pytest

from fazhan.core.calendar import add_months
from fazhan.people.models import Person
from fazhan.procedure.engine import Rec, evaluate
from fazhan.procedure.models import StepFinding, StepRecord
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import StepRefused, case_record_step
from tests.procedure.conftest import day, issue_legal_form, legal_details, walk

ONE_DAY = datetime.timedelta(days=1)
COMMITTEE_PASS = day(575)  # the township committee's pre-review pass on the legal path
DISTRICT_PASS = day(585)  # the district's, the latest pass before the form and the meeting
MEETING = day(600)  # S15 on the legal path
APPROVAL = day(650)  # S17 on the legal path


def votes(**overrides) -> dict:
    """The legal vote of the eight full members of 高桥村 (E=8), with overrides."""
    return {"entitled": 8, "present": 7, "for": 6, "against": 0, "abstain": 1, **overrides}


def record(pw, step: str, date: datetime.date, details: dict | None = None) -> StepRecord:
    return case_record_step(actor=None, case=pw.case, step=step, date=date, details=details or {})


def refused(pw, step: str, date: datetime.date, details: dict) -> set[str]:
    """Enter a step that must be refused: the rule ids of the refusal; nothing was written."""
    before = StepRecord.objects.count()
    with pytest.raises(StepRefused) as refusal:
        record(pw, step, date, details)
    assert StepRecord.objects.count() == before
    return {f.rule for f in refusal.value.findings}


def stored(rec: StepRecord) -> dict[str, str]:
    """The findings stored with a record: {rule: severity}."""
    return dict(StepFinding.objects.filter(record=rec).values_list("rule", "severity"))


def rules_of(findings) -> list[tuple[str, str, int | None]]:
    return [(f.rule, f.severity, f.record) for f in findings]


# --- PRE-REVIEW ------------------------------------------------------------------------------------------


def test_pre_review_refuses_a_form_issued_on_the_districts_pass_alone(pw):
    """PRE-REVIEW: the 志愿书 needs the township committee's (基层党委) pass, not only the district's."""
    walk(pw, "S12")
    record(pw, "S13", COMMITTEE_PASS, {"reviewer": "SZQ", "result": "pass"})
    rules = refused(pw, "S14", day(590), legal_details("S14", 0, pw))
    assert "PRE-REVIEW" in rules
    assert "SEQ-ORDER" not in rules  # a passing S13 exists: the fact is the reviewer, PRE-REVIEW's


def test_pre_review_refuses_a_pass_by_a_general_branch(pw):
    """PRE-REVIEW: a general branch (党总支) is no 基层党委; its "pass" does not let the form be issued."""
    walk(pw, "S12")
    record(pw, "S13", COMMITTEE_PASS, {"reviewer": "SZQ-LH-03", "result": "pass"})
    assert "PRE-REVIEW" in refused(pw, "S14", day(590), legal_details("S14", 0, pw))


def test_pre_review_accepts_the_form_after_the_township_committees_pass(pw):
    """PRE-REVIEW: the township committee's pass on or before the form lets it be issued."""
    walk(pw, "S12")
    record(pw, "S13", COMMITTEE_PASS, {"reviewer": "SZQ-LH", "result": "pass"})
    record(pw, "S13", DISTRICT_PASS, {"reviewer": "SZQ", "result": "pass"})
    issue_legal_form(pw, DISTRICT_PASS)
    form = record(pw, "S14", DISTRICT_PASS, legal_details("S14", 0, pw))
    assert "PRE-REVIEW" not in stored(form)


def test_a_form_with_no_passing_pre_review_is_pre_reviews_skip_not_seq_orders(pw):
    """PRE-REVIEW / SEQ-ORDER (B0.7): S14 after a returned review only skips the passing S13 (S14 ← passing
    S13): PRE-REVIEW reports it, BLOCK."""
    walk(pw, "S12")
    record(pw, "S13", COMMITTEE_PASS, {"reviewer": "SZQ-LH", "result": "returned", "reason": "材料不全"})
    rules = refused(pw, "S14", day(590), legal_details("S14", 0, pw))
    assert "PRE-REVIEW" in rules
    assert "SEQ-ORDER" not in rules


# --- PRE-LEAVE -------------------------------------------------------------------------------------------


def test_pre_leave_flags_a_departure_within_three_months_of_the_committees_pass(pw):
    """PRE-LEAVE: leaving 3 months (to the day) after the committee's pass is stored on that S13."""
    Person.objects.filter(pk=pw.p1.pk).update(planned_departure=add_months(COMMITTEE_PASS, 3))
    done = walk(pw, "S13")
    assert stored(done["S13"][0]) == {"PRE-LEAVE": "ERROR"}
    assert "PRE-LEAVE" not in stored(done["S13"][1])  # the district's pass: one fact, one finding


def test_pre_leave_does_not_flag_a_departure_later_than_three_months(pw):
    """PRE-LEAVE: leaving 3 months and a day after the pass does not stop the admission."""
    Person.objects.filter(pk=pw.p1.pk).update(planned_departure=add_months(COMMITTEE_PASS, 3) + ONE_DAY)
    walk(pw, "S13")
    assert not StepFinding.objects.filter(rule="PRE-LEAVE").exists()


# --- ACC-AFTER-PRE ---------------------------------------------------------------------------------------


def test_acc_after_pre_warns_of_a_meeting_more_than_a_month_after_the_latest_pass(pw):
    """ACC-AFTER-PRE: the month runs from the latest pass before the meeting (the district's, here)."""
    walk(pw, "S14")
    meeting = record(pw, "S15", add_months(DISTRICT_PASS, 1) + ONE_DAY, votes())
    assert stored(meeting) == {"ACC-AFTER-PRE": "WARN"}


def test_acc_after_pre_accepts_a_meeting_exactly_a_month_after_the_pass(pw):
    """ACC-AFTER-PRE: a meeting on the same day of the next month is on time."""
    walk(pw, "S14")
    meeting = record(pw, "S15", add_months(DISTRICT_PASS, 1), votes())
    assert "ACC-AFTER-PRE" not in stored(meeting)


def test_acc_after_pre_reports_an_overdue_meeting_only_once_the_month_has_passed(pw):
    """ACC-AFTER-PRE (B0.4): no meeting by the as-of date a month after the pass is overdue."""
    walk(pw, "S14")
    facts = case_facts(pw.case)
    deadline = add_months(DISTRICT_PASS, 1)
    assert evaluate(facts.until(deadline), rules=["ACC-AFTER-PRE"]) == []
    found = evaluate(facts.until(deadline + ONE_DAY), rules=["ACC-AFTER-PRE"])
    assert rules_of(found) == [("ACC-AFTER-PRE", "WARN", None)]


# --- ACC-PRE-PASS ----------------------------------------------------------------------------------------


def test_acc_pre_pass_refuses_a_meeting_held_after_a_returned_pre_review(pw):
    """ACC-PRE-PASS: the form was filled in (history entered without the rules) although the review was
    returned; the branch meeting is refused. SEQ-ORDER does not fire: the S14 exists."""
    walk(pw, until=15, S13={"reviewer": "SZQ-LH", "result": "returned", "reason": "材料不全"})
    case_record_step(
        actor=None,
        case=pw.case,
        step="S14",
        date=day(590),
        details=legal_details("S14", 0, pw),
        enforce=False,
    )
    rules = refused(pw, "S15", MEETING, votes())
    assert "ACC-PRE-PASS" in rules
    assert "SEQ-ORDER" not in rules


def test_acc_pre_pass_accepts_the_meeting_after_the_pass_and_the_form(pw):
    """ACC-PRE-PASS: a pass and a form before the meeting: it is held."""
    walk(pw, "S14")
    meeting = record(pw, "S15", MEETING, votes())
    assert stored(meeting) == {}


def test_a_meeting_without_a_form_is_acc_pre_pass_skip_not_seq_orders(pw):
    """ACC-PRE-PASS / SEQ-ORDER (B0.7): S15 with no S14 at all skips the form: ACC-PRE-PASS reports it."""
    walk(pw, "S13")
    rules = refused(pw, "S15", MEETING, votes())
    assert "ACC-PRE-PASS" in rules
    assert "SEQ-ORDER" not in rules


# --- ACC-QUORUM ------------------------------------------------------------------------------------------


def test_acc_quorum_refuses_a_meeting_with_exactly_half_present(pw):
    """ACC-QUORUM: E=8 and 4 present is not more than half (the vote itself would carry: 3 + 2 written)."""
    walk(pw, "S14")
    rules = refused(pw, "S15", MEETING, votes(present=4, **{"for": 3}, abstain=1, written_for=2))
    assert "ACC-QUORUM" in rules
    assert "ACC-MAJORITY" not in rules


def test_acc_quorum_accepts_half_plus_one_present(pw):
    """ACC-QUORUM: E=8 and 5 present is a quorum."""
    walk(pw, "S14")
    meeting = record(pw, "S15", MEETING, votes(present=5, **{"for": 5}, abstain=0))
    assert "ACC-QUORUM" not in stored(meeting)


def test_acc_quorum_refuses_a_conversion_meeting_without_a_majority_present(pw):
    """ACC-QUORUM judges the conversion meeting (S23) too."""
    walk(pw, "S22")
    details = {**votes(present=3, **{"for": 3}, abstain=0, written_for=2), "decision": "convert"}
    assert "ACC-QUORUM" in refused(pw, "S23", day(972), details)


def test_acc_quorum_accepts_the_legal_conversion_meeting(pw):
    """ACC-QUORUM: the legal conversion meeting (7 of 8 present) is held."""
    walk(pw, "S22")
    meeting = record(pw, "S23", day(972), {**votes(), "decision": "convert"})
    assert "ACC-QUORUM" not in stored(meeting)


# --- ACC-MAJORITY ----------------------------------------------------------------------------------------


def test_acc_majority_refuses_a_majority_of_those_present_that_is_no_majority_of_e(pw):
    """ACC-MAJORITY: the denominator is E. E=8, 5 present, 4 for: 4 > 5/2 but not > 8/2, refused."""
    walk(pw, "S14")
    rules = refused(pw, "S15", MEETING, votes(present=5, **{"for": 4}, against=1, abstain=0))
    assert "ACC-MAJORITY" in rules
    assert "ACC-QUORUM" not in rules


def test_acc_majority_counts_written_opinions_of_absent_members(pw):
    """ACC-MAJORITY: 4 for in the room and 1 written for by an absent member make 5 > 8/2."""
    walk(pw, "S14")
    meeting = record(pw, "S15", MEETING, votes(present=5, **{"for": 4}, against=1, abstain=0, written_for=1))
    assert "ACC-MAJORITY" not in stored(meeting)


def test_acc_majority_refuses_an_open_ballot(pw):
    """ACC-MAJORITY: the ballot is secret; secret_ballot false is refused even with every vote for."""
    walk(pw, "S14")
    assert "ACC-MAJORITY" in refused(pw, "S15", MEETING, votes(secret_ballot=False))


def test_acc_majority_accepts_a_secret_ballot_with_a_majority_of_e(pw):
    """ACC-MAJORITY: a secret ballot with 6 of E=8 for is carried."""
    walk(pw, "S14")
    meeting = record(pw, "S15", MEETING, votes(secret_ballot=True))
    assert "ACC-MAJORITY" not in stored(meeting)


def test_acc_majority_refuses_a_conversion_vote_without_a_majority_of_e(pw):
    """ACC-MAJORITY judges the conversion meeting (S23) too: E=8, 4 for is refused."""
    walk(pw, "S22")
    details = {**votes(present=6, **{"for": 4}, against=2, abstain=0), "decision": "convert"}
    assert "ACC-MAJORITY" in refused(pw, "S23", day(972), details)


# --- ACC-ONEBYONE ----------------------------------------------------------------------------------------


def test_acc_onebyone_refuses_a_meeting_that_voted_on_targets_together(pw):
    """ACC-ONEBYONE: one ballot per target; one_by_one false is refused."""
    walk(pw, "S14")
    assert refused(pw, "S15", MEETING, votes(one_by_one=False)) == {"ACC-ONEBYONE"}


def test_acc_onebyone_accepts_a_meeting_that_voted_one_by_one(pw):
    """ACC-ONEBYONE: one_by_one true (and absent, the default) is held."""
    walk(pw, "S14")
    meeting = record(pw, "S15", MEETING, votes(one_by_one=True))
    assert "ACC-ONEBYONE" not in stored(meeting)


# --- ACC-RESOLUTION --------------------------------------------------------------------------------------


def test_acc_resolution_flags_an_imported_resolution_without_the_vote_counts(pw):
    """ACC-RESOLUTION: a resolution (S15) that does not record E, those present and the result is flagged;
    quorum and majority judge nothing they cannot read (one fact, one finding)."""
    walk(pw, "S14")
    meeting = Rec(10_000, "S15", MEETING, {"entitled": 8, "present": 7})
    facts = case_facts(pw.case).with_record(meeting)
    found = evaluate(facts, rules=["ACC-RESOLUTION", "ACC-QUORUM", "ACC-MAJORITY"])
    assert rules_of(found) == [("ACC-RESOLUTION", "ERROR", 10_000)]
    assert found[0].evidence["missing"] == ["for", "against", "abstain"]


def test_acc_resolution_accepts_a_complete_resolution(pw):
    """ACC-RESOLUTION: the legal S15 record holds E, present and the votes."""
    walk(pw, "S15")
    assert not StepFinding.objects.filter(rule="ACC-RESOLUTION").exists()
    assert evaluate(case_facts(pw.case), rules=["ACC-RESOLUTION"]) == []


# --- APV-AUTH --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("approver", ["SZQ-LH-03", "SZQ-LH-01", "SZQ"])
def test_apv_auth_refuses_an_approval_by_an_org_without_approval_authority(pw, approver):
    """APV-AUTH: a general branch, a branch or the district committee does not approve; the township 党委
    does."""
    walk(pw, "S16")
    rules = refused(pw, "S17", APPROVAL, {"approver": approver, "result": "approved"})
    assert rules == {"APV-AUTH"}


def test_apv_auth_accepts_the_township_committees_approval(pw):
    """APV-AUTH: the township committee (kind committee) approves."""
    walk(pw, "S16")
    approval = record(pw, "S17", APPROVAL, {"approver": "SZQ-LH", "result": "approved"})
    assert stored(approval) == {}


# --- APV-TALK --------------------------------------------------------------------------------------------


def test_apv_talk_refuses_a_committee_talk_held_by_a_branch_member(pw):
    """APV-TALK: the talk before approval is a committee member's or organizer's, not a branch member's."""
    walk(pw, "S15")
    assert refused(pw, "S16", day(620), {"talkers": [pw.m1.pid]}) == {"APV-TALK"}


def test_apv_talk_refuses_a_committee_talk_naming_no_talker(pw):
    """APV-TALK: a talk that names no talker does not show who talked."""
    walk(pw, "S15")
    assert refused(pw, "S16", day(620), {}) == {"APV-TALK"}


def test_apv_talk_accepts_the_township_organizers_talk(pw):
    """APV-TALK: the township's 组织员 talks; a branch member beside them does no harm."""
    walk(pw, "S15")
    talk = record(pw, "S16", day(620), {"talkers": [pw.organizer.pid, pw.m1.pid]})
    assert stored(talk) == {}


def test_an_approval_without_a_talk_is_apv_talks_skip_not_seq_orders(pw):
    """APV-TALK / SEQ-ORDER (B0.7): S17 with no S16 at all skips the committee's talk: APV-TALK reports it."""
    walk(pw, "S15")
    rules = refused(pw, "S17", APPROVAL, legal_details("S17", 0, pw))
    assert rules == {"APV-TALK"}


# --- APV-TIME --------------------------------------------------------------------------------------------


def test_apv_time_accepts_an_approval_exactly_three_months_after_the_meeting(pw):
    """APV-TIME: the same day three months later is in time."""
    walk(pw, "S16")
    approval = record(pw, "S17", add_months(MEETING, 3), legal_details("S17", 0, pw))
    assert stored(approval) == {}


def test_apv_time_flags_an_approval_a_day_after_three_months_without_a_special_reason(pw):
    """APV-TIME: 3 months and a day without a special reason is allowed but an ERROR stored with it."""
    walk(pw, "S16")
    approval = record(pw, "S17", add_months(MEETING, 3) + ONE_DAY, legal_details("S17", 0, pw))
    assert stored(approval) == {"APV-TIME": "ERROR"}


def test_apv_time_accepts_a_late_approval_with_a_special_reason(pw):
    """APV-TIME: between 3 and 6 months with a recorded special reason: no finding."""
    walk(pw, "S16")
    details = {**legal_details("S17", 0, pw), "special_reason": "党委换届，审批会议延期"}
    approval = record(pw, "S17", add_months(MEETING, 6), details)
    assert stored(approval) == {}


def test_apv_time_refuses_an_approval_more_than_six_months_after_the_meeting(pw):
    """APV-TIME: 6 months and a day is refused even with a special reason; no later date cures it."""
    walk(pw, "S16")
    details = {**legal_details("S17", 0, pw), "special_reason": "党委换届，审批会议延期"}
    before = StepRecord.objects.count()
    with pytest.raises(StepRefused) as refusal:
        record(pw, "S17", add_months(MEETING, 6) + ONE_DAY, details)
    assert StepRecord.objects.count() == before
    (late,) = [f for f in refusal.value.findings if f.rule == "APV-TIME"]
    assert late.severity == "BLOCK"
    assert late.earliest is None


def test_apv_time_reports_an_approval_overdue_after_three_months_and_after_six(pw):
    """APV-TIME (B0.4): no approval by the as-of date: nothing up to 3 months, an ERROR after, BLOCK
    severity after 6 months, on no record."""
    walk(pw, "S16")
    facts = case_facts(pw.case)
    three, six = add_months(MEETING, 3), add_months(MEETING, 6)
    assert evaluate(facts.until(three), rules=["APV-TIME"]) == []
    assert rules_of(evaluate(facts.until(three + ONE_DAY), rules=["APV-TIME"])) == [
        ("APV-TIME", "ERROR", None)
    ]
    assert rules_of(evaluate(facts.until(six), rules=["APV-TIME"])) == [("APV-TIME", "ERROR", None)]
    assert rules_of(evaluate(facts.until(six + ONE_DAY), rules=["APV-TIME"])) == [("APV-TIME", "BLOCK", None)]


# --- APV-FILE --------------------------------------------------------------------------------------------


def test_apv_file_flags_a_record_with_the_district_made_more_than_a_month_after_approval(pw):
    """APV-FILE: S18 a month and a day after the approval is stored with an ERROR."""
    walk(pw, "S17")
    filing = record(pw, "S18", add_months(APPROVAL, 1) + ONE_DAY, legal_details("S18", 0, pw))
    assert stored(filing) == {"APV-FILE": "ERROR"}


def test_apv_file_accepts_a_record_made_within_a_month(pw):
    """APV-FILE: S18 on the same day a month after approval is prompt."""
    walk(pw, "S17")
    filing = record(pw, "S18", add_months(APPROVAL, 1), legal_details("S18", 0, pw))
    assert stored(filing) == {}


def test_apv_file_reports_a_missing_record_once_the_month_has_passed(pw):
    """APV-FILE (B0.4): no S18 by the as-of date a month after approval is overdue, on no record."""
    walk(pw, "S17")
    facts = case_facts(pw.case)
    deadline = add_months(APPROVAL, 1)
    assert evaluate(facts.until(deadline), rules=["APV-FILE"]) == []
    assert rules_of(evaluate(facts.until(deadline + ONE_DAY), rules=["APV-FILE"])) == [
        ("APV-FILE", "ERROR", None)
    ]


def test_the_legal_path_through_admission_yields_no_admission_finding(pw):
    """All admission rules: the legal path from pre-review to the record with the district is clean."""
    walk(pw, "S18")
    admission = [
        "PRE-REVIEW",
        "PRE-LEAVE",
        "ACC-AFTER-PRE",
        "ACC-PRE-PASS",
        "ACC-QUORUM",
        "ACC-MAJORITY",
        "ACC-ONEBYONE",
        "ACC-RESOLUTION",
        "APV-AUTH",
        "APV-TALK",
        "APV-TIME",
        "APV-FILE",
    ]
    assert evaluate(case_facts(pw.case).until(day(661)), rules=admission) == []
