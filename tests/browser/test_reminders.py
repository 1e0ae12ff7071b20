"""The branch secretary turns the daily mail off on their own page in a real browser, and the next morning's
send (through a real SMTP server on loopback) leaves them out."""

from django.utils import timezone
from playwright.sync_api import Page, expect

from fazhan.reminders.models import ReminderPreference
from fazhan.reminders.services import reminders_send
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import walk
from tests.reminders.conftest import smtp  # noqa: F401  (the SMTP server on loopback)


def test_the_secretary_turns_the_daily_mail_off_and_gets_none(
    page: Page,
    live_server,
    transactional_db,
    pw,
    smtp,  # noqa: F811
):
    walk(pw, "S01")  # the application: the branch's talk is due
    user = pw.users["sec1"]
    user.email = "sec1@luohan.example"
    user.save()
    login(page, live_server, "sec1")
    page.locator("#nav-reminders").click()
    expect(page.locator("h1")).to_have_text("提醒设置")
    expect(page.get_by_text("邮件发往：sec1@luohan.example")).to_be_visible()
    mail = page.get_by_label("每天早上把我的待办事项发到我的邮箱")
    expect(mail).to_be_checked()
    mail.uncheck()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_have_text("提醒设置已保存。")
    expect(page.get_by_label("每天早上把我的待办事项发到我的邮箱")).not_to_be_checked()
    expect(page.get_by_label("每天把我的待办事项发到企业微信或短信")).to_be_checked()
    screenshot(page, "reminders-opt-out")
    assert ReminderPreference.objects.get(user=user).email_digest is False
    # the township's organizer, who oversees the branch, still gets theirs; the secretary none
    organizer = pw.users["lh_organizer"]
    organizer.email = "organizer@luohan.example"
    organizer.save()
    reminders_send(today=timezone.localdate())
    assert smtp.recipients == [["organizer@luohan.example"]]
