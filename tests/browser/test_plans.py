"""The plan page in a real browser: the chart canvases drawn by the vendored ECharts, and the numbers."""

from playwright.sync_api import Page, expect

from fazhan.plans.services import plan_allocate
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import walk


def test_plan_page_draws_its_charts_and_shows_quota_admissions_and_empty_villages(
    page: Page, live_server, transactional_db, pw
):
    plan_allocate(actor=None, org=pw.district, year=2021, quota=10, groups={"age_35_and_under": 4})
    plan_allocate(actor=None, org=pw.township, year=2021, quota=6, groups={})
    walk(pw, "S17")  # 张三 approved 2021-12-12 in 高桥村
    login(page, live_server, "district")
    page.get_by_role("link", name="发展计划").click()
    page.goto(f"{live_server.url}/plans/SZQ/2021/")
    expect(page.locator("#plan-quota")).to_have_text("10")
    expect(page.locator("#plan-admitted")).to_have_text("1")
    expect(page.locator("#plan-chart canvas")).to_be_visible()
    expect(page.locator("#pool-chart canvas")).to_be_visible()
    expect(page.locator("#plan-chart")).to_have_attribute("data-ready", "true")
    expect(page.locator("#plan-children tr[data-org=SZQ-LH]")).to_contain_text("6")
    expect(page.locator("#plan-groups tr[data-group=age_35_and_under]")).to_contain_text("4")
    page.locator("#plan-children a", has_text="罗汉镇").click()
    expect(page.locator("#plan-villages tr[data-org=SZQ-LH-02]")).to_contain_text("无储备")
    expect(page.locator("#plan-chart canvas")).to_be_visible()
    screenshot(page, "plan-township", full_page=True)
