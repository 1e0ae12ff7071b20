"""Ending a case (withdrawal, disqualification, invalidation: GEN-INVALID) and moving a person between
branches with the cultivation clock going on when the materials move (Art.12, TGT-1YEAR)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.core.calendar import add_months
from fazhan.desk.todo import todo_for_user
from fazhan.people.models import Person, Transfer
from fazhan.people.services import person_transfer
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.engine import evaluate
from fazhan.procedure.models import Case, ExitReason
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import StepRefused, case_exit, case_record_step
from tests.procedure.conftest import day, legal_details, walk


def test_a_withdrawn_case_is_closed_its_clocks_stop_and_it_leaves_the_todo_list(pw):
    walk(pw, "S01")
    case_exit(actor=pw.users["sec1"], case=pw.case, date=day(10), reason=ExitReason.WITHDRAWN)
    case = Case.objects.get(pk=pw.case.pk)
    assert (case.closed_on, case.stage, case.exit_reason) == (day(10), CaseStage.EXITED, "withdrawn")
    assert evaluate(case_facts(case).until(day(200)), rules=["APP-TALK"]) == []  # no talk owed any more
    assert not [i for i in todo_for_user(pw.users["sec1"], today=day(40)) if i.case.pk == case.pk]
    assert AuditEvent.objects.filter(action="case.exit", target_id=str(case.pk)).exists()


def test_a_closed_case_takes_no_more_steps(pw):
    walk(pw, "S01")
    case_exit(actor=None, case=pw.case, date=day(10), reason=ExitReason.WITHDRAWN)
    with pytest.raises(ValidationError):
        case_exit(actor=None, case=pw.case, date=day(11), reason=ExitReason.DECEASED)


def test_an_exit_before_the_application_or_of_an_unknown_kind_is_refused_at_its_field(pw):
    walk(pw, "S01")
    with pytest.raises(ValidationError) as early:
        case_exit(actor=None, case=pw.case, date=day(-1), reason=ExitReason.WITHDRAWN)
    assert "date" in early.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        case_exit(actor=None, case=pw.case, date=day(5), reason="vanished")
    assert "reason" in unknown.value.message_dict
    assert Case.objects.get(pk=pw.case.pk).closed_on is None


def test_a_branch_cannot_disqualify_or_invalidate_only_the_committee(pw):
    walk(pw, "S01")
    with pytest.raises(PermissionDenied):
        case_exit(actor=pw.users["sec1"], case=pw.case, date=day(5), reason=ExitReason.DISQUALIFIED)
    case_exit(actor=pw.users["lh_organizer"], case=pw.case, date=day(5), reason=ExitReason.DISQUALIFIED)


def test_gen_invalid_an_irregular_admission_is_not_recognized_and_the_person_is_no_member(pw):
    """GEN-INVALID (Art.41): the outcome recorded after an inspection; the person leaves the membership and
    the statistics; the reason is required."""
    walk(pw, "S17")
    assert Person.objects.get(pk=pw.p1.pk).party_status == "probationary"
    with pytest.raises(ValidationError) as bare:
        case_exit(actor=pw.users["district"], case=pw.case, date=day(700), reason=ExitReason.INVALIDATED)
    assert "note" in bare.value.message_dict
    case_exit(
        actor=pw.users["district"],
        case=pw.case,
        date=day(700),
        reason=ExitReason.INVALIDATED,
        note="检查发现：支部大会未达法定人数（ACC-QUORUM）",
    )
    person = Person.objects.get(pk=pw.p1.pk)
    assert (person.party_status, person.joined_on) == ("", None)
    assert pw.case.steps.count() > 0  # the record stays: nothing is deleted


def test_a_transfer_with_materials_keeps_the_cultivation_clock(pw):
    """TGT-1YEAR and Art.12: moved with the materials, a year still counts from the activist date."""
    walk(pw, "S06")
    person_transfer(
        actor=pw.users["lh_organizer"],
        person=pw.p1,
        to_org=pw.branch2,
        date=day(300),
        materials_transferred=True,
    )
    pw.p1.refresh_from_db()
    assert pw.p1.org == pw.branch2
    record = case_record_step(
        actor=None, case=pw.case, step="S07", date=day(500), details=legal_details("S07", 0, pw)
    )
    assert record.pk
    assert Transfer.objects.get(person=pw.p1).from_org == pw.branch1


def test_a_transfer_without_materials_restarts_the_clock_at_the_move(pw):
    """TGT-1YEAR: without the materials the year runs from the move."""
    walk(pw, "S06")
    person_transfer(
        actor=pw.users["lh_organizer"],
        person=pw.p1,
        to_org=pw.branch2,
        date=day(300),
        materials_transferred=False,
    )
    with pytest.raises(StepRefused) as refusal:
        case_record_step(
            actor=None, case=pw.case, step="S07", date=day(500), details=legal_details("S07", 0, pw)
        )
    tgt = next(f for f in refusal.value.findings if f.rule == "TGT-1YEAR")
    assert tgt.earliest == add_months(day(300), 12)  # a year after the move


def test_only_the_committee_above_both_branches_moves_a_person(pw):
    walk(pw, "S01")
    with pytest.raises(PermissionDenied):
        person_transfer(
            actor=pw.users["sec1"], person=pw.p1, to_org=pw.branch2, date=day(30), materials_transferred=True
        )
    with pytest.raises(PermissionDenied):
        person_transfer(
            actor=pw.users["yx_organizer"],
            person=pw.p1,
            to_org=pw.branch_yx,
            date=day(30),
            materials_transferred=True,
        )
    with pytest.raises(ValidationError) as same:
        person_transfer(
            actor=pw.users["lh_organizer"],
            person=pw.p1,
            to_org=pw.branch1,
            date=day(30),
            materials_transferred=True,
        )
    assert "to_org" in same.value.message_dict
    with pytest.raises(ValidationError) as general:
        person_transfer(
            actor=pw.users["lh_organizer"],
            person=pw.p1,
            to_org=pw.general,
            date=day(30),
            materials_transferred=True,
        )
    assert "to_org" in general.value.message_dict
    assert not Transfer.objects.exists()
