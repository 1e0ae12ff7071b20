"""The per-case rules of procedure.md C and D on a case walked through the services: CNV-ONTIME, ARC-REVIEW,
VIO-BACKDATE, VIO-DATE-ORDER, VIO-VOTES, VIO-DISCIPLINE, VIO-KIN-ROLE and VIO-FAVOUR, each broken and passed.

On the legal path the branch meeting (S15) is 2021-10-23, so probation ends 2022-10-23 and a conversion
meeting is on time until 2022-11-23; the conversion is approved (S24) on 2022-11-27.
"""

import datetime
from dataclasses import replace

from django.utils import timezone

from fazhan.inspection.loader import case_facts_full
from fazhan.people.services import discipline_record, kinship_declare, person_set_roles
from fazhan.procedure.engine import evaluate
from fazhan.procedure.models import StepFinding
from fazhan.procedure.rules.notice2018 import in_force
from fazhan.procedure.services import case_record_step, step_correct
from tests.inspection.conftest import D, case
from tests.procedure.conftest import day, legal_details, walk

TODAY = timezone.localdate()


def rules(facts, rule):
    return list(evaluate(facts, rules=[rule]))


def full(w, as_of=TODAY):
    return case_facts_full(w.case, as_of=as_of)


def stored(rec):
    return {(f.rule, f.severity) for f in StepFinding.objects.filter(record=rec)}


def entered(date: datetime.date, days: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(date + datetime.timedelta(days=days), datetime.time(10))
    )


def record(w, step, date, details=None, **kw):
    details = legal_details(step, 0, w) if details is None else details
    return case_record_step(actor=None, case=w.case, step=step, date=date, details=details, **kw)


# --- CNV-ONTIME ---


def test_cnv_ontime_flags_a_conversion_meeting_held_over_a_month_after_probation_ended(pw):
    walk(pw, "S22")
    late = record(pw, "S23", D(2022, 12, 1), {**legal_details("S23", 0, pw)})
    assert ("CNV-ONTIME", "ERROR") in stored(late)
    (found,) = rules(full(pw), "CNV-ONTIME")
    assert found.evidence["deadline"] == "2022-11-23"


def test_cnv_ontime_passes_the_legal_path(pw):
    walk(pw)
    assert rules(full(pw), "CNV-ONTIME") == []


def test_cnv_ontime_is_overdue_only_once_the_month_after_probation_has_passed(pw):
    walk(pw, "S22")
    (found,) = rules(full(pw, D(2022, 11, 24)), "CNV-ONTIME")
    assert found.record is None
    assert rules(full(pw, D(2022, 11, 23)), "CNV-ONTIME") == []


def test_cnv_ontime_leaves_a_transferred_in_member_to_cnv_transfer(pw):
    walk(pw, "S22")
    moved = {"date": "2022-01-10", "from": "SZQ-LH-02", "to": "SZQ-LH-01", "materials_transferred": True}
    assert rules(replace(full(pw, D(2022, 12, 24)), transfers=(moved,)), "CNV-ONTIME") == []


def test_cnv_ontime_is_in_force_from_2018():
    assert not in_force("CNV-ONTIME", D(2017, 12, 31))
    assert in_force("CNV-ONTIME", D(2018, 1, 1))


def admitted_on(meeting: datetime.date, *conversion):
    """A member admitted at a branch meeting on `meeting` (probation ends a year later), with these S23s."""
    steps = [
        ("S01", meeting - datetime.timedelta(days=900)),
        ("S15", meeting),
        ("S17", meeting + datetime.timedelta(days=30)),
        ("S20", meeting + datetime.timedelta(days=40)),
        ("S22", meeting + datetime.timedelta(days=358)),
        *(("S23", day, {"decision": "convert"}) for day in conversion),
    ]
    return case("P1", steps=steps, as_of=D(2019, 6, 1))


def late_conversion(facts):
    return [
        (f.rule, f.severity, f.record is None) for f in evaluate(facts, rules=["CNV-MEETING", "CNV-ONTIME"])
    ]


def test_rule_32_a_late_conversion_of_a_probation_ended_in_2017_is_cnv_meetings():
    """Rule 32: the probation ended 2017-12-31, the meeting two months later; CNV-ONTIME is not in force for
    that probation, and CNV-MEETING reports the lateness."""
    assert late_conversion(admitted_on(D(2016, 12, 31), D(2018, 3, 1))) == [("CNV-MEETING", "ERROR", False)]
    (found,) = evaluate(admitted_on(D(2016, 12, 31), D(2018, 3, 1)), rules=["CNV-MEETING"])
    assert (found.evidence["probation_end"], found.evidence["deadline"]) == ("2017-12-31", "2018-01-31")


def test_rule_32_from_2018_lateness_is_cnv_ontimes_alone():
    assert late_conversion(admitted_on(D(2017, 1, 1), D(2018, 3, 1))) == [("CNV-ONTIME", "ERROR", False)]


