"""A public notice in a real browser: the branch secretary publishes a notice naming an activist, records
a letter from the public, records what checking it found, closes the notice, and finds the result on the
person's page."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot
from tests.notices.conftest import CONTACT
from tests.procedure.conftest import walk


def test_a_notice_is_published_its_report_looked_into_and_closed(
    page: Page, live_server, transactional_db, pw
):
    walk(pw, "S06")
    login(page, live_server, "sec1")
    page.get_by_role("link", name="公示", exact=True).click()
    page.get_by_role("link", name="发布公示").click()
    page.get_by_role("button", name="列出可公示人员").click()
    page.get_by_label(re.compile("张三（P0001）")).check()
    page.fill("#id_starts_on", "2021-06-01")
    page.fill("#id_contact", CONTACT)
    page.get_by_role("button", name="发布").click()

    expect(page).to_have_url(re.compile(r"/notices/\d+/$"))
    expect(page.locator("#notice-period")).to_contain_text("公示期 2021-06-01 至 2021-06-07，共 5 个工作日")
    page.select_option("#id_entry", label="张三")
    page.fill("#id_received_on", "2021-06-03")
    page.select_option("#id_channel", label="来信")
    page.fill("#id_summary", "来信反映其曾有赌博行为")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#notice-feedback")).to_contain_text("来信反映其曾有赌博行为")

    form = page.locator("form[id^=verify-]")
    form.locator("select").select_option(label="反映不属实")
    form.locator("textarea").fill("经向派出所和村委会核实，无此情况")
    form.locator("input[type=date]").fill("2021-06-07")
    form.get_by_role("button", name="登记核实情况").click()
    expect(page.locator("#notice-feedback")).to_contain_text("反映不属实")

    page.fill("#id_closed_on", "2021-06-08")
    page.get_by_role("button", name="办结").click()
    expect(page.locator("#notice-state")).to_have_text("已办结")
    expect(page.locator("#notice-entries")).to_contain_text("公示无异议")
    screenshot(page, "notice-closed", full_page=True)

    page.locator("#notice-entries").get_by_role("link", name="张三").click()
    expect(page.locator("#person-notices")).to_contain_text("拟确定为发展对象")
    expect(page.locator("#person-notices")).to_contain_text("公示无异议")
