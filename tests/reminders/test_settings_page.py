"""提醒设置: the user's own page sets their own preference, and the change is in the trail; the system
administrator's list of sends."""

import datetime
import re

from fazhan.auditlog.models import AuditEvent
from fazhan.reminders.models import ACTION_PREFERENCE, ReminderPreference, ReminderSend, SendStatus


def checked(page: str, name: str) -> bool:
    [box] = re.findall(rf'<input type="checkbox" name="{name}"[^>]*>', page)
    return " checked" in box


def test_the_page_shows_the_defaults_on_and_the_address(world, client_for):
    user = world.users["sec1"]
    user.email = "sec1@luohan.example"
    user.save()
    page = client_for("sec1").get("/reminders/").content.decode()
    assert checked(page, "email_digest")
    assert checked(page, "message_digest")
    assert "邮件发往：sec1@luohan.example" in page


def test_a_user_without_an_address_is_told_so(world, client_for):
    page = client_for("sec1").get("/reminders/").content.decode()
    assert "您的账户没有登记邮箱" in page


def test_turning_the_mail_off_is_saved_for_that_user_alone_and_trailed(world, client_for):
    client = client_for("sec1")
    response = client.post("/reminders/", {"message_digest": "on"})
    assert response.status_code == 302
    user = world.users["sec1"]
    preference = ReminderPreference.objects.get(user=user)
    assert (preference.email_digest, preference.message_digest) == (False, True)
    assert not ReminderPreference.objects.exclude(user=user).exists()
    [event] = AuditEvent.objects.filter(action=ACTION_PREFERENCE)
    assert (event.actor, event.target_id) == (user, str(user.pk))
    assert event.data == {"email_digest": False, "message_digest": True}
    page = client.get("/reminders/").content.decode()
    assert "提醒设置已保存" in page
    assert not checked(page, "email_digest")
    assert checked(page, "message_digest")


def test_the_page_needs_a_login(world, client):
    response = client.get("/reminders/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_system_administrator_finds_a_failed_send_with_its_error(world, client_for):
    ReminderSend.objects.create(
        user=world.users["sec1"],
        day=datetime.date(2026, 12, 3),
        channel="email",
        status=SendStatus.FAILED,
        items=3,
        attempts=1,
        error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    page = client_for("admin").get("/admin/reminders/remindersend/?status__exact=failed").content.decode()
    assert "Connection refused" in page
    assert "发送失败" in page
    assert client_for("sec1").get("/admin/reminders/remindersend/").status_code in (302, 403)
