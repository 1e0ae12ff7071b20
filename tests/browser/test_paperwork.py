"""A branch secretary opens the person page and downloads a step's form from it."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.paperwork.conftest import docx_xml
from tests.procedure.conftest import walk


def test_a_steps_form_downloads_from_the_person_page(page: Page, live_server, browser_world, pw):
    walk(pw, "S04")
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/P0001/")
    row = page.locator('#step-forms tr[data-form-step="S04"]')
    expect(row).to_contain_text("入党积极分子备案表")
    with page.expect_download() as download:
        row.locator('a[data-form="activist_filing"]').click()
    path = download.value.path()
    xml = docx_xml(Path(path).read_bytes())
    assert "张三" in xml
    assert "入党积极分子备案表" in xml
    assert download.value.suggested_filename.endswith(".docx")
