"""Attaching a scan on the person page: a renamed program is refused at the file field, a real scan turns its
line of the completeness matrix from missing to present."""

import pytest
from playwright.sync_api import Page, expect

from fazhan.archive.models import Attachment
from tests.archive.conftest import EXE_BYTES, png_bytes
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import walk


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_scan_uploaded_on_the_person_page_turns_its_material_present(
    page: Page, live_server, transactional_db, pw, tmp_path, media_root
):
    s01 = walk(pw, "S02")["S01"][0]
    fake = tmp_path / "申请书.pdf"
    fake.write_bytes(EXE_BYTES)
    scan = tmp_path / "申请书扫描.png"
    scan.write_bytes(png_bytes("white", 300))

    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/P0001/")
    row = page.locator("#completeness tr[data-material=application]")
    expect(row).to_have_class("missing")
    expect(row).to_contain_text("缺少")
    expect(page.locator("#files-missing")).to_contain_text("缺 2 项")

    page.select_option("#id_slot", f"{s01.pk}:application")
    page.set_input_files("#id_file", str(fake))
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#upload-field-file .field-errors")).to_contain_text("PDF、JPG 或 PNG")
    assert not Attachment.objects.exists()

    page.select_option("#id_slot", f"{s01.pk}:application")
    page.set_input_files("#id_file", str(scan))
    page.locator("#upload-form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/people/P0001/#files")
    row = page.locator("#completeness tr[data-material=application]")
    expect(row).to_have_class("present")
    expect(row).to_contain_text("已上传")
    expect(row).to_contain_text("申请书扫描.png")
    expect(page.locator("#completeness tr[data-material=talk_record]")).to_have_class("missing")
    expect(page.locator("#files-missing")).to_contain_text("缺 1 项")
    page.locator("#files").scroll_into_view_if_needed()
    screenshot(page, "archive-matrix-after-upload")
    assert Attachment.objects.get().uploaded_by.username == "sec1"
    assert any((media_root / "blobs").rglob("*"))
