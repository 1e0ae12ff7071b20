"""Public notices (公示): published for at least five working days over the official calendar, naming only
candidates at the stage they are about; what the public reports is recorded, looked into and decides each
candidate's result when the notice is closed; the closed notice's period is what the step's record carries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.notices.models import EntryResult, Notice, NoticeEntry, NoticeKind, NoticeState
from fazhan.notices.selectors import notice_candidates, notice_period_for_step
from fazhan.notices.services import (
    ERR_BEFORE_START,
    ERR_CLOSED,
    ERR_IN_OPEN,
    ERR_NOT_ENDED,
    ERR_UNVERIFIED,
    notice_close,
    notice_feedback_record,
    notice_feedback_verify,
)
from fazhan.procedure.services import case_open
from tests.notices.conftest import CONTACT, JUNE_1, JUNE_7, publish
from tests.procedure.conftest import pw, walk  # noqa: F401


def test_a_notice_lasts_five_working_days_over_the_official_calendar_and_keeps_what_it_published(activist):
    notice = publish(activist)
    assert (notice.starts_on, notice.ends_on, notice.working_days) == (JUNE_1, JUNE_7, 5)
    entry = notice.entries.get()
    assert (entry.name, entry.gender, entry.born, entry.unit) == (
        "张三",
        "男",
        "1998.03",
        "中共罗汉镇高桥村支部委员会",
    )
    event = AuditEvent.objects.get(action="notice.publish")
    assert event.data["persons"] == ["P0001"]
    assert event.data["to"] == "2021-06-07"


def test_the_national_day_holiday_and_its_make_up_saturday_count_as_the_calendar_says(activist):
    notice = publish(activist, starts_on=datetime.date(2021, 9, 30))  # Oct 1–7 off, Sat Oct 9 a workday
    assert notice.ends_on == datetime.date(2021, 10, 12)
    assert notice.working_days == 5
    assert not notice.provisional


def test_a_target_notice_shorter_than_five_working_days_is_refused_at_its_end_with_the_rule(activist):
    with pytest.raises(ValidationError) as refused:
        publish(activist, ends_on=datetime.date(2021, 6, 4))
    assert refused.value.message_dict["ends_on"] == [
        "公示期仅 4 个工作日（应不少于 5 个）——确定发展对象前公示不少于5个工作日"
        "（《细则》（2014）第十三条（地方实践），规则 TGT-NOTICE）"
    ]
    with pytest.raises(ValidationError) as backwards:
        publish(activist, ends_on=datetime.date(2021, 5, 30))
    assert "ends_on" in backwards.value.message_dict
    assert not Notice.objects.exists()


def test_only_candidates_at_the_stage_the_notice_is_about_may_be_named(activist):
    with pytest.raises(ValidationError) as wrong_kind:
        publish(activist, kind=NoticeKind.CONVERSION)
    assert wrong_kind.value.message_dict["cases"] == ["张三 当前不是预备党员，不能列入本次公示。"]
    applicant = case_open(actor=None, person=activist.p2, opened_on=datetime.date(2021, 1, 4))
    with pytest.raises(ValidationError, match="李四 当前不是入党积极分子"):
        publish(activist, org=activist.township, actor=activist.users["lh_organizer"], cases=[applicant])
    with pytest.raises(ValidationError, match="请至少选择一名公示对象"):
        publish(activist, cases=[])
    with pytest.raises(ValidationError, match="不在中共罗汉镇双河村支部委员会范围内"):
        publish(activist, org=activist.branch2, actor=activist.users["lh_organizer"])
    assert not Notice.objects.exists()
    publish(activist)
    with pytest.raises(ValidationError) as twice:
        publish(activist, starts_on=datetime.date(2021, 6, 10))
    assert twice.value.message_dict["cases"] == [ERR_IN_OPEN % {"name": "张三"}]
    assert [c.case for c in notice_candidates(activist.branch1, NoticeKind.TARGET)] == []


def test_the_branch_and_its_township_organizer_publish_and_no_one_else(activist):
    for username in ("sec2", "inspector_lh", "district", "yx_organizer", "lh_approver"):
        with pytest.raises(PermissionDenied):
            publish(activist, actor=activist.users[username])
    assert (
        publish(activist, actor=activist.users["lh_organizer"]).created_by == activist.users["lh_organizer"]
    )


def test_a_candidate_offered_for_a_target_notice_shows_when_a_year_of_cultivation_is_up(activist):
    (offered,) = notice_candidates(activist.township, NoticeKind.TARGET)
    assert offered.case == activist.case
    activist_on = activist.case.steps.get(step="S03").date
    assert offered.ready_on == activist_on.replace(year=activist_on.year + 1)


def test_feedback_is_recorded_from_the_first_day_late_reports_included_but_not_before_or_in_the_future(
    activist,
):
    notice = publish(activist)
    sec1 = activist.users["sec1"]
    entry = notice.entries.get()
    with pytest.raises(ValidationError) as early:
        notice_feedback_record(
            actor=sec1,
            notice=notice,
            entry=entry,
            received_on=datetime.date(2021, 5, 31),
            channel="phone",
            summary="x",
        )
    assert early.value.message_dict["received_on"] == [ERR_BEFORE_START % {"d": "2021-06-01"}]
    with pytest.raises(ValidationError) as future:
        notice_feedback_record(
            actor=sec1,
            notice=notice,
            received_on=datetime.date.today() + datetime.timedelta(days=1),
            channel="phone",
            summary="x",
        )
    assert "received_on" in future.value.message_dict
    with pytest.raises(ValidationError) as empty:
        notice_feedback_record(actor=sec1, notice=notice, received_on=JUNE_7, channel="phone", summary="  ")
    assert "summary" in empty.value.message_dict
    late = notice_feedback_record(
        actor=sec1,
        notice=notice,
        entry=entry,
        received_on=datetime.date(2021, 6, 9),
        channel="letter",
        summary="来信反映其赡养老人不尽责",
    )
    assert late.late
    event = AuditEvent.objects.get(action="notice.feedback")
    assert event.data["person"] == "P0001"
    assert "赡养" not in str(event.data)  # what was said stays on the notice, out of the trail
    with pytest.raises(PermissionDenied):
        notice_feedback_record(
            actor=activist.users["sec2"], notice=notice, received_on=JUNE_7, channel="phone", summary="x"
        )


def test_a_notice_closes_only_after_its_period_with_every_report_looked_into(activist):
    notice = publish(activist)
    sec1 = activist.users["sec1"]
    report = notice_feedback_record(
        actor=sec1,
        notice=notice,
        entry=notice.entries.get(),
        received_on=JUNE_1,
        channel="visit",
        summary="反映其长期不参加村里义务劳动",
    )
    with pytest.raises(ValidationError) as early:
        notice_close(actor=sec1, notice=notice, closed_on=JUNE_7)
    assert early.value.message_dict["closed_on"] == [ERR_NOT_ENDED % {"d": "2021-06-07"}]
    with pytest.raises(ValidationError) as unverified:
        notice_close(actor=sec1, notice=notice, closed_on=datetime.date(2021, 6, 8))
    assert unverified.value.message_dict["closed_on"] == [ERR_UNVERIFIED % {"n": 1}]
    with pytest.raises(ValidationError) as before:
        notice_feedback_verify(
            actor=sec1,
            feedback=report,
            finding="unfounded",
            verification="经走访",
            verified_on=datetime.date(2021, 5, 31),
        )
    assert "verified_on" in before.value.message_dict
    notice_feedback_verify(
        actor=sec1,
        feedback=report,
        finding="unfounded",
        verification="经走访村委会，其因外出务工未参加，情况已说明",
        verified_on=JUNE_7,
    )
    with pytest.raises(ValidationError, match="已经核实过"):
        notice_feedback_verify(
            actor=sec1, feedback=report, finding="founded", verification="再核", verified_on=JUNE_7
        )
    closed = notice_close(actor=sec1, notice=notice, closed_on=datetime.date(2021, 6, 8))
    assert closed.state == NoticeState.CLOSED
    assert closed.entries.get().result == EntryResult.PASSED
    assert closed.conclusion == "公示期间收到意见反映 1 件，经核实：反映不属实 1 件。"
    with pytest.raises(ValidationError) as after:
        notice_feedback_record(actor=sec1, notice=closed, received_on=JUNE_7, channel="phone", summary="x")
    assert after.value.messages == [ERR_CLOSED]


def test_a_report_found_true_withholds_its_candidate_and_gives_the_step_no_period(activist):
    notice = publish(activist)
    sec1 = activist.users["sec1"]
    report = notice_feedback_record(
        actor=sec1,
        notice=notice,
        entry=notice.entries.get(),
        received_on=JUNE_1,
        channel="phone",
        summary="反映其有违法建房",
    )
    notice_feedback_verify(
        actor=sec1, feedback=report, finding="partly", verification="经核实部分属实", verified_on=JUNE_7
    )
    closed = notice_close(actor=sec1, notice=notice, closed_on=datetime.date(2021, 6, 8))
    assert closed.entries.get().result == EntryResult.WITHHELD
    assert closed.conclusion.endswith("张三 暂缓。")
    assert notice_period_for_step(activist.case, "S07") is None


def test_a_notice_without_reports_passes_its_candidates_and_gives_the_step_its_period(activist):
    notice = publish(activist)
    assert notice_period_for_step(activist.case, "S07") is None  # not until it is closed
    notice_close(actor=activist.users["lh_organizer"], notice=notice, closed_on=datetime.date(2021, 6, 8))
    notice.refresh_from_db()
    assert notice.conclusion == "公示期满，未收到意见反映。"
    assert notice_period_for_step(activist.case, "S07") == (JUNE_1, JUNE_7)
    assert notice_period_for_step(activist.case, "S23") is None
    assert AuditEvent.objects.get(action="notice.close").data["passed"] == ["P0001"]
    assert notice.contact == CONTACT


def test_a_target_may_be_named_in_a_notice_of_admission_whose_period_the_committee_review_carries(pw):  # noqa: F811
    walk(pw, "S11")
    pw.case.refresh_from_db()
    with pytest.raises(ValidationError, match="张三 当前不是入党积极分子"):
        publish(pw)
    notice = publish(pw, kind=NoticeKind.ADMISSION, starts_on=datetime.date(2021, 9, 30))
    notice_close(actor=None, notice=notice, closed_on=datetime.date(2021, 10, 13))
    assert notice_period_for_step(pw.case, "S12") == (datetime.date(2021, 9, 30), datetime.date(2021, 10, 12))
    assert notice_period_for_step(pw.case, "S07") is None


def test_a_candidate_in_an_open_notice_of_another_kind_and_a_closed_one_of_this_kind_is_offered(pw):  # noqa: F811
    walk(pw, "S11")
    pw.case.refresh_from_db()
    closed = publish(pw, kind=NoticeKind.ADMISSION)
    notice_close(actor=None, notice=closed, closed_on=datetime.date(2021, 6, 8))
    # the target notice published while 张三 was an activist, left open after step 7 was recorded
    still_open = Notice.objects.create(
        org=pw.branch1,
        kind=NoticeKind.TARGET,
        starts_on=JUNE_1,
        ends_on=JUNE_7,
        working_days=5,
        contact=CONTACT,
    )
    NoticeEntry.objects.create(notice=still_open, case=pw.case, name="张三", gender="男", born="1998.03")
    assert [c.case for c in notice_candidates(pw.branch1, NoticeKind.ADMISSION)] == [pw.case]
    publish(pw, kind=NoticeKind.ADMISSION, starts_on=datetime.date(2021, 7, 1))
    assert notice_candidates(pw.branch1, NoticeKind.ADMISSION) == []
