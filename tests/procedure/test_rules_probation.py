"""Rules of procedure.md B.28a–36 (probation and conversion) through the service: each BLOCK rule refused and
passed, each ERROR/WARN rule found and not found, the overdue and window ones on `case_facts` as of a date.

On the legal path the branch meeting (S15) is day(600) = 2021-10-23, so probation ends 2022-10-23 = day(965);
the application for conversion (S22) is day(958), a week before, and the conversion meeting (S23) day(972).
"""

import datetime
from dataclasses import replace

import pytest

from fazhan.core.calendar import add_months
from fazhan.procedure.engine import NEW, Rec, evaluate
from fazhan.procedure.models import StepFinding, StepRecord
from fazhan.procedure.rules.probation import probation_end
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import StepRefused, case_record_step
from tests.procedure.conftest import LEGAL_PATH, day, issue_legal_form, legal_details, walk

RULES = ("PRB-EXAM", "PRB-DATES", "PRB-OATH", "CNV-APPLY", "CNV-MEETING", "CNV-OUTCOME", "CNV-APV-TIME")
RULES += ("CNV-TRANSFER", "ARC-FILE")
END = datetime.date(2022, 10, 23)  # add_months(day(600), 12)
MOVED_IN = {"date": "2022-01-10", "from": "SZQ-LH-02", "to": "SZQ-LH-01", "materials_transferred": True}


def conversion(w, decision="convert", **extra):
    """The legal S23 details (the votes) with this decision."""
    return {**legal_details("S23", 0, w), "decision": decision, **extra}


def record(w, step, date, details=None, *, n=0, enforce=True):
    details = legal_details(step, n, w) if details is None else details
    return case_record_step(actor=None, case=w.case, step=step, date=date, details=details, enforce=enforce)


def refusal(w, step, date, details=None):
    before = StepRecord.objects.count()
    with pytest.raises(StepRefused) as caught:
        record(w, step, date, details)
    assert StepRecord.objects.count() == before
    return {f.rule for f in caught.value.findings}, caught.value


def stored(rec):
    return {(f.rule, f.severity) for f in StepFinding.objects.filter(record=rec)}


def path(w, upto, *, skip=(), enforce=True):
    """The legal path up to the last record of `upto`, leaving out the steps in `skip`; enforce=False records
    it as imported history would be (no refusal)."""
    last = max(i for i, (s, _) in enumerate(LEGAL_PATH) if s == upto)
    seen: dict[str, int] = {}
    for step, offset in LEGAL_PATH[: last + 1]:
        n = seen.get(step, 0)
        seen[step] = n + 1
        if step == "S14" and not w.case.person.numbered_forms.exists():
            issue_legal_form(w, day(offset))
        if step not in skip:
            record(w, step, day(offset), n=n, enforce=enforce)


def mine(facts, rule=None):
    return evaluate(facts, rules=[rule] if rule else RULES)


def test_the_legal_path_meets_every_probation_and_conversion_rule(pw):
    """PRB-EXAM, PRB-OATH, CNV-APPLY, CNV-MEETING, CNV-OUTCOME, CNV-APV-TIME, CNV-TRANSFER, ARC-FILE: none on
    the legal path, as of today."""
    walk(pw)
    assert mine(case_facts(pw.case)) == []


# --- PRB-DATES ---


def test_prb_dates_probation_ends_a_year_after_the_branch_meeting_and_yields_no_finding(pw):
    walk(pw, "S22")
    facts = case_facts(pw.case)
    assert probation_end(facts) == add_months(day(600), 12) == END
    assert day(972) > END  # the legal conversion meeting follows the end
    assert mine(facts, "PRB-DATES") == []


def test_prb_dates_no_probation_end_before_the_branch_meeting(pw):
    walk(pw, "S14")
    assert probation_end(case_facts(pw.case)) is None


def test_prb_dates_probation_end_shifts_with_an_extension(pw):
    walk(pw, "S22")
    record(pw, "S23", day(972), conversion(pw, "extend", extend_months=6))
    assert probation_end(case_facts(pw.case)) == add_months(day(600), 18) == datetime.date(2023, 4, 23)


# --- PRB-EXAM ---