def test_rule_32_no_meeting_at_all_is_overdue_under_the_rule_of_the_probations_end():
    assert late_conversion(admitted_on(D(2016, 6, 1))) == [("CNV-MEETING", "ERROR", True)]
    assert late_conversion(admitted_on(D(2017, 6, 1))) == [("CNV-ONTIME", "ERROR", True)]


def test_rule_32_a_meeting_within_the_month_is_neither_rules():
    assert late_conversion(admitted_on(D(2016, 6, 1), D(2017, 7, 1))) == []
    assert late_conversion(admitted_on(D(2017, 6, 1), D(2018, 7, 1))) == []


def test_rule_32_a_transferred_in_members_deferral_stays_cnv_transfers():
    moved = {"date": "2016-09-01", "from": "SZQ-LH-02", "to": "SZQ-LH-01", "materials_transferred": True}
    facts = replace(admitted_on(D(2016, 6, 1), D(2017, 9, 1)), transfers=(moved,))
    assert evaluate(facts, rules=["CNV-MEETING", "CNV-ONTIME", "CNV-TRANSFER"]) == []


# --- ARC-REVIEW ---

REVIEW = {"date": D(2022, 12, 20), "reviewer": "SZQ-LH", "missing": []}


def test_arc_review_flags_a_converted_members_file_the_township_never_reviewed(pw):
    walk(pw)
    (found,) = rules(full(pw), "ARC-REVIEW")
    assert (found.severity, found.evidence["deadline"]) == ("ERROR", "2023-02-27")
    assert rules(full(pw, D(2023, 2, 27)), "ARC-REVIEW") == []


def test_arc_review_passes_a_file_reviewed_by_the_township_with_nothing_missing(pw):
    walk(pw)
    assert rules(replace(full(pw), archive_reviews=(REVIEW,)), "ARC-REVIEW") == []


def test_arc_review_flags_missing_items_and_a_reviewer_that_is_not_the_township(pw):
    walk(pw)
    missing = replace(
        full(pw), archive_reviews=(REVIEW, {**REVIEW, "date": D(2023, 1, 5), "missing": ["approval"]})
    )
    assert [f.evidence["missing"] for f in rules(missing, "ARC-REVIEW")] == [["approval"]]
    branch = replace(full(pw), archive_reviews=({**REVIEW, "reviewer": "SZQ-LH-01"},))
    assert [f.evidence["reviewer"] for f in rules(branch, "ARC-REVIEW")] == ["SZQ-LH-01"]
    other = replace(full(pw), archive_reviews=({**REVIEW, "reviewer": "SZQ-YX"},))
    assert [f.evidence["reviewer"] for f in rules(other, "ARC-REVIEW")] == ["SZQ-YX"]


def converted(pid: str, on: datetime.date):
    """A case converted (the S24 approving a `convert` round) on the day."""
    steps = [
        ("S15", on - datetime.timedelta(days=400)),
        ("S17", on - datetime.timedelta(days=360)),
        ("S23", on - datetime.timedelta(days=20), {"decision": "convert"}),
        ("S24", on),
    ]
    return case(pid, steps=steps, as_of=D(2019, 6, 1))


def test_arc_review_applies_to_conversions_from_2018_07_01():
    before, after = converted("P1", D(2018, 6, 30)), converted("P2", D(2018, 7, 1))
    assert rules(before, "ARC-REVIEW") == []
    assert [f.rule for f in rules(after, "ARC-REVIEW")] == ["ARC-REVIEW"]


# --- VIO-BACKDATE ---


def test_vio_backdate_grades_late_entry_warn_after_30_days_error_after_90(pw):
    record(pw, "S01", day(0), recorded_at=entered(day(0), 40))
    record(pw, "S02", day(18), recorded_at=entered(day(18), 100))
    found = {(f.step, f.severity, f.evidence["days"]) for f in rules(full(pw), "VIO-BACKDATE")}
    assert found == {("S01", "WARN", 40), ("S02", "ERROR", 100)}


def test_vio_backdate_passes_steps_entered_within_days_and_ledgers_without_entry_times(pw):
    record(pw, "S01", day(0), recorded_at=entered(day(0), 2))
    facts = full(pw)
    assert rules(facts, "VIO-BACKDATE") == []
    undated = replace(facts, records=tuple(replace(r, recorded_at=None) for r in facts.records))
    assert rules(undated, "VIO-BACKDATE") == []


def test_vio_backdate_flags_a_correction_entered_after_a_later_step_was_recorded(pw):
    first = record(pw, "S01", day(0), recorded_at=entered(day(0), 1))
    record(pw, "S02", day(18), recorded_at=entered(day(18), 1))
    correction = step_correct(actor=None, record=first, date=day(1), details={}, reason="日期抄错")
    (found,) = rules(full(pw), "VIO-BACKDATE")
    assert (found.record, found.evidence["later_step"]) == (correction.pk, "S02")


