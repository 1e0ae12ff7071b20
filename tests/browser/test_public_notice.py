"""The public's voice in a real browser (issue 15): on a 390 px phone, without an account, someone opens a
notice's public page from its token and sends an objection about the person named; the township's organizer
finds it on the to-do list, goes to it, and records what looking into it found, which lets the person's next
step go on."""

import datetime

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from fazhan.notices.models import FeedbackChannel, NoticeFeedback
from fazhan.procedure.services import StepRefused, case_record_step
from tests.browser.conftest import login, screenshot
from tests.notices.conftest import publish
from tests.procedure.conftest import legal_details, walk

PHONE = {"width": 390, "height": 844}
OBJECTION = "该同志经常不参加村里组织的集体活动，群众有意见。"


def next_step(w):
    """Another half-year's examination of the activist, today."""
    kind = legal_details("S06", 0, w)
    return case_record_step(actor=None, case=w.case, step="S06", date=datetime.date.today(), details=kind)


def fits(page: Page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_objection_from_a_phone_reaches_the_township_which_records_its_finding(
    browser: Browser, page: Page, live_server, transactional_db, pw
):
    cache.clear()
    walk(pw, "S06")
    pw.case.refresh_from_db()
    notice = publish(pw, starts_on=datetime.date.today())

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    public = phone.new_page()
    public.goto(f"{live_server.url}/gs/{notice.token}/")
    expect(public.locator("#public-title")).to_have_text("关于张三拟确定为发展对象的公示")
    expect(public.locator("[data-entry]")).to_have_count(1)
    expect(public.locator(".hp input")).not_to_be_in_viewport()  # the honeypot is out of a person's sight
    fits(public)
    public.select_option("#id_entry", label="张三")
    public.fill("#id_text", OBJECTION)
    public.get_by_role("button", name="提交意见").click()
    expect(public.locator("#public-sent")).to_contain_text("已收到您的意见")
    fits(public)
    screenshot(public, "public-notice-390", full_page=True)
    phone.close()

    feedback = NoticeFeedback.objects.get()
    assert (feedback.channel, feedback.entry.name, feedback.summary) == ("public", "张三", OBJECTION)
    assert feedback.channel == FeedbackChannel.PUBLIC
    with pytest.raises(StepRefused, match="PUB-OBJECTION"):  # the person's next step waits for the finding
        next_step(pw)
    branch = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    login(branch, live_server, "sec1")
    branch.goto(f"{live_server.url}/people/P0001/")
    branch.select_option(f"#pick-{pw.case.pk}", "S06")
    step = branch.locator("form.step-form")
    step.locator("#id_date").fill(datetime.date.today().isoformat())
    step.locator("select[name=d_kind]").select_option(legal_details("S06", 0, pw)["kind"])
    step.locator("button[type=submit]").click()
    expect(branch.locator("form.step-form")).to_contain_text("有 1 条群众反映尚未核实")
    expect(branch.locator("form.step-form")).to_contain_text("规则 PUB-OBJECTION")
    screenshot(branch, "public-objection-refuses-next-step")
    branch.context.close()

    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/todo/")
    row = page.locator('tr[data-kind="notice_objection"]')
    expect(row).to_contain_text("公示反映待核实")
    expect(row).to_contain_text("张三")
    row.get_by_role("link", name="去办理").click()
    expect(page.locator(f"#feedback-{feedback.pk}")).to_contain_text(OBJECTION)
    form = page.locator(f"#verify-{feedback.pk}")
    form.locator("select").select_option(label="反映不属实")
    form.locator("textarea").fill("经向村委会和群众代表了解，其因照顾病重家属缺席，情况属实可谅解")
    form.get_by_role("button", name="登记核实情况").click()
    expect(page.locator(f"#feedback-{feedback.pk}")).to_contain_text("反映不属实")
    page.goto(f"{live_server.url}/todo/")
    expect(page.locator('tr[data-kind="notice_objection"]')).to_have_count(0)
    assert next_step(pw).step == "S06"
