"""The district's pre-review in a real browser: a township sends a batch, the district records the pass on
the batch page and issues the next numbered form from stock; the register shows it."""

from playwright.sync_api import Page, expect

from fazhan.demo.world import LEGAL_PATH
from fazhan.prereview.models import PrereviewItem
from fazhan.prereview.services import form_range_receive
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import day, walk


def test_a_batch_goes_from_the_township_to_the_district_and_ends_with_an_issued_form(
    page: Page, live_server, transactional_db, pw, browser
):
    walk(pw, until=LEGAL_PATH.index(("S13", 575)) + 1)  # the township's own pass
    form_range_receive(
        actor=None, org=pw.district, year=2021, prefix="SZQ2021-", first=1, last=50, received_on=day(500)
    )
    login(page, live_server, "lh_organizer")
    page.get_by_role("link", name="预审").click()
    page.get_by_role("link", name="报送预审批次").click()
    page.locator("#batch-new input[name=cases]").first.check()
    page.fill("#id_submitted_on", day(576).isoformat())
    page.locator("#batch-new button[type=submit]").click()
    expect(page.locator("#batch-items tr[data-person=P0001] .result")).to_contain_text("待审")
    item = PrereviewItem.objects.get()

    district = browser.new_context(viewport=page.viewport_size, locale="zh-CN").new_page()
    login(district, live_server, "district")
    district.goto(f"{live_server.url}/prereview/")
    expect(district.locator(f"#batch-queue tr[data-batch='{item.batch_id}']")).to_contain_text(
        "中共罗汉镇委员会"
    )
    district.locator(f"#batch-queue tr[data-batch='{item.batch_id}'] a").click()
    district.select_option(f"#id_d{item.pk}-result", "pass")
    district.fill(f"#id_d{item.pk}-decided_on", day(585).isoformat())
    district.get_by_role("button", name="录入预审结果").click()
    expect(district.locator("#batch-items tr[data-person=P0001] .result")).to_contain_text("合格")
    expect(district.locator(f"#id_i{item.pk}-number")).to_have_value("SZQ2021-0001")
    district.fill(f"#id_i{item.pk}-issued_on", day(588).isoformat())
    district.get_by_role("button", name="发放编号志愿书").click()
    expect(district.locator("#batch-items tr[data-person=P0001]")).to_contain_text("SZQ2021-0001")
    screenshot(district, "prereview-batch", full_page=True)
    district.get_by_role("link", name="志愿书").click()
    expect(district.locator("#register-table tr[data-form=SZQ2021-0001]")).to_contain_text("已发放")
    expect(district.locator("#status-counts")).to_contain_text("库存 49")
    screenshot(district, "form-register", full_page=True)
    district.context.close()
