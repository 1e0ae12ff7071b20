"""The one service that records a step: honest corrections, one writer at a time, and a definition the
system check holds to account at start-up."""

import dataclasses
import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from fazhan.auditlog.models import AuditEvent
from fazhan.procedure import checks
from fazhan.procedure.definition import STEPS, STEPS_BY_CODE
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import StepRefused, case_record_step, step_correct
from tests.procedure.conftest import day, legal_details, walk


def test_a_correction_supersedes_the_record_and_keeps_both_with_the_reason(pw, client_for):
    done = walk(pw, "S02")
    talk = done["S02"][0]
    fixed = step_correct(
        actor=pw.users["sec1"],
        record=talk,
        date=day(20),
        details=legal_details("S02", 0, pw),
        reason="日期抄错，以谈话记录为准",
    )
    assert fixed.supersedes == talk
    assert StepRecord.objects.filter(case=pw.case, step="S02").count() == 2  # nothing overwritten
    assert AuditEvent.objects.filter(action="step.correct", target_id=str(fixed.pk)).exists()
    page = client_for("sec1").get("/people/P0001/").content.decode()
    assert f"<s>{day(18).isoformat()}</s>" in page  # the old one struck through
    assert "日期抄错，以谈话记录为准" in page


def test_a_correction_needs_a_reason_and_a_record_is_corrected_once(pw):
    talk = walk(pw, "S02")["S02"][0]
    with pytest.raises(ValidationError) as bare:
        step_correct(actor=None, record=talk, date=day(20), details=legal_details("S02", 0, pw), reason=" ")
    assert "reason" in bare.value.message_dict
    step_correct(actor=None, record=talk, date=day(20), details=legal_details("S02", 0, pw), reason="改期")
    with pytest.raises(ValidationError):
        step_correct(
            actor=None, record=talk, date=day(21), details=legal_details("S02", 0, pw), reason="再改"
        )


def test_a_correction_the_rules_forbid_is_refused_with_the_rule(pw):
    """SEQ-ORDER through a correction: the talk cannot be moved before the application."""
    talk = walk(pw, "S02")["S02"][0]
    with pytest.raises(StepRefused) as refusal:
        step_correct(
            actor=None, record=talk, date=day(-3), details=legal_details("S02", 0, pw), reason="改期"
        )
    assert "SEQ-ORDER" in {f.rule for f in refusal.value.findings}
    assert not StepRecord.objects.filter(supersedes=talk).exists()


def test_a_correction_may_not_break_a_later_record(pw):
    """Found by the property test: moving the application after the talk it led to, or the activist date to
    after the education it began, was accepted (only the corrected record was judged)."""
    done = walk(pw, "S09")
    application = done["S01"][0]
    with pytest.raises(StepRefused) as after_talk:
        step_correct(actor=None, record=application, date=day(40), details={}, reason="改期")
    broken = after_talk.value.findings
    assert [(f.rule, f.step) for f in broken] == [("SEQ-ORDER", "S02")]
    assert broken[0].earliest is None  # no "最早可于" that would be the talk's, not the application's
    activist = done["S05"][0]
    with pytest.raises(StepRefused) as too_close:
        step_correct(
            actor=None, record=activist, date=day(400), details=legal_details("S05", 0, pw), reason="改期"
        )
    assert {(f.rule, f.step) for f in too_close.value.findings} == {("SEQ-ORDER", "S06")}
    assert len(too_close.value.findings) == 4  # the four S06 records before day 400, each named
    assert not StepRecord.objects.filter(supersedes__in=[application, activist]).exists()
    # a correction that leaves every later record lawful still stands
    step_correct(actor=None, record=application, date=day(5), details={}, reason="日期抄错")


def test_a_step_recorded_twice_is_refused_the_second_time(pw):
    walk(pw, "S02")
    with pytest.raises(ValidationError) as again:
        case_record_step(
            actor=None, case=pw.case, step="S02", date=day(19), details=legal_details("S02", 0, pw)
        )
    assert "step" in again.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_two_users_recording_the_same_step_at_once_cannot_both_succeed(pw):
    """The case row is locked for the entry (select_for_update; SQLite's immediate transactions): of two
    simultaneous entries of the talk, one is written and the other refused."""
    walk(pw, "S01")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def enter(user: str) -> None:
        try:
            start.wait()
            case_record_step(
                actor=pw.users[user],
                case=pw.case,
                step="S02",
                date=day(18),
                details=legal_details("S02", 0, pw),
            )
            outcomes.append("written")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=enter, args=(u,)) for u in ("sec1", "org1")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["refused", "written"]
    assert StepRecord.objects.filter(case=pw.case, step="S02").count() == 1