def test_prb_exam_reports_each_ended_window_without_an_examination_or_a_thought_report(pw):
    path(pw, "S20", skip={"S21"})  # no S21 at all
    early = mine(case_facts(pw.case, as_of=day(700)), "PRB-EXAM")  # 2022-01-31: one quarter has ended
    assert [(f.severity, f.evidence["kind"], f.evidence["window"]) for f in early] == [
        ("WARN", "thought_report", ["2021-10-23", "2022-01-22"])
    ]
    found = mine(case_facts(pw.case), "PRB-EXAM")  # today: every window up to the probation end
    assert sorted((f.evidence["kind"], f.evidence["window"][0]) for f in found) == [
        ("examination", "2021-10-23"),
        ("examination", "2022-04-23"),
        ("thought_report", "2021-10-23"),
        ("thought_report", "2022-01-23"),
        ("thought_report", "2022-04-23"),
        ("thought_report", "2022-07-23"),
    ]
    assert {f.record for f in found} == {None}


def test_prb_exam_a_gap_of_one_window_is_one_finding(pw):
    path(pw, "S20", skip={"S21"})
    for date, kind in [
        (day(655), "thought_report"),
        (day(740), "thought_report"),
        (day(780), "examination"),
        (day(880), "examination"),
        (day(920), "thought_report"),
    ]:  # the legal ones without the report of 2022-06-10
        record(pw, "S21", date, {"kind": kind})
    found = mine(case_facts(pw.case), "PRB-EXAM")
    assert [(f.evidence["kind"], f.evidence["window"]) for f in found] == [
        ("thought_report", ["2022-04-23", "2022-07-22"])
    ]


def test_prb_exam_gaps_are_stored_as_warnings_with_the_conversion_meeting(pw):
    walk(pw, "S22", S21={"kind": "training"})
    meeting = record(pw, "S23", day(972), conversion(pw))
    rows = StepFinding.objects.filter(record=meeting, rule="PRB-EXAM")
    assert rows.count() == 6
    assert {r.severity for r in rows} == {"WARN"}


def test_prb_exam_no_finding_when_every_window_holds_its_records(pw):
    walk(pw, "S22")
    assert mine(case_facts(pw.case), "PRB-EXAM") == []


# --- PRB-OATH ---


def test_prb_oath_conversion_meeting_without_an_oath_is_an_error_stored_with_it(pw):
    path(pw, "S22", skip={"S20"})
    meeting = record(pw, "S23", day(972), conversion(pw))
    assert ("PRB-OATH", "ERROR") in stored(meeting)


def test_prb_oath_overdue_at_the_probation_end(pw):
    walk(pw, "S19")
    assert mine(case_facts(pw.case, as_of=day(900)), "PRB-OATH") == []  # still within probation
    (found,) = mine(case_facts(pw.case), "PRB-OATH")
    assert (found.severity, found.record, found.evidence["probation_end"]) == ("ERROR", None, "2022-10-23")


def test_prb_oath_on_or_after_the_probation_end_is_a_warning(pw):
    path(pw, "S19")
    oath = record(pw, "S20", END)
    assert stored(oath) == {("PRB-OATH", "WARN")}


def test_prb_oath_before_the_approval_is_a_warning_where_sequence_order_does_not_own_it(pw):
    """PRB-OATH [P]: an oath after a rejected S17 but before the approving one (S17 does not repeat at entry,
    so the record is built by hand, as imported history could hold it)."""
    walk(pw, "S16")
    facts = case_facts(pw.case)
    facts = facts.with_record(Rec(-10, "S17", day(640), {"result": "rejected"}))
    facts = facts.with_record(Rec(-11, "S20", day(645), {}))
    facts = facts.with_record(Rec(-12, "S17", day(650), {"result": "approved"}))
    (found,) = mine(facts, "PRB-OATH")
    assert (found.severity, found.record, found.earliest) == ("WARN", -11, day(650))


def test_prb_oath_taken_during_probation_no_finding(pw):
    walk(pw, "S20")
    assert stored(pw.case.steps.get(step="S20")) == set()
    assert mine(case_facts(pw.case), "PRB-OATH") == []


# --- CNV-APPLY ---


def test_cnv_apply_refuses_a_conversion_meeting_without_a_written_application(pw):
    path(pw, "S21", skip={"S22"})
    rules, exc = refusal(pw, "S23", day(972), conversion(pw))
    assert "CNV-APPLY" in rules
    assert any("规则 CNV-APPLY）" in m for m in exc.messages)


def test_cnv_apply_passes_a_conversion_meeting_after_the_application(pw):
    walk(pw, "S22")
    meeting = record(pw, "S23", day(972), conversion(pw))
    assert not {rule for rule, _ in stored(meeting)} & {"CNV-APPLY"}


