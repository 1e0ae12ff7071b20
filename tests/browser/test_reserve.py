"""The reserve plan in a real browser: the township enters a village's reserve (refused at the field at 0
activists, then saved), the branch reaches its reserve page from the menu, takes a candidate into the plan
and sends its request; the township's page shows where each org is in the cycle."""

from django.utils import timezone
from playwright.sync_api import Page, expect

from fazhan.plans.models import CycleAct, ReserveEntry
from fazhan.plans.services import reserve_set
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import walk


def test_a_township_enters_a_reserve_and_a_branch_takes_a_candidate_into_the_plan(
    page: Page, live_server, transactional_db, pw
):
    year = timezone.localdate().year + 1
    reserve_set(actor=None, org=pw.district, year=year, applicants=20, activists=10, targets=4)
    reserve_set(actor=None, org=pw.township, year=year, applicants=12, activists=6, targets=2)
    walk(pw, "S03")  # 张三, an activist of 高桥村
    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/plans/SZQ-LH/{year}/reserve/")
    page.locator("#reserve-set summary").click()
    form = page.locator("#reserve-set form")
    form.locator("select[name=org]").select_option("SZQ-LH-01")
    form.locator("input[name=applicants]").fill("4")
    form.locator("input[name=activists]").fill("0")
    form.locator("input[name=targets]").fill("1")
    form.get_by_role("button", name="保存储量计划").click()
    expect(page.locator("#reserve-field-activists .field-errors")).to_contain_text(
        "至少常态化储备 1 名入党积极分子"
    )
    form = page.locator("#reserve-set form")
    form.locator("select[name=org]").select_option("SZQ-LH-01")
    form.locator("input[name=activists]").fill("2")
    form.get_by_role("button", name="保存储量计划").click()
    # next year closes the window (2026–2027) in which 高桥村 has admitted no young farmer yet
    expect(page.locator("#reserve-field-young_farmers .field-errors")).to_contain_text(
        "每两年至少发展 1 名青年农民党员"
    )
    form = page.locator("#reserve-set form")
    form.locator("select[name=org]").select_option("SZQ-LH-01")
    form.locator("input[name=young_farmers]").fill("1")
    form.get_by_role("button", name="保存储量计划").click()
    expect(page).to_have_url(f"{live_server.url}/plans/SZQ-LH/{year}/reserve/#reserve")
    expect(page.locator(".field-errors")).to_have_count(0)
    page.goto(f"{live_server.url}/plans/SZQ-LH-01/{year}/reserve/")
    expect(page.locator("#reserve-table tr[data-stage=activist] .planned")).to_have_text("2")

    page.context.clear_cookies()
    login(page, live_server, "sec1")
    page.locator(".topbar, nav").get_by_role("link", name="储量计划").first.click()
    expect(page).to_have_url(f"{live_server.url}/plans/SZQ-LH-01/{year}/reserve/")
    page.locator("#reserve-take-in summary").click()
    take = page.locator("#reserve-take-in form")
    take.locator("select[name=case]").select_option(str(pw.case.pk))
    take.get_by_role("button", name="纳入计划").click()
    expect(page.locator("#reserve-entry-list tr[data-person=P0001]")).to_contain_text("入党积极分子")
    expect(page.locator("#reserve-entry-list tr[data-person=P0001]")).to_contain_text("张三")
    page.locator("#cycle-record summary").click()
    cycle = page.locator("#cycle-record form")
    cycle.locator("select[name=step]").select_option("request")
    cycle.get_by_role("button", name="登记").click()
    expect(page.locator("#cycle-field-number .field-errors")).to_contain_text("请填写请求发展的人数")
    cycle = page.locator("#cycle-record form")
    cycle.locator("select[name=step]").select_option("request")
    cycle.locator("input[name=number]").fill("2")
    cycle.get_by_role("button", name="登记").click()
    expect(page.locator("#cycle-table tr[data-org=SZQ-LH-01] .state")).to_have_text("请求已报")
    assert ReserveEntry.objects.get().taken_by.username == "sec1"
    assert CycleAct.objects.get().number == 2
    screenshot(page, "reserve-branch", full_page=True)
