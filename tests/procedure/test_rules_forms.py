"""The numbered 入党志愿书 at pre-review: the district issues it only after its pass (PRE-DISTRICT), one per
person (FORM-ONE), and S14 takes only the form issued to this person (FORM-MATCH) — refused at entry, found
in history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.prereview.models import FormStatus, NumberedForm
from fazhan.prereview.services import form_issue, form_void
from fazhan.procedure.engine import NEW, Rec, evaluate
from fazhan.procedure.models import StepRecord
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import StepRefused, case_open, case_record_step
from tests.procedure.conftest import day, legal_details, walk

DISTRICT_PASS = day(585)
FORM_DAY = day(590)


def s14(pw, number, *, enforce=True):
    return case_record_step(
        actor=None, case=pw.case, step="S14", date=FORM_DAY, details={"form_number": number}, enforce=enforce
    )


def refused_rules(pw, number) -> set[str]:
    before = StepRecord.objects.count()
    with pytest.raises(StepRefused) as refusal:
        s14(pw, number)
    assert StepRecord.objects.count() == before
    return {f.rule for f in refusal.value.findings}


# --- PRE-DISTRICT -----------------------------------------------------------------------------------------


def test_pre_district_refuses_a_form_before_the_districts_pass(pw):
    """PRE-DISTRICT: after the township's pass only, the district cannot issue the numbered form."""
    walk(pw, "S12")
    case_record_step(actor=None, case=pw.case, step="S13", date=day(575), details=legal_details("S13", 0, pw))
    with pytest.raises(ValidationError) as error:
        form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(580))
    assert "PRE-DISTRICT" in error.value.message_dict["issued_on"][0]
    assert "2018年发展党员工作通知第三部分" in error.value.message_dict["issued_on"][0]
    assert not NumberedForm.objects.exists()


def test_pre_district_issues_the_form_after_the_districts_pass(pw):
    """PRE-DISTRICT: on or after the district's pass the form is issued to the person, by the district."""
    walk(pw, "S13")
    form = form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS)
    assert (form.status, form.person, form.issued_by.code) == (FormStatus.ISSUED, pw.p1, "SZQ")


def test_pre_district_finds_history_where_the_form_came_before_the_districts_pass(pw):
    """PRE-DISTRICT in imported history: a form issued (in the register) before the district passed."""
    walk(pw, "S13")
    NumberedForm.objects.create(
        number="SZQ2021-0009", person=pw.p1, issued_on=day(580), status=FormStatus.ISSUED
    )
    s14(pw, "SZQ2021-0009", enforce=False)
    found = [(f.rule, f.severity) for f in evaluate(case_facts(pw.case), rules=["PRE-DISTRICT"])]
    assert found == [("PRE-DISTRICT", "BLOCK")]


def test_pre_district_is_not_judged_when_the_deployment_switches_it_off(pw, settings):
    """PRE-DISTRICT is the district's own rule (profile shizhongqu-2018): a deployment can switch it off."""
    settings.FAZHAN_PROCEDURE = {"district_prereview": False}
    walk(pw, "S12")
    case_record_step(actor=None, case=pw.case, step="S13", date=day(575), details=legal_details("S13", 0, pw))
    form = form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(580))
    assert form.status == FormStatus.ISSUED


# --- FORM-ONE ---------------------------------------------------------------------------------------------


def test_form_one_refuses_a_second_form_while_one_stands(pw):
    """FORM-ONE: one form per person; the second serial is refused while the first is issued."""
    walk(pw, "S13")
    form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS)
    with pytest.raises(ValidationError) as error:
        form_issue(actor=None, person=pw.p1, number="SZQ2021-0002", issued_on=DISTRICT_PASS)
    assert "FORM-ONE" in error.value.message_dict["number"][0]
    assert NumberedForm.objects.count() == 1


def test_form_one_refuses_a_serial_already_issued_to_someone_else(pw):
    """FORM-ONE: a serial belongs to one person; issuing it again to another is refused."""
    walk(pw, "S13")
    form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS)
    other = case_open(actor=None, person=pw.p2, opened_on=day(0))
    assert other.pk
    with pytest.raises(ValidationError) as error:
        form_issue(actor=None, person=pw.p2, number="SZQ2021-0001", issued_on=DISTRICT_PASS)
    assert "FORM-ONE" in error.value.message_dict["number"][0]


