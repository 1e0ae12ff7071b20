"""A township organizer in a real browser downloads the ledger template under its Chinese name, uploads a
clerk's own ledger saved as .xls, sees in the preview which columns are not imported, confirms, and
downloads the township's ledger back, shaped for a clerk (issue 14, items 4 and 6)."""

import re

from playwright.sync_api import expect

from fazhan.core.office import convert
from fazhan.people.models import Person
from tests.browser.conftest import login, screenshot
from tests.interchange.test_clerk_ledger import clerk_ledger
from tests.workbooks import assert_shaped, sheets, table


def test_a_clerks_xls_ledger_goes_in_and_the_ledger_comes_out_shaped(
    page, live_server, browser_world, tmp_path
):
    login(page, live_server, "lh_organizer")
    page.get_by_role("link", name="数据交换").click()

    with page.expect_download() as caught:
        page.get_by_role("link", name="下载空白台账模板").click()
    assert caught.value.suggested_filename == "发展党员工作台账模板.xlsx"
    template = tmp_path / "template.xlsx"
    caught.value.save_as(template)
    assert "填表说明" in sheets(template.read_bytes())

    ledger = tmp_path / "罗汉镇台账.xls"
    ledger.write_bytes(convert(clerk_ledger(), ".xlsx", "xls"))
    page.set_input_files("#id_file", str(ledger))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#import-notes")).to_contain_text("未识别的列，未导入：家庭住址")
    expect(page.locator("#import-counts")).to_contain_text("步骤记录")
    screenshot(page, "import-clerk-ledger-preview")
    assert not Person.objects.filter(name="钱七").exists()

    page.locator("#confirm-import").click()
    expect(page.locator("#job-state")).to_have_text("已完成", timeout=60_000)
    assert Person.objects.get(name="钱七").org.code == "SZQ-LH-01"

    page.goto(f"{live_server.url}/interchange/")
    with page.expect_download() as caught:
        page.locator("#export-table a", has_text="发展党员工作台账").first.click()
    assert re.fullmatch(
        r"中共罗汉镇委员会发展党员工作台账-\d{4}-\d{2}-\d{2}\.xlsx", caught.value.suggested_filename
    )
    exported = tmp_path / "out.xlsx"
    caught.value.save_as(exported)
    sheet = sheets(exported.read_bytes())["发展党员工作台账"]
    assert_shaped(sheet, title="中共罗汉镇委员会发展党员工作台账")
    names = [row[1] for row in table(sheet)[1:]]
    assert {"钱七", "孙八"} <= set(names)
