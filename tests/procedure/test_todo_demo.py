"""The to-do list of every demo role on the canonical small world (fazhan demo, 2026-11-25), against what each
role's work is by hand: from each candidate's last recorded step, the step that follows it and the date its
limit gives (procedure.md B, the 2014 细则), written out here without procedure.deadlines."""

import datetime

import pytest

from fazhan.accounts.models import User
from fazhan.core.calendar import add_months
from fazhan.desk.todo import todo_for_user
from fazhan.notices.models import NoticeEntry, NoticeFeedback, NoticeState
from fazhan.procedure.models import Case, StepRecord
from tests.demo_copy import DEMO_DAY

TODAY = datetime.date(2026, 11, 25)
HORIZON = TODAY + datetime.timedelta(days=31)
BRANCH, TOWNSHIP, APPROVER, DISTRICT = "branch", "township", "approver", "district"


@pytest.fixture
def demo(demo_world):
    """`fazhan demo --today TODAY` (tests/demo_copy.py: built once per run, copied into this test)."""
    assert TODAY == DEMO_DAY


def _expected() -> dict[str, set[tuple[str, str]]]:
    """(pid, kind) each level has, by hand: the case's last step says what comes next."""
    out: dict[str, set] = {BRANCH: set(), TOWNSHIP: set(), APPROVER: set(), DISTRICT: set()}
    for case in Case.objects.filter(closed_on__isnull=True).select_related("person__org"):
        dates: dict[str, datetime.date] = {}
        for step, date in StepRecord.objects.filter(case=case, superseded_by__isnull=True).values_list(
            "step", "date"
        ):
            dates.setdefault(step, date)
        last = max(dates)
        pid, branch = case.person.pid, case.person.org.code == "SZQ-LH-01"
        if last == "S03":  # an activist not yet filed with the township (备案, step 4): allowed now
            out[TOWNSHIP].add((pid, "activist_filing"))
            out[APPROVER].add((pid, "activist_filing"))
        if last == "S06" and add_months(dates["S03"], 12) <= HORIZON:  # a year of cultivation: 可办理
            if branch:
                out[BRANCH].add((pid, "target_ready"))
            out[TOWNSHIP].add((pid, "target_ready"))
        if last == "S07":  # a target to file (备案, step 8)
            out[TOWNSHIP].add((pid, "target_filing"))
            out[APPROVER].add((pid, "target_filing"))
        if last == "S13" and StepRecord.objects.filter(case=case, step="S13").count() == 1:
            out[TOWNSHIP].add((pid, "prereview_send"))  # the township's pass: its batch to send (organizer)
        if last == "S14":  # the form filled in: the branch meeting within a month of the pre-review pass
            if branch:
                out[BRANCH].add((pid, "branch_meeting"))
            out[TOWNSHIP].add((pid, "branch_meeting"))
        if last == "S15":  # the committee's talk and approval, waiting
            for kind in ("committee_talk", "approval"):
                out[TOWNSHIP].add((pid, kind))
                out[APPROVER].add((pid, kind))
        if last == "S22":  # probation ends a year after the branch meeting: the conversion meeting
            end = add_months(dates["S15"], 12)
            if end <= TODAY or add_months(end, 1) <= HORIZON:
                if branch:
                    out[BRANCH].add((pid, "probation_ending"))
                out[TOWNSHIP].add((pid, "probation_ending"))
        if last in ("S24", "S25"):  # converted: the township reviews the file (通知三), none recorded
            out[TOWNSHIP].add((pid, "archive_review"))
            out[APPROVER].add((pid, "archive_review"))
    for entry in NoticeEntry.objects.filter(notice__state=NoticeState.OPEN).select_related("case__person"):
        if entry.notice.ends_on < HORIZON:  # the branch's open notice, to close after its period
            out[BRANCH].add((entry.case.person.pid, "notice_close"))
            out[TOWNSHIP].add((entry.case.person.pid, "notice_close"))
    for report in NoticeFeedback.objects.filter(finding="", entry__isnull=False).select_related(
        "entry__case"
    ):
        # a report about a person not yet looked into: the township's to verify (PUB-OBJECTION holds them)
        out[TOWNSHIP].add((report.entry.case.person.pid, "notice_objection"))
        out[APPROVER].add((report.entry.case.person.pid, "notice_objection"))
    return out


def _listed(username: str) -> set[tuple[str, str]]:
    items = todo_for_user(User.objects.get(username=username), today=TODAY)
    return {(i.case.person.pid, i.kind) for i in items if i.kind not in ("examination", "thought_report")}


def test_every_demo_role_has_its_own_work_and_nothing_overdue_that_no_rule_says_is(demo):
    """One test: the demo takes a minute to build."""
    expected = _expected()
    assert expected[APPROVER]
    assert expected[BRANCH]
    assert {k for _, k in expected[APPROVER]} >= {"committee_talk", "approval", "activist_filing"}
    assert _listed("branch_secretary") == expected[BRANCH]
    assert _listed("branch_organizer") == expected[BRANCH]
    assert _listed("township_organizer") == expected[TOWNSHIP]
    assert _listed("township_approver") == expected[APPROVER]
    assert _listed("district_reviewer") == expected[DISTRICT]
    for username in ("branch_secretary", "township_organizer", "township_approver"):
        for item in todo_for_user(User.objects.get(username=username), today=TODAY):
            if item.allowed_only:
                assert not item.overdue, item
            if item.overdue:
                assert item.due < TODAY
