"""Sessions, logins and the Content-Security-Policy in a real browser: no page of the application breaks a
policy rule (htmx swaps, the ECharts charts and their tooltips, the admin, the API docs); a real district
reviewer's first login goes to enrolment and nowhere else until it is done; an idle session ends; an
expired password is changed before anything else."""

import base64
import datetime
import re

import time_machine
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from fazhan.accounts.models import Role, User
from fazhan.accounts.services import role_assign, user_create
from fazhan.plans.services import plan_allocate
from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD
from tests.procedure.conftest import walk


def _watch_policy(page: Page) -> list[str]:
    """Every report of a blocked script, style or resource the page makes, as the console says it."""
    broken: list[str] = []
    page.on(
        "console",
        lambda m: (
            broken.append(page.url + " :: " + m.text[:300])
            if "Content Security Policy" in m.text or "CSP" in m.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violated: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')))"
    )
    return broken


def test_no_page_breaks_the_policy_htmx_and_the_charts_included(
    page: Page, live_server, transactional_db, pw
):
    plan_allocate(actor=None, org=pw.district, year=2021, quota=10, groups={"age_35_and_under": 4})
    plan_allocate(actor=None, org=pw.township, year=2021, quota=6, groups={})
    walk(pw, "S06")
    broken = _watch_policy(page)
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/P0001/")
    page.select_option(f"#pick-{pw.case.pk}", "S07")  # an htmx swap: the step's entry form
    expect(page.locator("form.step-form input[name=step]")).to_have_value("S07")
    page.context.clear_cookies()
    login(page, live_server, "lh_organizer")

    page.goto(f"{live_server.url}/plans/SZQ-LH/2021/")
    expect(page.locator("#plan-chart")).to_have_attribute("data-ready", "true")
    expect(page.locator("#pool-chart canvas")).to_be_visible()
    box = page.locator("#plan-chart canvas").bounding_box()
    assert box is not None
    for x in (0.3, 0.5, 0.7):  # the tooltip's HTML comes with inline styles of ECharts' own
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(150)
    screenshot(page, "csp-plan-tooltip")

    for path in ("/", "/orgs/", "/people/?q=zs", "/todo/", "/notices/", "/inspection/", "/api/tokens/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main.page")).to_be_visible()
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("/api/v1/persons").first).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))  # the administrator starts in the admin
    page.goto(f"{live_server.url}/admin/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"{live_server.url}/admin/accounts/user/{User.objects.get(username='sec1').pk}/change/")
    expect(page.locator("#user_form")).to_be_visible()
    assert broken == []


def test_a_real_district_reviewer_enrols_at_the_first_login_and_then_works(
    page: Page, live_server, browser_world
):
    user = user_create(actor=None, username="reviewer2", password=PASSWORD)
    role_assign(actor=None, user=user, role=Role.DISTRICT_REVIEWER, org=browser_world.district)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "reviewer2")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/enrol/$"))
    expect(page.locator("main")).to_contain_text("须启用两步验证")
    expect(page.locator("nav.nav a")).to_have_count(0)  # no menu of the pages closed to them
    for path in ("/people/P0001/", "/todo/", "/api/tokens/", "/admin/"):
        page.goto(f"{live_server.url}{path}")
        expect(page).to_have_url(re.compile(r"/accounts/2fa/enrol/$"))
    screenshot(page, "enrol-first-login")
    secret = page.locator("#otp-secret").inner_text().strip()
    totp = TOTP(base64.b32decode(secret), step=30, t0=0, digits=6)
    page.fill("#id_token", f"{totp.token():06d}")
    page.get_by_role("button", name="确认绑定").click()
    expect(page.locator("#otp-enrolled")).to_be_visible()
    page.goto(f"{live_server.url}/people/P0001/")
    expect(page.locator("h1")).to_contain_text("张三")


def test_an_idle_session_ends_and_the_login_page_says_why(page: Page, live_server, browser_world):
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/todo/")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        page.goto(f"{live_server.url}/people/")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/people/"))
        expect(page.locator("main")).to_contain_text("长时间未操作，已自动退出")


def test_an_expired_password_is_changed_before_anything_else(
    page: Page, live_server, browser_world, settings
):
    settings.SESSION_COOKIE_AGE = 365 * 24 * 3600
    login(page, live_server, "sec1")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        page.goto(f"{live_server.url}/people/")
        expect(page).to_have_url(re.compile(r"/accounts/password/\?next=%2Fpeople%2F"))
        expect(page.locator("#password-expired")).to_contain_text("90 天")
        page.fill("#id_old_password", PASSWORD)
        page.fill("#id_new_password1", "gaoqiaocun")
        page.fill("#id_new_password2", "gaoqiaocun")
        page.locator("#password-change button[type=submit]").click()
        expect(page.locator("#password-change")).to_contain_text("至少 3 类")
        screenshot(page, "password-refused")
        page.fill("#id_old_password", PASSWORD)
        page.fill("#id_new_password1", "Gaoqiao-2027-road")
        page.fill("#id_new_password2", "Gaoqiao-2027-road")
        page.locator("#password-change button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/people/$"))
        expect(page.locator("main")).to_contain_text("密码已修改")
