"""The password reset path in a real browser: the system administrator issues a temporary password from the
admin's list of logins, the user's open session ends, and their next login opens nothing but 修改密码 until
they have chosen their own."""

import re

from playwright.sync_api import Browser, Page, expect

from fazhan.auditlog.models import AuditEvent
from tests.browser.conftest import VIEWPORT, login, screenshot
from tests.conftest import PASSWORD


def test_a_temporary_password_ends_the_old_session_and_must_be_changed_first(
    page: Page, browser: Browser, live_server, browser_world
):
    target = browser_world.users["sec1"]
    # sec1 is working in another browser
    other = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    before = other.new_page()
    login(before, live_server, "sec1")
    before.goto(f"{live_server.url}/people/")
    expect(before).to_have_url(re.compile(r"/people/$"))

    page.goto(f"{live_server.url}/accounts/login/?next=/admin/accounts/user/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/accounts/user/$"))
    page.locator(f"input[name=_selected_action][value='{target.pk}']").check()
    page.select_option("select[name=action]", "reset_password")
    page.locator("button[name=index]").click()
    temporary = page.locator("#temporary-passwords code.temporary-password").inner_text().strip()
    assert len(temporary) >= 12
    screenshot(page, "password-reset-issued")
    assert AuditEvent.objects.filter(action="password.reset", target_id=str(target.pk)).exists()

    # the session sec1 had is over
    before.goto(f"{live_server.url}/people/")
    expect(before).to_have_url(re.compile(r"/accounts/login/"))
    other.close()

    # with the temporary password, only 修改密码 opens
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sec1")
    page.fill("#id_password", temporary)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    expect(page.locator("#password-temporary")).to_contain_text("临时密码")
    page.goto(f"{live_server.url}/people/")
    expect(page).to_have_url(re.compile(r"/accounts/password/\?next=%2Fpeople%2F"))
    page.fill("#id_old_password", temporary)
    page.fill("#id_new_password1", "Gaoqiao-2027-road")
    page.fill("#id_new_password2", "Gaoqiao-2027-road")
    page.locator("#password-change button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.locator("main")).to_contain_text("密码已修改")
    target.refresh_from_db()
    assert not target.password_must_change
