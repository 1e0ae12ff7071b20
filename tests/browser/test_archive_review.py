"""The township signs a converted member's file off on its archive page; the register shows the review."""

import pytest
from playwright.sync_api import Page, expect

from fazhan.archive.models import ArchiveReview
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import day, next_offset, walk


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_township_organizer_signs_a_file_off_and_the_register_shows_it(
    page: Page, live_server, transactional_db, pw
):
    walk(pw)
    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/archive/register/?org=SZQ-LH&unreviewed=1")
    row = page.locator("#register tr[data-person=P0001]")
    expect(row).to_contain_text("未审核")
    row.locator("a").first.click()

    form = page.locator("#review-form")
    expect(form.locator("input[name=missing][value=application]")).to_be_checked()  # nothing attached yet
    form.locator("#id_date").fill(day(next_offset("S25") + 5).isoformat())
    form.locator("input[name=missing][value=meeting_minutes]").uncheck()
    form.locator("#id_location").fill("罗汉镇档案室 A-3")
    screenshot(page, "archive-review-form", full_page=True)
    form.locator("button[type=submit]").click()

    expect(page.locator("#reviews tbody tr").first).to_contain_text("罗汉镇档案室 A-3")
    review = ArchiveReview.objects.get()
    assert "meeting_minutes" not in review.missing
    assert "application" in review.missing

    page.goto(f"{live_server.url}/archive/register/?org=SZQ-LH")
    row = page.locator("#register tr[data-person=P0001]")
    expect(row).to_contain_text("罗汉镇档案室 A-3")
    expect(row).to_contain_text("入党申请书")
    screenshot(page, "archive-register")
    page.goto(f"{live_server.url}/archive/register/?org=SZQ-LH&unreviewed=1")
    expect(page.locator("#register tr[data-person=P0001]")).to_have_count(0)