@pytest.mark.parametrize(("offset", "why"), [(900, "too early"), (966, "after the end")])
def test_cnv_apply_warns_on_an_application_far_from_a_week_before_expiry(pw, offset, why):
    path(pw, "S21")
    application = record(pw, "S22", day(offset))
    assert stored(application) == {("CNV-APPLY", "WARN")}, why


@pytest.mark.parametrize("date", [add_months(END, -1), day(958), END])
def test_cnv_apply_no_warning_within_a_month_before_expiry(pw, date):
    path(pw, "S21")
    assert stored(record(pw, "S22", date)) == set()


# --- CNV-MEETING ---


def test_cnv_meeting_a_day_before_the_probation_end_is_an_error_with_the_end_as_earliest(pw):
    walk(pw, "S22")
    meeting = record(pw, "S23", END - datetime.timedelta(days=1), conversion(pw))
    row = StepFinding.objects.get(record=meeting, rule="CNV-MEETING")
    assert (row.severity, row.evidence["probation_end"]) == ("ERROR", "2022-10-23")
    (found,) = mine(case_facts(pw.case), "CNV-MEETING")
    assert (found.record, found.earliest) == (meeting.pk, END)


def test_cnv_meeting_on_the_probation_end_no_finding(pw):
    walk(pw, "S22")
    assert stored(record(pw, "S23", END, conversion(pw))) == set()


def test_cnv_meeting_after_an_extension_is_judged_against_the_extended_end(pw):
    walk(pw, "S22")
    record(pw, "S23", day(972), conversion(pw, "extend", extend_months=6))
    record(pw, "S24", day(1000))
    extended = datetime.date(2023, 4, 23)
    record(pw, "S22", extended - datetime.timedelta(days=7))
    early = record(pw, "S23", extended - datetime.timedelta(days=1), conversion(pw))
    assert ("CNV-MEETING", "ERROR") in stored(early)
    (found,) = mine(case_facts(pw.case), "CNV-MEETING")
    assert (found.record, found.earliest) == (early.pk, extended)


def test_cnv_meeting_cancellation_during_probation_is_not_an_early_conversion(pw):
    walk(pw, "S22")
    assert ("CNV-MEETING", "ERROR") not in stored(record(pw, "S23", day(960), conversion(pw, "cancel")))


# --- CNV-OUTCOME ---


@pytest.mark.parametrize("months", [5, 13])
def test_cnv_outcome_refuses_an_extension_outside_6_to_12_months(pw, months):
    walk(pw, "S22")
    rules, exc = refusal(pw, "S23", day(972), conversion(pw, "extend", extend_months=months))
    assert rules == {"CNV-OUTCOME"}
    assert exc.findings[0].evidence["extend_months"] == months


@pytest.mark.parametrize("months", [6, 12])
def test_cnv_outcome_accepts_an_extension_of_6_to_12_months(pw, months):
    walk(pw, "S22")
    meeting = record(pw, "S23", day(972), conversion(pw, "extend", extend_months=months))
    assert meeting.details["extend_months"] == months
    assert probation_end(case_facts(pw.case)) == add_months(day(600), 12 + months)


def test_cnv_outcome_refuses_an_extension_without_its_months(pw):
    walk(pw, "S22")
    rules, _ = refusal(pw, "S23", day(972), conversion(pw, "extend"))
    assert rules == {"CNV-OUTCOME"}


def test_cnv_outcome_refuses_a_second_extension(pw):
    walk(pw, "S22")
    first = record(pw, "S23", day(972), conversion(pw, "extend", extend_months=6))
    record(pw, "S24", day(1000))
    record(pw, "S22", datetime.date(2023, 4, 16))
    rules, exc = refusal(pw, "S23", datetime.date(2023, 4, 24), conversion(pw, "extend", extend_months=6))
    assert rules == {"CNV-OUTCOME"}
    assert exc.findings[0].evidence["extended_on"] == first.date.isoformat()


def test_cnv_outcome_accepts_conversion_after_one_extension(pw):
    walk(pw, "S22")
    record(pw, "S23", day(972), conversion(pw, "extend", extend_months=6))
    record(pw, "S24", day(1000))
    record(pw, "S22", datetime.date(2023, 4, 16))
    meeting = record(pw, "S23", datetime.date(2023, 4, 24), conversion(pw))
    assert not {rule for rule, _ in stored(meeting)} & {"CNV-OUTCOME", "CNV-MEETING"}


# --- CNV-APV-TIME ---


