"""The district's self-inspection task (issue 15 item 9; 2018 notice 七): set for every township with the
notice's defaults, prepared and handed in by the township as a frozen report, returned by the district with
its reason and handed in again; only declared moves, only the roles that make them; CHK-REPORT both ways."""

import datetime
import hashlib
import io

import docx
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.inspection.services import run_report_text_save
from fazhan.selfcheck.checks import days_late
from fazhan.selfcheck.models import AssignmentStatus, SelfCheckSubmission, SelfCheckTask
from fazhan.selfcheck.selectors import assignment_list_for_user, task_board, task_list_for_user
from fazhan.selfcheck.services import (
    ERR_MOVE,
    ERR_PERIOD,
    ERR_PERIOD_DUE,
    ERR_REASON,
    ERR_SUMMARY,
    assignment_hand_in,
    assignment_prepare,
    assignment_return,
    selfcheck_task_create,
)

D = datetime.date
SUMMARY = "镇党委逐村逐人核查了2017年以来的发展党员档案。"
RECTIFY = "对发现的问题逐项整改，九月底前完成。"


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour)))


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


@pytest.fixture
def task(world):
    with at(D(2026, 3, 2)):
        return selfcheck_task_create(
            actor=world.users["district"], district=world.district, title="2026年自查"
        )


def part_of(task, code):
    return task.assignments.select_related("township", "task__district").get(township__code=code)


def prepared(world, task, code="SZQ-LH", user="lh_organizer"):
    return assignment_prepare(
        actor=world.users[user], assignment=part_of(task, code), summary=SUMMARY, rectification=RECTIFY
    )


def test_a_task_goes_to_every_township_with_the_notices_defaults(world, task):
    assert (task.period_from, task.period_to, task.due_on) == (D(2017, 1, 1), D(2026, 8, 31), D(2026, 8, 31))
    parts = list(task.assignments.order_by("township__path").values_list("township__code", "status"))
    assert parts == [("SZQ-LH", "not_started"), ("SZQ-YX", "not_started")]
    event = AuditEvent.objects.get(action="selfcheck.task_create")
    assert event.actor == world.users["district"]
    assert event.data["townships"] == ["SZQ-LH", "SZQ-YX"]


def test_only_the_districts_reviewer_sets_a_task_and_only_on_a_district(world):
    with pytest.raises(PermissionDenied):
        selfcheck_task_create(actor=world.users["lh_organizer"], district=world.district, title="自查")
    with pytest.raises(ValidationError) as refused:
        selfcheck_task_create(actor=world.users["district"], district=world.township, title="自查")
    assert "district" in refused.value.error_dict
    assert not SelfCheckTask.objects.exists()


@pytest.mark.parametrize(
    ("period", "field", "text"),
    [
        ((D(2026, 5, 1), D(2026, 4, 1), D(2026, 8, 31)), "period_from", ERR_PERIOD),
        ((D(2017, 1, 1), D(2026, 9, 30), D(2026, 8, 31)), "period_to", ERR_PERIOD_DUE),
    ],
)
def test_a_task_refuses_a_period_that_does_not_fit(world, period, field, text):
    start, end, due = period
    with pytest.raises(ValidationError) as refused:
        selfcheck_task_create(
            actor=world.users["district"],
            district=world.district,
            title="自查",
            period_from=start,
            period_to=end,
            due_on=due,
        )
    assert refused.value.error_dict[field][0].messages == [text]
    assert not SelfCheckTask.objects.exists()


def test_a_task_needs_a_title(world):
    with pytest.raises(ValidationError) as refused:
        selfcheck_task_create(actor=world.users["district"], district=world.district, title="  ")
    assert "任务名称" in refused.value.error_dict["title"][0].messages[0]


