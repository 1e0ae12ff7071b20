"""Import from the web in a real browser: a township organizer uploads a file with a problem and sees it by
line, uploads the corrected file, sees what would change, confirms, follows the import on its job's page to
the end, and finds the imported person."""

import json

from playwright.sync_api import expect

from fazhan.people.models import Person
from tests.browser.conftest import login, screenshot

RECORDS = [
    {
        "type": "org",
        "code": "SZQ-LH-09",
        "name": "中共罗汉镇新村支部委员会",
        "parent": "SZQ-LH",
        "kind": "branch",
    },
    {"type": "person", "id": "M0901", "name": "钱一", "id_number": "511002196803041211", "org": "SZQ-LH-09"}
    | {"party_status": "full", "joined_on": "1995-07-01"},
    {"type": "person", "id": "P0901", "name": "孙二", "id_number": "511002199901011212", "org": "SZQ-LH-09"},
    {"type": "step", "person": "P0901", "step": "S01", "date": "2018-01-02"},
    {
        "type": "step",
        "person": "P0901",
        "step": "S02",
        "date": "2018-02-20",
        "details": {"talkers": ["M0901"]},
    },
]


def write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_upload_preview_confirm(page, live_server, browser_world, tmp_path):
    login(page, live_server, "lh_organizer")
    page.get_by_role("link", name="数据交换").click()

    bad = [*RECORDS[:-1], RECORDS[-1] | {"date": "2018-02-31"}]
    page.set_input_files("#id_file", str(write(tmp_path / "bad.jsonl", bad)))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#import-problems")).to_contain_text("line 5: date: 应为真实日期")
    expect(page.locator("#confirm-import")).to_have_count(0)

    page.get_by_role("link", name="重新上传").click()
    page.set_input_files("#id_file", str(write(tmp_path / "good.jsonl", RECORDS)))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#import-counts")).to_contain_text("步骤记录")
    screenshot(page, "import-preview")
    assert not Person.objects.filter(pid="P0901").exists()

    page.locator("#confirm-import").click()
    expect(page.locator("#job-state")).to_have_text("已完成", timeout=30_000)  # the job's page, polling
    expect(page.locator("#job-message")).to_contain_text("已导入 good.jsonl")
    assert Person.objects.get(pid="P0901").cases.get().steps.count() == 2
    page.locator("#job-result").click()
    expect(page.get_by_role("heading", name="数据交换")).to_be_visible()
