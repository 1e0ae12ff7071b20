"""The daily digest through a real SMTP server on loopback: read back as the user's mail client would."""

import datetime
import re

from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.desk.todo import todo_for_user
from fazhan.inspection.models import Finding
from fazhan.inspection.services import finding_assign
from fazhan.procedure.definition import RULES_BY_ID
from fazhan.reminders.models import ACTION_FAILED, ACTION_SENT, ReminderSend, SendStatus
from fazhan.reminders.services import ALREADY, FAILED, SENT, reminder_preference_set, reminders_send
from tests.conftest import ID_1998_MALE
from tests.inspection.test_pages import late_talk, start
from tests.procedure.conftest import walk
from tests.reminders.conftest import free_port

ADDRESS = "approver@luohan.example"


def _approver(pw):
    walk(
        pw, "S15"
    )  # the branch meeting held: the committee's talk (S16) and approval (S17) are the approver's
    user = pw.users["lh_approver"]
    user.email, user.first_name = ADDRESS, "刘审批"
    user.save()
    return user


def _parts(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_the_approver_reads_the_to_do_list_in_the_mail(pw, smtp, client_for):
    user = _approver(pw)
    today = timezone.localdate()
    outcomes = reminders_send(today=today)
    assert [(o.user.username, o.channel, o.result) for o in outcomes] == [("lh_approver", "email", SENT)]
    [message] = smtp.messages
    assert smtp.recipients == [[ADDRESS]]
    assert message["From"] == "fazhan@luohan.example"
    # the approval is overdue by APV-TIME's months; the committee's talk, past its day with no clock of its
    # own, is open to do. (Django folds a long encoded subject onto a second line: unfolded, a space leads.)
    assert (
        message["Subject"].strip() == f"【发展党员纪实】{today.isoformat()} 待办提醒：逾期 1 项，可办理 1 项"
    )
    text, html = _parts(message)
    items = todo_for_user(user, today=today)
    assert {i.kind for i in items} == {"committee_talk", "approval"}
    page = client_for("lh_approver").get("/todo/").content.decode()
    for i in items:
        # the same label, person and state as the to-do page, with the absolute link of its form
        url = "https://fazhan.example.gov.cn" + i.form_url
        assert str(i.label) in text
        assert str(i.label) in html
        assert f"去办理：{url}" in text
        assert f'href="{url.replace("&", "&amp;")}"' in html
        assert "张三（P0001）" in text
    for state in re.findall(r"(?:逾期|已过) \d+ 天", page):
        assert state in text
        assert state in html
    overdue, available = text.index("【逾期】1 项"), text.index("【可办理】1 项")
    assert overdue < text.index("接收预备党员待镇党委审批") < available < text.index("审批前镇党委派人谈话")
    assert "【即将到期】" not in text  # an empty group is left out
    assert "https://fazhan.example.gov.cn/reminders/" in text  # where to turn it off
    # masked as the page shows it: a name and its number, never the ID number
    assert ID_1998_MALE not in text
    assert ID_1998_MALE not in html


def test_each_send_is_in_the_trail_with_no_personal_data(pw, smtp):
    user = _approver(pw)
    reminders_send(today=timezone.localdate())
    [event] = AuditEvent.objects.filter(action=ACTION_SENT)
    assert (event.target_type, event.target_id) == ("accounts.user", str(user.pk))
    assert event.data == {
        "channel": "email",
        "day": timezone.localdate().isoformat(),
        "items": 2,
        "attempts": 1,
    }
    assert ADDRESS not in str(event.data)
    assert "张三" not in str(event.data)


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(pw, smtp):
    _approver(pw)
    today = timezone.localdate()
    reminders_send(today=today)
    again = reminders_send(today=today)
    assert [o.result for o in again] == [ALREADY]
    assert len(smtp.messages) == 1
    assert AuditEvent.objects.filter(action=ACTION_SENT).count() == 1
    reminders_send(today=today + datetime.timedelta(days=1))
    assert len(smtp.messages) == 2


def test_nothing_is_sent_to_a_user_whose_list_is_empty(pw, smtp):
    for name in ("sec2", "yx_organizer"):  # 双河村 and 永兴镇: no case open there
        pw.users[name].email = f"{name}@luohan.example"
        pw.users[name].save()
    _approver(pw)
    reminders_send(today=timezone.localdate())
    assert smtp.recipients == [[ADDRESS]]


def test_a_user_with_no_address_gets_no_mail(pw, smtp):
    walk(pw, "S15")
    assert reminders_send(today=timezone.localdate()) == []
    assert smtp.messages == []


def test_the_user_who_opted_out_gets_no_mail(pw, smtp):
    user = _approver(pw)
    reminder_preference_set(actor=user, email_digest=False, message_digest=True)
    assert reminders_send(today=timezone.localdate()) == []
    assert smtp.messages == []
    reminder_preference_set(actor=user, email_digest=True, message_digest=True)
    reminders_send(today=timezone.localdate())
    assert len(smtp.messages) == 1


def test_a_refused_connection_is_recorded_as_failed_and_the_next_run_sends_it(pw, smtp, settings):
    user = _approver(pw)
    today = timezone.localdate()
    settings.EMAIL_PORT = free_port()  # nobody listens there
    [failed] = reminders_send(today=today)
    assert failed.result == FAILED
    assert "ConnectionRefusedError" in failed.error
    send = ReminderSend.objects.get(user=user, day=today, channel="email")
    assert (send.status, send.items, send.attempts) == (SendStatus.FAILED, 2, 1)
    [event] = AuditEvent.objects.filter(action=ACTION_FAILED)
    assert event.data["error"] == "ConnectionRefusedError"
    settings.EMAIL_PORT = smtp.port
    [sent] = reminders_send(today=today)
    assert sent.result == SENT
    send.refresh_from_db()
    assert (send.status, send.attempts) == (SendStatus.SENT, 2)
    assert len(smtp.messages) == 1


def test_a_finding_assigned_to_the_secretary_is_in_their_mail_with_its_page(pw, smtp):
    late_talk(pw)  # 张三's talk recorded late: a tracking run finds APP-TALK
    start(pw)
    finding = Finding.objects.get(rule="APP-TALK")
    user = pw.users["sec1"]
    user.email = "sec1@luohan.example"
    user.save()
    finding_assign(actor=pw.users["inspector_lh"], finding=finding, assignee=user)
    reminders_send(today=timezone.localdate())
    [message] = [m for m in smtp.messages if m["To"] == "sec1@luohan.example"]
    text, html = _parts(message)
    assert "【交办整改的问题】1 项" in text
    assert f"- {RULES_BY_ID['APP-TALK'].title}：张三（P0001），中共罗汉镇高桥村支部委员会，检查日期" in text
    assert f"去办理：https://fazhan.example.gov.cn/inspection/findings/{finding.pk}/" in text
    assert "<th>检查日期</th>" in html
    assert finding.message not in text  # free text stays behind the login


def test_a_send_another_run_has_claimed_is_not_sent_again(pw, smtp):
    user = _approver(pw)
    today = timezone.localdate()
    ReminderSend.objects.create(user=user, day=today, channel="email", status=SendStatus.SENDING, items=2)
    assert [o.result for o in reminders_send(today=today)] == [ALREADY]
    assert smtp.messages == []
