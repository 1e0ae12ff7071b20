"""The 接口令牌 page in a real browser: a township organizer creates a token, a script uses it, the organizer
revokes it; and the API's docs page renders from the app's own static files."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot
from tests.conftest import ID_1998_MALE


def test_a_user_creates_a_token_uses_it_and_revokes_it(page: Page, live_server, browser_world):
    login(page, live_server, "lh_organizer")
    page.get_by_role("link", name="接口令牌").click()
    page.fill("#id_name", "统计脚本")
    page.get_by_role("button", name="生成令牌").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("fz_")
    screenshot(page, "api-token-created")

    url = f"{live_server.url}/api/v1/persons/P0001"
    answer = page.request.get(url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
    assert answer.json()["id_number"] == ID_1998_MALE

    page.get_by_role("link", name="接口令牌").click()
    expect(page.locator("#new-token")).to_have_count(0)  # shown once
    expect(page.locator("tbody")).to_contain_text("统计脚本")
    page.get_by_role("button", name="吊销").click()
    expect(page.locator("tbody")).to_contain_text("已吊销")
    assert page.request.get(url, headers={"Authorization": f"Bearer {token}"}).status == 401


def test_the_api_docs_page_renders_the_operations(page: Page, live_server, browser_world):
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("/api/v1/cases/{case_id}/steps").first).to_be_visible()
    screenshot(page, "api-docs", full_page=False)
