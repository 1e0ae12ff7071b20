"""The outcomes of the conversion (procedure.md B0.3) as live entry records them, through the step service:
probationary from the approval until the approved S24 of a round whose S23 decided `convert`, full after; an
approved extension keeps the member probationary with the probation end moved and a new round follows; an
approved cancellation closes the case as a disqualification; a rejected S24 leaves the case for a new S23.
The person's membership, the case's stage, the archive register and the person page follow.

On the legal path the branch meeting (S15) is 2021-10-23: probation ends 2022-10-23, the conversion meeting
(S23) is day(972) = 2022-10-30 and its approval (S24) day(1000) = 2022-11-27."""

import datetime

from fazhan.archive.selectors import archive_register
from fazhan.auditlog.models import AuditEvent
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import ExitReason
from fazhan.procedure.rules.probation import probation_end
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import case_record_step
from tests.procedure.conftest import day, legal_details, walk

END = datetime.date(2022, 10, 23)
EXTENDED = datetime.date(2023, 4, 23)  # six months more


def record(w, step, date, **details):
    base = legal_details(step, 0, w)
    return case_record_step(actor=None, case=w.case, step=step, date=date, details={**base, **details})


def standing(w):
    w.case.refresh_from_db()
    w.p1.refresh_from_db()
    return w.case.stage, (w.p1.party_status, w.p1.joined_on, w.p1.full_since)


def registered(w):
    return {(r.person.pid, r.converted_on) for r in archive_register(w.users["lh_organizer"], w.township)}


def test_an_approved_conversion_makes_a_full_member_from_the_end_of_probation(pw):
    walk(pw, "S24")
    assert standing(pw) == (CaseStage.FULL, ("full", day(600), END))
    assert registered(pw) == {("P0001", day(1000))}


def test_an_approved_extension_keeps_the_member_probationary_and_a_second_round_converts(pw, client_for):
    walk(pw, "S22")
    record(pw, "S23", day(972), decision="extend", extend_months=6)
    record(pw, "S24", day(1000))
    assert standing(pw) == (CaseStage.PROBATIONARY, ("probationary", day(600), None))
    assert probation_end(case_facts(pw.case)) == EXTENDED
    assert registered(pw) == set()
    page = client_for("sec1").get("/people/P0001/").content.decode()
    assert "预备党员" in page.split("党员身份")[1].split("</dd>")[0]
    assert '<option value="S25">' not in page  # no archive after an extension's approval
    # the new round: the member applies again, the branch meets after the extended end, the committee approves
    record(pw, "S22", EXTENDED - datetime.timedelta(days=7))
    record(pw, "S23", EXTENDED + datetime.timedelta(days=5))
    converted = record(pw, "S24", EXTENDED + datetime.timedelta(days=30))
    assert standing(pw) == (CaseStage.FULL, ("full", day(600), EXTENDED))
    assert registered(pw) == {("P0001", converted.date)}
    assert '<option value="S25">' in client_for("sec1").get("/people/P0001/").content.decode()


def test_an_approved_cancellation_closes_the_case_as_a_disqualification_and_clears_the_membership(pw):
    walk(pw, "S22")
    record(pw, "S23", day(972), decision="cancel")
    approval = record(pw, "S24", day(1000))
    assert standing(pw) == (CaseStage.EXITED, ("", None, None))
    assert (pw.case.closed_on, pw.case.exit_reason) == (approval.date, ExitReason.DISQUALIFIED)
    exit_event = AuditEvent.objects.get(action="case.exit", target_id=str(pw.case.pk))
    assert exit_event.data["reason"] == "disqualified"
    assert registered(pw) == set()


def test_a_rejected_conversion_leaves_the_case_for_a_new_branch_meeting(pw):
    walk(pw, "S22")
    record(pw, "S23", day(972))
    record(pw, "S24", day(1000), result="rejected")
    assert standing(pw) == (CaseStage.PROBATIONARY, ("probationary", day(600), None))
    assert registered(pw) == set()
    record(pw, "S23", day(1010))  # the same round again: no new application needed
    again = record(pw, "S24", day(1030))
    assert standing(pw) == (CaseStage.FULL, ("full", day(600), END))
    assert registered(pw) == {("P0001", again.date)}


def test_a_rejected_extension_does_not_move_the_probation_end(pw):
    walk(pw, "S22")
    record(pw, "S23", day(972), decision="extend", extend_months=6)
    assert probation_end(case_facts(pw.case)) == EXTENDED  # decided by the branch, not yet approved
    record(pw, "S24", day(1000), result="rejected")
    assert probation_end(case_facts(pw.case)) == END
    assert standing(pw) == (CaseStage.PROBATIONARY, ("probationary", day(600), None))
