"""The self-inspection task in a real browser: the district sets it (the notice's defaults filled in), the
township's organizer finds it on the to-do list, prepares and hands its report in, and the district's page
shows 已上报 with the date, who handed it in and 按时."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from fazhan.core.dates import date_cn
from fazhan.selfcheck.models import SelfCheckTask
from tests.browser.conftest import login, screenshot


def test_the_district_sets_the_task_and_sees_the_township_hand_in(page: Page, live_server, browser_world):
    today = timezone.localdate()
    due = today + datetime.timedelta(days=10)
    login(page, live_server, "district")
    page.locator(".topbar, nav").get_by_role("link", name="自查上报").first.click()
    page.locator("#task-new summary").click()
    form = page.locator("#task-new form")
    expect(form.locator("input[name=period_from]")).to_have_value("2017-01-01")
    form.locator("input[name=title]").fill("发展党员工作自查")
    form.locator("input[name=due_on]").fill(due.isoformat())
    form.get_by_role("button", name="布置到各乡镇党委").click()
    task = SelfCheckTask.objects.get()
    expect(page).to_have_url(f"{live_server.url}/selfcheck/tasks/{task.pk}/")
    expect(page.locator("#counts [data-status=not_started] .n")).to_have_text("2")

    page.context.clear_cookies()
    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/todo/")
    row = page.locator("#selfcheck-due tr[data-kind=selfcheck_due]")
    expect(row).to_contain_text(date_cn(due))
    expect(row).to_contain_text("还有 10 天")
    row.get_by_role("link", name="去上报").click()
    prepare = page.locator("#prepare")
    prepare.get_by_role("button", name="生成自查报告").click()
    expect(page.locator("#prepare-field-summary .field-errors")).to_contain_text("请填写自查情况")
    prepare = page.locator("#prepare")
    prepare.locator("textarea[name=summary]").fill("逐村逐人核查了2017年以来的发展党员档案。")
    prepare.locator("textarea[name=rectification]").fill("逐项整改，按期转正。")
    prepare.get_by_role("button", name="生成自查报告").click()
    expect(page.locator("#part-status")).to_have_text("已准备")
    page.locator("#hand-in").get_by_role("button", name="上报区委组织部").click()
    expect(page.locator("#part-status")).to_have_text("已上报")
    expect(page.locator("#submissions .download")).to_have_count(1)

    page.context.clear_cookies()
    login(page, live_server, "district")
    page.goto(f"{live_server.url}/selfcheck/tasks/{task.pk}/")
    lh = page.locator("#townships tr[data-township=SZQ-LH]")
    expect(lh.locator(".status")).to_have_text("已上报")
    expect(lh.locator(".handed-in")).to_have_text(date_cn(today))
    expect(lh.locator(".by")).to_have_text("lh_organizer")
    expect(lh.locator(".timeliness")).to_have_text("按时")
    expect(page.locator("#counts [data-status=handed_in] .n")).to_have_text("1")
    expect(page.locator("#townships tr[data-township=SZQ-YX] .status")).to_have_text("未开始")
    with page.expect_download() as download:
        lh.locator("a.download").first.click()
    assert re.search(r"中共罗汉镇委员会自查报告.*\.docx$", download.value.suggested_filename)
    screenshot(page, "selfcheck-district-board", full_page=True)
