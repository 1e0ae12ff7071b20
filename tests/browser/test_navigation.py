"""The menu at a township office's 1366 px: however many pages a role opens (the district reviewer's is the
longest), each entry reads on one line — the menu wraps between entries, never inside a name."""

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import login


@pytest.mark.parametrize("username", ["district", "lh_organizer", "sec1"])
def test_every_menu_entry_reads_on_one_line(page: Page, live_server, browser_world, username):
    login(page, live_server, username)
    page.goto(f"{live_server.url}/todo/")
    links = page.locator(".topbar nav.nav a")
    assert links.count() >= 8
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.nav a')).lineHeight) || 24")
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None
        assert box["height"] < 1.5 * line, (links.nth(i).inner_text(), box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