def test_the_township_hands_in_a_report_frozen_as_it_was(world, task):
    with at(D(2026, 8, 20)):
        part = prepared(world, task)
        assert part.status == AssignmentStatus.PREPARED
        assert part.run.as_of == D(2026, 8, 20)  # the period's end has not come: judged as of today
        submission = assignment_hand_in(actor=world.users["lh_organizer"], assignment=part)
    part.refresh_from_db()
    assert part.status == AssignmentStatus.HANDED_IN
    assert (submission.handed_in_on, submission.handed_in_by) == (D(2026, 8, 20), world.users["lh_organizer"])
    content = bytes(submission.content)
    assert hashlib.sha256(content).hexdigest() == submission.sha256
    assert SUMMARY in docx_text(content)
    assert RECTIFY in docx_text(content)
    assert "中共罗汉镇委员会关于发展党员工作自查情况的报告" in docx_text(content)
    # the run's text edited afterwards: what was handed in does not change
    run_report_text_save(actor=None, run=part.run, practice="后来改写的做法", next_steps="后来改写的打算")
    kept = SelfCheckSubmission.objects.get(pk=submission.pk)
    assert bytes(kept.content) == content
    assert "后来改写的做法" not in docx_text(bytes(kept.content))
    assert (
        AuditEvent.objects.filter(action="selfcheck.hand_in", actor=world.users["lh_organizer"]).count() == 1
    )


def test_a_period_past_is_judged_as_of_its_last_day(world):
    with at(D(2026, 9, 10)):
        task = selfcheck_task_create(
            actor=world.users["district"],
            district=world.district,
            title="补充自查",
            period_to=D(2026, 6, 30),
            due_on=D(2026, 9, 30),
        )
        part = prepared(world, task)
    assert (part.run.as_of, part.run.tracks) == (D(2026, 6, 30), False)


def test_only_declared_moves_are_made(world, task):
    lh, district = world.users["lh_organizer"], world.users["district"]
    with pytest.raises(ValidationError) as refused:
        assignment_hand_in(actor=lh, assignment=part_of(task, "SZQ-LH"))
    assert refused.value.error_dict["status"][0].messages == [ERR_MOVE % {"s": "未开始", "a": "上报"}]
    prepared(world, task)
    with pytest.raises(ValidationError):
        assignment_return(actor=district, assignment=part_of(task, "SZQ-LH"), reason="不完整")
    assignment_hand_in(actor=lh, assignment=part_of(task, "SZQ-LH"))
    with pytest.raises(ValidationError) as refused:
        prepared(world, task)
    assert refused.value.error_dict["status"][0].messages == [ERR_MOVE % {"s": "已上报", "a": "准备自查报告"}]
    with pytest.raises(ValidationError) as refused:
        assignment_return(actor=district, assignment=part_of(task, "SZQ-LH"), reason=" ")
    assert refused.value.error_dict["reason"][0].messages == [ERR_REASON]
    returned = assignment_return(actor=district, assignment=part_of(task, "SZQ-LH"), reason="问题清单不全")
    assert (returned.return_reason, returned.returned_by) == ("问题清单不全", district)
    assert part_of(task, "SZQ-LH").status == AssignmentStatus.RETURNED
    with pytest.raises(ValidationError):  # a returned report is prepared again before it goes up again
        assignment_hand_in(actor=lh, assignment=part_of(task, "SZQ-LH"))
    prepared(world, task)
    assignment_hand_in(actor=lh, assignment=part_of(task, "SZQ-LH"))
    assert part_of(task, "SZQ-LH").status == AssignmentStatus.HANDED_IN
    assert part_of(task, "SZQ-LH").submissions.count() == 2


def test_each_move_is_made_by_its_own_role(world, task):
    with pytest.raises(PermissionDenied):  # another township's organizer
        prepared(world, task, "SZQ-LH", user="yx_organizer")
    with pytest.raises(PermissionDenied):  # the district prepares nothing for a township
        prepared(world, task, "SZQ-LH", user="district")
    with pytest.raises(PermissionDenied):  # a branch secretary
        prepared(world, task, "SZQ-LH", user="sec1")
    prepared(world, task)
    assignment_hand_in(actor=world.users["lh_organizer"], assignment=part_of(task, "SZQ-LH"))
    with pytest.raises(PermissionDenied):  # the township does not return its own report
        assignment_return(actor=world.users["lh_organizer"], assignment=part_of(task, "SZQ-LH"), reason="x")
    assert part_of(task, "SZQ-LH").status == AssignmentStatus.HANDED_IN


def test_prepare_asks_for_both_texts(world, task):
    with pytest.raises(ValidationError) as refused:
        assignment_prepare(
            actor=world.users["lh_organizer"],
            assignment=part_of(task, "SZQ-LH"),
            summary="",
            rectification="有",
        )
    assert refused.value.error_dict["summary"][0].messages == [ERR_SUMMARY]
    assert part_of(task, "SZQ-LH").status == AssignmentStatus.NOT_STARTED