def test_cnv_apv_time_approval_later_than_three_months_is_an_error(pw):
    walk(pw, "S23")
    late = record(pw, "S24", add_months(day(972), 3) + datetime.timedelta(days=1))
    assert stored(late) == {("CNV-APV-TIME", "ERROR")}


def test_cnv_apv_time_approval_on_the_last_day_no_finding(pw):
    walk(pw, "S23")
    assert stored(record(pw, "S24", add_months(day(972), 3))) == set()


def test_cnv_apv_time_overdue_without_an_approval(pw):
    walk(pw, "S23")
    assert mine(case_facts(pw.case, as_of=add_months(day(972), 3)), "CNV-APV-TIME") == []
    (found,) = mine(case_facts(pw.case), "CNV-APV-TIME")
    assert (found.severity, found.record, found.evidence["deadline"]) == ("ERROR", None, "2023-01-30")


def test_cnv_apv_time_each_resolution_has_its_own_clock(pw):
    """CNV-APV-TIME: the S24 approves the latest S23 on or before it; an extension approved in time and a
    later conversion approved in time give no finding."""
    walk(pw, "S22")
    record(pw, "S23", day(972), conversion(pw, "extend", extend_months=6))
    record(pw, "S24", day(1000))
    record(pw, "S22", datetime.date(2023, 4, 16))
    record(pw, "S23", datetime.date(2023, 4, 24), conversion(pw))
    assert stored(record(pw, "S24", datetime.date(2023, 7, 20))) == set()


# --- CNV-TRANSFER ---


def transferred(facts, *moves):
    return replace(facts, transfers=moves)


def test_cnv_transfer_conversion_deferred_more_than_six_months_is_an_error(pw):
    walk(pw, "S22")
    meeting = Rec(NEW, "S23", datetime.date(2023, 4, 24), conversion(pw))
    facts = transferred(case_facts(pw.case).with_record(meeting), MOVED_IN)
    (found,) = mine(facts, "CNV-TRANSFER")
    assert (found.severity, found.record, found.evidence["deadline"]) == ("ERROR", NEW, "2023-04-23")


def test_cnv_transfer_deferral_of_six_months_no_finding(pw):
    walk(pw, "S22")
    meeting = Rec(NEW, "S23", datetime.date(2023, 4, 23), conversion(pw))
    assert mine(transferred(case_facts(pw.case).with_record(meeting), MOVED_IN), "CNV-TRANSFER") == []


def test_cnv_transfer_nothing_without_a_transfer_during_probation(pw):
    walk(pw, "S22")
    meeting = Rec(NEW, "S23", datetime.date(2023, 6, 1), conversion(pw))
    facts = case_facts(pw.case).with_record(meeting)
    assert mine(facts, "CNV-TRANSFER") == []
    before_probation = {**MOVED_IN, "date": "2020-05-01"}
    assert mine(transferred(facts, before_probation), "CNV-TRANSFER") == []


def test_cnv_transfer_overdue_without_a_conversion_meeting(pw):
    walk(pw, "S22")
    facts = transferred(case_facts(pw.case), MOVED_IN)
    (found,) = mine(facts, "CNV-TRANSFER")
    assert (found.record, found.evidence["deadline"]) == (None, "2023-04-23")
    assert mine(facts.until(datetime.date(2023, 4, 23)), "CNV-TRANSFER") == []


# --- ARC-FILE ---


def test_arc_file_refuses_the_archive_without_the_conversion_application(pw):
    path(pw, "S24", skip={"S22"}, enforce=False)  # imported history: a conversion with no application
    rules, exc = refusal(pw, "S25", day(1030), legal_details("S25", 0, pw))
    assert "ARC-FILE" in rules
    arc = next(f for f in exc.findings if f.rule == "ARC-FILE")
    assert arc.evidence["missing"] == ["conversion_application"]


def test_arc_file_lists_every_missing_core_document(pw):
    path(pw, "S24", skip={"S06", "S22"}, enforce=False)
    rules, exc = refusal(pw, "S25", day(1030), legal_details("S25", 0, pw))
    assert "ARC-FILE" in rules
    arc = next(f for f in exc.findings if f.rule == "ARC-FILE")
    assert arc.evidence["missing"] == ["conversion_application", "cultivation_records"]


def test_arc_file_passes_the_archive_with_the_five_core_documents(pw):
    walk(pw, "S24")
    archive = record(pw, "S25", day(1030))
    assert stored(archive) == set()
