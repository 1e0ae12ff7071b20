"""The self-inspection task's pages: the district sets it and reads who has handed in, a township prepares,
hands in and downloads its own part only, the district returns; bad input is a field error, never a 500;
the township organizer's to-do row from 30 days before the due date until handed in."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.selfcheck.models import AssignmentStatus, SelfCheckTask
from fazhan.selfcheck.services import assignment_hand_in, assignment_prepare, selfcheck_task_create
from tests.userfacing import bare_codes

D = datetime.date


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour)))


@pytest.fixture
def task(world):
    with at(D(2026, 3, 2)):
        return selfcheck_task_create(
            actor=world.users["district"], district=world.district, title="2026年自查"
        )


def lh(task):
    return task.assignments.get(township__code="SZQ-LH")


def hand_in(world, task, day):
    with at(day):
        part = assignment_prepare(
            actor=world.users["lh_organizer"], assignment=lh(task), summary="做法", rectification="打算"
        )
        return assignment_hand_in(actor=world.users["lh_organizer"], assignment=part)


def row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-township="{code}".*?</tr>', html, re.S)
    assert match, code
    return match.group(0)


def test_the_district_sets_a_task_on_its_page(world, client_for):
    client = client_for("district")
    with at(D(2026, 3, 2)):
        response = client.post(
            "/selfcheck/",
            {"district": "SZQ", "title": "2026年发展党员工作自查", "period_from": "", "due_on": ""},
        )
    task = SelfCheckTask.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/selfcheck/tasks/{task.pk}/"
    assert (task.period_from, task.due_on) == (D(2017, 1, 1), D(2026, 8, 31))


def test_a_bad_period_is_a_field_error_and_sets_nothing(world, client_for):
    response = client_for("district").post(
        "/selfcheck/",
        {"district": "SZQ", "title": "自查", "period_from": "2026-05-01", "period_to": "2026-04-01"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r'id="task-field-period_from">(.*?)</div>', html, re.S)
    assert field
    assert "自查期间的起始日不能晚于截止日" in field.group(1)
    response = client_for("district").post(
        "/selfcheck/", {"district": "SZQ", "title": "x", "due_on": "9999-99"}
    )
    assert response.status_code == 400
    assert not SelfCheckTask.objects.exists()


def test_a_township_cannot_set_a_task(world, client_for):
    response = client_for("lh_organizer").post("/selfcheck/", {"district": "SZQ", "title": "自查"})
    assert response.status_code == 200
    assert "布置自查任务" not in response.content.decode()
    assert not SelfCheckTask.objects.exists()


def test_the_districts_page_says_who_has_handed_in(world, client_for, task):
    hand_in(world, task, D(2026, 8, 28))
    with at(D(2026, 9, 4)):
        html = client_for("district").get(f"/selfcheck/tasks/{task.pk}/").content.decode()
    assert re.search(r'data-status="handed_in"><span class="n">1</span><span>已上报', html)
    assert re.search(r'data-status="not_started"><span class="n">1</span><span>未开始', html)
    assert re.search(r'data-status="late"><span class="n">1</span><span>逾期', html)
    done = row(html, "SZQ-LH")
    assert "已上报" in done
    assert "2026年8月28日" in done
    assert "lh_organizer" in done
    assert "按时" in done
    assert "download" in done
    assert "逾期 4 天" in row(html, "SZQ-YX")
    assert "“乡镇党委按期上报发展党员工作自查报告”" in html
    assert bare_codes(html) == []


def test_a_township_sees_only_its_own_part(world, client_for, task):
    yx = task.assignments.get(township__code="SZQ-YX")
    organizer = client_for("lh_organizer")
    assert organizer.get(f"/selfcheck/tasks/{task.pk}/").status_code == 404
    assert organizer.get(f"/selfcheck/parts/{yx.pk}/").status_code == 404
    assert organizer.get(f"/selfcheck/parts/{lh(task).pk}/").status_code == 200
    index = organizer.get("/selfcheck/").content.decode()
    assert f'data-part="{lh(task).pk}"' in index
    assert f'data-part="{yx.pk}"' not in index
    assert "<td>2026年8月31日</td>" in index  # the due date as documents write it
    submission = hand_in(world, task, D(2026, 8, 28))
    assert client_for("yx_organizer").get(f"/selfcheck/reports/{submission.pk}/").status_code == 404
    assert client_for("sec1").get(f"/selfcheck/parts/{lh(task).pk}/").status_code == 404


def test_the_township_prepares_and_hands_in_from_its_page(world, client_for, task):
    client = client_for("lh_organizer")
    url = f"/selfcheck/parts/{lh(task).pk}/"
    refused = client.post(url, {"action": "hand_in"})  # not prepared: the service refuses, on the page
    assert refused.status_code == 400
    assert "该乡镇自查现为“未开始”，不能上报" in refused.content.decode()
    empty = client.post(url, {"action": "prepare", "summary": "", "rectification": "打算"})
    assert empty.status_code == 400
    assert (
        "请填写自查情况"
        in re.search(r'id="prepare-field-summary">(.*?)</div>', empty.content.decode(), re.S)[1]
    )
    assert lh(task).status == AssignmentStatus.NOT_STARTED
    with at(D(2026, 8, 30)):
        assert (
            client.post(url, {"action": "prepare", "summary": "做法", "rectification": "打算"}).status_code
            == 302
        )
        assert client.post(url, {"action": "hand_in"}).status_code == 302
    part = lh(task)
    assert part.status == AssignmentStatus.HANDED_IN
    submission = part.submissions.get()
    response = client_for("district").get(f"/selfcheck/reports/{submission.pk}/")
    assert response.status_code == 200
    assert response.content == bytes(submission.content)
    assert "attachment" in response["Content-Disposition"]
    read = AuditEvent.objects.filter(action="selfcheck.report_read").get()
    assert read.actor == world.users["district"]


def test_the_district_returns_a_report_with_its_reason(world, client_for, task):
    hand_in(world, task, D(2026, 8, 28))
    url = f"/selfcheck/parts/{lh(task).pk}/"
    assert "退回自查报告" not in client_for("lh_organizer").get(url).content.decode()
    own = client_for("lh_organizer").post(url, {"action": "return", "reason": "自己退回"})
    assert "只有布置任务的区委组织部审核人可以退回" in own.content.decode()
    district = client_for("district")
    empty = district.post(url, {"action": "return", "reason": ""})
    assert "请填写退回理由" in empty.content.decode()
    assert district.post(url, {"action": "return", "reason": "问题清单不全"}).status_code == 302
    assert lh(task).status == AssignmentStatus.RETURNED
    html = district.get(f"/selfcheck/tasks/{task.pk}/").content.decode()
    assert "已退回" in row(html, "SZQ-LH")
    assert "问题清单不全" in row(html, "SZQ-LH")


def todo_row(client) -> str | None:
    match = re.search(
        r'<tr class="[^"]*" data-kind="selfcheck_due".*?</tr>', client.get("/todo/").content.decode(), re.S
    )
    return match.group(0) if match else None


def test_the_township_organizer_has_a_to_do_row_until_handed_in(world, client_for, task):
    organizer = client_for("lh_organizer")
    with at(D(2026, 7, 31)):
        assert todo_row(organizer) is None  # 31 days before: not yet
    with at(D(2026, 8, 1)):
        listed = todo_row(organizer)
    assert listed is not None
    assert "2026年8月31日" in listed
    assert "还有 30 天" in listed
    assert "is-overdue" not in listed
    with at(D(2026, 9, 2)):
        late = todo_row(organizer)
        assert todo_row(client_for("district")) is None  # the district hands nothing in
        assert todo_row(client_for("sec1")) is None
    assert late is not None
    assert "逾期 2 天" in late
    assert "is-overdue" in late
    hand_in(world, task, D(2026, 9, 3))
    with at(D(2026, 9, 4)):
        assert todo_row(organizer) is None