def test_chk_report_counts_the_days_after_the_due_date():
    due = D(2026, 8, 31)
    assert days_late(due_on=due, handed_in_on=D(2026, 8, 31), today=D(2026, 10, 1)) == 0
    assert days_late(due_on=due, handed_in_on=D(2026, 9, 2), today=D(2026, 10, 1)) == 2
    assert days_late(due_on=due, handed_in_on=None, today=D(2026, 8, 20)) == 0
    assert days_late(due_on=due, handed_in_on=None, today=D(2026, 9, 5)) == 5


def test_the_board_says_who_handed_in_on_time_and_who_is_late(world, task):
    with at(D(2026, 8, 31)):
        prepared(world, task)
        assignment_hand_in(actor=world.users["lh_organizer"], assignment=part_of(task, "SZQ-LH"))
    board = task_board(task, today=D(2026, 9, 3))
    lh, yx = board.rows
    assert (lh.status_label, lh.handed_in_text, lh.handed_in_by, lh.timeliness) == (
        "已上报",
        "2026年8月31日",
        "lh_organizer",
        "按时",
    )
    assert (yx.status_label, yx.timeliness, yx.late_days) == ("未开始", "逾期 3 天", 3)
    assert [(label, n) for _code, label, n in board.counts] == [
        ("未开始", 1),
        ("已准备", 0),
        ("已上报", 1),
        ("已退回", 0),
    ]
    assert board.late == 1
    with at(D(2026, 9, 2)):
        prepared(world, task, "SZQ-YX", user="yx_organizer")
        assignment_hand_in(actor=world.users["yx_organizer"], assignment=part_of(task, "SZQ-YX"))
    yx = task_board(task, today=D(2026, 9, 3)).rows[1]
    assert (yx.status_label, yx.handed_in_text, yx.timeliness) == ("已上报", "2026年9月2日", "逾期 2 天")


def test_a_township_sees_only_its_own_part_and_the_district_all(world, task):
    assert list(task_list_for_user(world.users["lh_organizer"])) == []
    assert [p.township.code for p in assignment_list_for_user(world.users["lh_organizer"])] == ["SZQ-LH"]
    assert [p.township.code for p in assignment_list_for_user(world.users["yx_organizer"])] == ["SZQ-YX"]
    assert list(task_list_for_user(world.users["district"])) == [task]
    assert len(assignment_list_for_user(world.users["district"])) == 2
    assert list(assignment_list_for_user(world.users["sec1"])) == []


def test_the_command_line_sets_hands_in_and_shows_the_same(world, tmp_path, capsys):
    with at(D(2026, 3, 2)):
        call_command(
            "selfcheck", "task", "create", "--district", "SZQ", "--title", "2026年自查", "--user", "district"
        )
    task = SelfCheckTask.objects.get()
    assert task.due_on == D(2026, 8, 31)
    n = str(task.pk)
    with at(D(2026, 8, 30)):
        call_command(
            "selfcheck",
            *("prepare", "--task", n, "--township", "SZQ-LH", "--summary", SUMMARY),
            *("--rectification", RECTIFY, "--user", "lh_organizer"),
        )
        call_command("selfcheck", "hand-in", "--task", n, "--township", "SZQ-LH", "--user", "lh_organizer")
    capsys.readouterr()
    with at(D(2026, 9, 1)):
        call_command("selfcheck", "status", "--task", n)
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "未开始 1，已准备 0，已上报 1，已退回 0，逾期 1"
    assert out[2] == "中共罗汉镇委员会\t已上报\t2026年8月30日\tlh_organizer\t按时"
    assert out[3] == "中共永兴镇委员会\t未开始\t—\t—\t逾期 1 天"
    target = tmp_path / "lh.docx"
    call_command("selfcheck", "download", "--task", n, "--township", "SZQ-LH", "--out", str(target))
    assert SUMMARY in docx_text(target.read_bytes())
    with pytest.raises(CommandError, match="只有布置任务的区委组织部审核人可以退回"):
        call_command(
            "selfcheck",
            "return",
            "--task",
            n,
            "--township",
            "SZQ-LH",
            "--reason",
            "x",
            "--user",
            "lh_organizer",
        )
    with pytest.raises(CommandError, match="没有布置给组织代码为 SZQ-XX"):
        call_command("selfcheck", "hand-in", "--task", n, "--township", "SZQ-XX", "--user", "lh_organizer")