# --- VIO-DATE-ORDER ---


def test_vio_date_order_flags_a_step_dated_after_its_own_entry(pw):
    record(pw, "S01", day(0), recorded_at=entered(day(0), -20))
    (found,) = rules(full(pw), "VIO-DATE-ORDER")
    assert found.step == "S01"
    assert found.evidence["entered_on"] == (day(0) - datetime.timedelta(days=20)).isoformat()


def test_vio_date_order_flags_steps_before_birth_and_after_the_exit(pw):
    walk(pw, "S03")
    facts = full(pw)
    assert [f.step for f in rules(replace(facts, birth_date=day(200)), "VIO-DATE-ORDER")] == ["S02", "S03"]
    assert [f.step for f in rules(replace(facts, exited_on=day(20)), "VIO-DATE-ORDER")] == ["S03"]


def test_vio_date_order_passes_a_case_dated_in_order(pw):
    record(pw, "S01", day(0), recorded_at=entered(day(0), 1))
    record(pw, "S02", day(18), recorded_at=entered(day(18), 0))
    assert rules(full(pw), "VIO-DATE-ORDER") == []


# --- VIO-VOTES ---


def test_vio_votes_flags_more_votes_than_members_present(pw):
    walk(pw, "S14")
    meeting = record(pw, "S15", day(600), {"entitled": 8, "present": 7, "for": 7, "against": 1, "abstain": 0})
    assert ("VIO-VOTES", "ERROR") in stored(meeting)


def test_vio_votes_warns_of_a_unanimous_vote_with_barely_a_quorum(pw):
    walk(pw, "S14")
    meeting = record(pw, "S15", day(600), {"entitled": 8, "present": 5, "for": 5, "against": 0, "abstain": 0})
    assert ("VIO-VOTES", "WARN") in stored(meeting)


def test_vio_votes_passes_the_legal_vote(pw):
    walk(pw)
    assert rules(full(pw), "VIO-VOTES") == []


# --- VIO-DISCIPLINE ---


def test_vio_discipline_flags_an_investigation_during_the_activist_stage(pw):
    walk(pw, "S03")
    discipline_record(actor=None, person=pw.p1, kind="investigation", date_from=day(200), date_to=day(260))
    (found,) = rules(full(pw), "VIO-DISCIPLINE")
    assert (found.step, found.evidence["from"]) == ("S03", day(200).isoformat())


def test_vio_discipline_passes_a_sanction_ended_before_the_activist_date_or_dated_after_the_as_of_date(pw):
    walk(pw, "S03")
    discipline_record(actor=None, person=pw.p1, kind="sanction", date_from=day(20), date_to=day(100))
    discipline_record(actor=None, person=pw.p1, kind="investigation", date_from=day(300))
    assert rules(full(pw), "VIO-DISCIPLINE") != []
    assert rules(full(pw, day(299)), "VIO-DISCIPLINE") == []


# --- VIO-KIN-ROLE ---


def test_vio_kin_role_flags_a_talker_who_is_a_declared_relative_either_way(pw):
    walk(pw, "S02")  # the talker is M0001
    kinship_declare(actor=None, a=pw.m1, b=pw.p1, relation="child")
    (found,) = rules(full(pw), "VIO-KIN-ROLE")
    assert (found.step, found.evidence["relative"]) == ("S02", "M0001")


def test_vio_kin_role_flags_the_branch_secretary_as_a_relative(pw):
    walk(pw, "S03")
    secretary = pw.members[7]
    person_set_roles(actor=None, person=secretary, roles=["branch_secretary"])
    kinship_declare(actor=None, a=pw.p1, b=secretary, relation="sibling")
    (found,) = rules(full(pw), "VIO-KIN-ROLE")
    assert (found.step, found.evidence["role"]) == ("S03", "branch_secretary")


def test_vio_kin_role_passes_a_relative_who_holds_no_role_in_the_case(pw):
    walk(pw)
    kinship_declare(actor=None, a=pw.p1, b=pw.members[7], relation="spouse")
    assert rules(full(pw), "VIO-KIN-ROLE") == []


# --- VIO-FAVOUR ---


def test_vio_favour_warns_of_an_activist_recommended_by_no_member_or_mass_organization(pw):
    walk(pw, "S02")
    decision = record(pw, "S03", day(110), {"method": "other", "decided_by": "branch_committee"})
    assert ("VIO-FAVOUR", "WARN") in stored(decision)


def test_vio_favour_warns_of_one_member_as_talker_contact_and_introducer(pw):
    alone = pw.members[0].pid  # the legal talker
    walk(pw, "S09", S05={"contacts": [alone]}, S09={"introducers": [alone, pw.members[4].pid]})
    (found,) = rules(full(pw), "VIO-FAVOUR")
    assert found.evidence == {"member": alone}


def test_vio_favour_passes_the_legal_path(pw):
    walk(pw)
    assert rules(full(pw), "VIO-FAVOUR") == []
