"""Two-step login in a real browser: a district reviewer (a role of FAZHAN_2FA_ROLES) binds an authenticator
from the page's own secret, then a later login asks for the code after the password and lets them in only
with a right one."""

import base64
import datetime
import re

import time_machine
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD


def _code(secret: str) -> str:
    """What an authenticator app shows now for the secret the page gave (30-second steps, 6 digits). Under
    time_machine "now" is the travelled time, the live server's as well (it runs in this process)."""
    device = TOTP(base64.b32decode(secret), step=30, t0=0, digits=6)
    device.time = datetime.datetime.now(tz=datetime.UTC).timestamp()
    return f"{device.token():06d}"


def test_a_district_reviewer_binds_an_authenticator_and_then_needs_its_code(
    page: Page, live_server, browser_world
):
    login(page, live_server, "district")
    page.goto(f"{live_server.url}/accounts/2fa/enrol/")
    expect(page.locator("#otp-qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret)
    page.fill("#id_token", _code(secret))
    page.get_by_role("button", name="确认绑定").click()
    expect(page.locator("#otp-enrolled")).to_be_visible()
    screenshot(page, "otp-enrolled")
    page.get_by_role("button", name="退出").click()

    # The password alone now leads to the code page, and a wrong code is refused with the field named.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "district")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    page.goto(f"{live_server.url}/todo/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next="))
    right_now = _code(secret)
    page.fill("#id_token", "000000" if right_now != "000000" else "111111")
    page.get_by_role("button", name="验证").click()
    expect(page.locator("section.login form")).to_contain_text("验证码不正确")
    screenshot(page, "otp-wrong-code")

    # django-otp takes no code twice and slows down after a failure: the next period's code, a period later
    # (the live server runs in this process, so its clock moves with time_machine).
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=31)):
        page.fill("#id_token", _code(secret))
        page.get_by_role("button", name="验证").click()
        expect(page).to_have_url(re.compile(r"/todo/"))
    expect(page.locator(".topbar .who")).to_contain_text("district")