def test_form_one_a_voided_form_is_replaced_by_a_new_serial(pw):
    """FORM-ONE: a spoiled form is voided with its reason, then a new serial replaces it."""
    walk(pw, "S13")
    spoiled = form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS)
    form_void(actor=None, form=spoiled, reason="填写错误")
    new = form_issue(
        actor=None, person=pw.p1, number="SZQ2021-0002", issued_on=DISTRICT_PASS, replaces=spoiled
    )
    spoiled.refresh_from_db()
    assert (spoiled.status, spoiled.void_reason, new.replaces) == (FormStatus.VOIDED, "填写错误", spoiled)
    assert evaluate(case_facts(pw.case), rules=["FORM-ONE"]) == []


def test_form_one_finds_two_standing_forms_in_history(pw):
    """FORM-ONE in imported history: two forms stand for one person."""
    walk(pw, "S13")
    for n in ("SZQ2021-0001", "SZQ2021-0002"):
        NumberedForm.objects.create(number=n, person=pw.p1, issued_on=DISTRICT_PASS, status=FormStatus.ISSUED)
    found = evaluate(case_facts(pw.case), rules=["FORM-ONE"])
    assert [(f.rule, f.evidence["active_forms"]) for f in found] == [
        ("FORM-ONE", ["SZQ2021-0001", "SZQ2021-0002"])
    ]


# --- FORM-MATCH -------------------------------------------------------------------------------------------


def test_form_match_refuses_a_number_not_in_the_register(pw):
    """FORM-MATCH: the form named at S14 must be one the district issued."""
    walk(pw, "S13")
    assert "FORM-MATCH" in refused_rules(pw, "SZQ2021-9999")


def test_form_match_refuses_the_form_of_another_person(pw):
    """FORM-MATCH: the person admitted is the person pre-reviewed: another's form is refused."""
    walk(pw, "S13")
    case_open(actor=None, person=pw.p2, opened_on=day(0))
    NumberedForm.objects.create(
        number="SZQ2021-0002", person=pw.p2, issued_on=DISTRICT_PASS, status=FormStatus.ISSUED
    )
    assert "FORM-MATCH" in refused_rules(pw, "SZQ2021-0002")


def test_form_match_refuses_a_voided_form(pw):
    """FORM-MATCH: a voided form cannot be filled in."""
    walk(pw, "S13")
    form = form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS)
    form_void(actor=None, form=form, reason="污损")
    assert "FORM-MATCH" in refused_rules(pw, "SZQ2021-0001")


def test_form_match_accepts_the_persons_own_form_and_marks_it_used(pw):
    """FORM-MATCH: the form issued to this person is filled in; the register shows it used."""
    walk(pw, "S13")
    form = form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS)
    record = s14(pw, "SZQ2021-0001")
    form.refresh_from_db()
    assert form.status == FormStatus.USED
    assert not record.findings.exists()


def test_form_rules_do_not_judge_steps_before_the_notice(pw):
    """The notice's rules apply to steps from 2018-01-01 (procedure.md G): an older S14 is not judged."""
    facts = case_facts(pw.case)
    older = facts.with_record(Rec(NEW, "S14", datetime.date(2017, 12, 31), {"form_number": "X-1"}))
    newer = facts.with_record(Rec(NEW, "S14", datetime.date(2018, 1, 1), {"form_number": "X-1"}))
    assert evaluate(older, rules=["FORM-MATCH"]) == []
    assert [f.rule for f in evaluate(newer, rules=["FORM-MATCH"])] == ["FORM-MATCH"]


def test_only_the_district_issues_forms(pw):
    walk(pw, "S13")
    with pytest.raises(PermissionDenied):
        form_issue(
            actor=pw.users["lh_organizer"], person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS
        )
    form = form_issue(
        actor=pw.users["district"], person=pw.p1, number="SZQ2021-0001", issued_on=DISTRICT_PASS
    )
    assert form.status == FormStatus.ISSUED