def test_the_definition_passes_its_system_check():
    assert checks.definition_problems() == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda s: dataclasses.replace(s, prerequisites=("S09",)) if s.code == "S03" else s,
            "S03: prerequisite S09",
        ),
        (
            lambda s: dataclasses.replace(s, actors=("mayor",)) if s.code == "S02" else s,
            "unknown actor role mayor",
        ),
        (lambda s: dataclasses.replace(s, stage="IX") if s.code == "S05" else s, "unknown stage IX"),
    ],
)
def test_the_system_check_rejects_an_inconsistent_definition(monkeypatch, change, problem):
    broken = tuple(change(s) for s in STEPS)
    monkeypatch.setattr(checks, "STEPS", broken)
    monkeypatch.setattr(checks, "STEPS_BY_CODE", {**STEPS_BY_CODE, **{s.code: s for s in broken}})
    assert any(problem in p for p in checks.definition_problems())


@pytest.mark.parametrize(
    ("step", "details", "field"),
    [
        ("S07", {"publicity_from": "9999-12-31"}, "details.publicity_from"),
        ("S07", {"publicity_to": "1900-01-01"}, "details.publicity_to"),
        (
            "S23",
            {
                "decision": "extend",
                "extend_months": 100_000,
                "entitled": 8,
                "present": 7,
                "for": 6,
                "against": 0,
                "abstain": 1,
            },
            "details.extend_months",
        ),
    ],
)
def test_details_the_rules_cannot_compute_are_malformed_and_named(pw, step, details, field):
    """Dates outside 1921–2100 and an extension of years would overflow the rules' date arithmetic: they are
    refused at their field before any rule runs, and nothing is written."""
    walk(pw, "S01")
    with pytest.raises(ValidationError) as error:
        case_record_step(actor=None, case=pw.case, step=step, date=day(30), details=details)
    assert field in error.value.message_dict
    assert not StepRecord.objects.filter(case=pw.case, step=step).exists()


def test_a_step_dated_before_1921_is_refused_at_its_date(pw):
    with pytest.raises(ValidationError) as error:
        case_record_step(actor=None, case=pw.case, step="S01", date=datetime.date(1900, 1, 1))
    assert "date" in error.value.message_dict


def test_recording_a_step_reads_the_case_once_in_a_fixed_number_of_queries(pw, django_assert_max_num_queries):
    walk(pw, "S16")
    # the approval: the membership follows from the records; the approver is an org that exists, and the
    # year's plans are read for PLAN-QUOTA (plans' step guard); the step's event seals the person whose
    # membership it set (the trail); the notices' reports about the person are read with the case's facts and
    # with the quota guard's (PUB-OBJECTION); the floating records (POL-DONE) and the trainings of the people
    # the records name (TRN-STAFF) are read with the case's facts; PostgreSQL's trail write takes one query
    # more (its advisory lock)
    with django_assert_max_num_queries(33):
        case_record_step(
            actor=pw.users["lh_approver"],
            case=pw.case,
            step="S17",
            date=day(650),
            details=legal_details("S17", 0, pw),
        )
    pw.p1.refresh_from_db()
    assert (pw.p1.party_status, pw.p1.joined_on) == ("probationary", day(600))  # 党籍 from the branch meeting


def test_a_corrected_branch_meeting_moves_the_membership_with_it(pw):
    meeting = walk(pw, "S17")["S15"][0]
    step_correct(
        actor=pw.users["sec1"],
        record=meeting,
        date=day(602),
        details=legal_details("S15", 0, pw),
        reason="会议日期抄错",
    )
    pw.p1.refresh_from_db()
    assert (pw.p1.party_status, pw.p1.joined_on) == ("probationary", day(602))
    pw.case.refresh_from_db()
    assert pw.case.stage == "probationary"
