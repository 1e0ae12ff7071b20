"""An applicant who serves themselves, in a real browser (issue 15, item 7): the branch secretary issues a
code on the intranet; on a 390 × 844 phone, without any staff account, the applicant opens the code's
address, registers, submits the application with a photo of the signed page; the secretary finds it on the
to-do list and accepts it, which records S01 dated today; the applicant's phone then shows the step and the
next one. No page of the applicant's scrolls sideways."""

import datetime
import re

from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from fazhan.applicants.models import Submission
from fazhan.procedure.models import StepRecord
from tests.applicants.conftest import PIN, QIAN_ID, TEXT, png
from tests.browser.conftest import login, screenshot

PHONE = {"width": 390, "height": 844}


def fits(page: Page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def cn(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_an_applicant_registers_from_a_code_on_a_phone_and_the_branch_accepts_it_as_s01(
    browser: Browser, page: Page, live_server, browser_world
):
    cache.clear()
    today = timezone.localdate()
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/applicants/")
    page.get_by_role("button", name="发放登记码").click()
    code = page.locator("#issued-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    expect(page.locator("#issued-qr svg")).to_be_visible()
    address = page.locator("#issued-url").inner_text()
    assert address.endswith(f"/gs/apply/c/{code.replace('-', '')}/")

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/gs/apply/c/{code.replace('-', '')}/")
    expect(mobile.locator("#register-org")).to_contain_text("中共罗汉镇高桥村支部委员会")
    expect(mobile.locator(".hp input")).not_to_be_in_viewport()  # the honeypot is out of a person's sight
    fits(mobile)
    mobile.fill("#id_name", "钱七")
    mobile.fill("#id_id_number", QIAN_ID)
    mobile.fill("#id_phone", "13800005678")
    mobile.select_option("#id_education", "高中")
    mobile.select_option("#id_occupation", "农牧渔民")
    mobile.fill("#id_pin", PIN)
    mobile.fill("#id_pin_again", "135790")
    mobile.get_by_role("button", name="登记").click()
    expect(mobile.locator("#field-pin_again .errorlist")).to_contain_text("两次输入的密码不一致")
    fits(mobile)
    mobile.fill("#id_pin", PIN)
    mobile.fill("#id_pin_again", PIN)
    mobile.get_by_role("button", name="登记").click()
    expect(mobile.locator("#me-name")).to_have_text("钱七的入党申请")
    fits(mobile)
    mobile.fill("#id_text", TEXT)
    mobile.set_input_files(
        "#id_photo", files=[{"name": "page.png", "mimeType": "image/png", "buffer": png()}]
    )
    mobile.get_by_role("button", name="提交申请").click()
    expect(mobile.locator("#me-sent")).to_contain_text("申请已提交")
    expect(mobile.locator("#me-state")).to_contain_text("待支部受理")
    expect(mobile.locator("#submit-form")).to_have_count(0)
    fits(mobile)
    screenshot(mobile, "applicant-submitted-390", full_page=True)

    page.goto(f"{live_server.url}/todo/")
    row = page.locator('tr[data-kind="applicant_submission"]')
    expect(row).to_contain_text("钱七")
    row.get_by_role("link", name="去办理").click()
    expect(page.locator("#detail-text")).to_contain_text("我志愿加入中国共产党")
    # the photo loaded, polled from here (the page's CSP allows no eval, which wait_for_function needs)
    photo = page.locator("#detail-photo")
    for _ in range(50):
        if photo.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert photo.evaluate("img => img.naturalWidth") == 600  # the photo, re-encoded
    page.get_by_role("button", name="已收到签名的申请书，受理").click()
    expect(page.locator("#detail-accepted")).to_contain_text(f"已于 {cn(today)} 受理")
    record = StepRecord.objects.get()
    assert (record.step, record.date, record.case.person.name) == ("S01", today, "钱七")
    assert Submission.objects.get().step_record == record

    mobile.reload()
    expect(mobile.locator("#me-state")).to_contain_text("已受理")
    expect(mobile.locator("#me-done")).to_contain_text(f"递交入党申请书 {cn(today)}")
    expect(mobile.locator("#me-next")).to_contain_text("党组织派人谈话")
    expect(mobile.locator("#me-next")).to_contain_text(f"最早 {cn(today)}")
    fits(mobile)
    screenshot(mobile, "applicant-accepted-390", full_page=True)
    mobile.get_by_role("button", name="退出").click()
    expect(mobile.locator("#sign-in-form")).to_be_visible()
    fits(mobile)
    mobile.goto(f"{live_server.url}/gs/apply/")
    fits(mobile)
    phone.close()
