"""Long jobs in a real browser: a township organizer starts an inspection run from its page, is sent to the
job's page, which polls until the run is done and then links to the findings; the job stays in 后台任务. A
run's self-inspection report is made the same way and downloaded from its job's page."""

import datetime
import re

from playwright.sync_api import Page, expect

from fazhan.core.dates import date_cn
from fazhan.inspection.models import InspectionRun
from fazhan.inspection.services import inspection_run
from fazhan.procedure.services import case_record_step
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import day, legal_details


def test_an_inspection_run_goes_on_a_job_whose_page_follows_it_to_the_findings(
    page: Page, live_server, transactional_db, pw
):
    case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    case_record_step(actor=None, case=pw.case, step="S02", date=day(50), details=legal_details("S02", 0, pw))
    login(page, live_server, "lh_organizer")
    page.get_by_role("link", name="检查", exact=True).click()
    page.select_option("#id_org", label=pw.township.name)
    page.get_by_role("button", name="开始检查").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"检查 {pw.township.name}")
    expect(page.locator("#job-state")).to_have_text("已完成", timeout=60_000)
    expect(page.locator("#job-message")).to_contain_text("共发现")
    screenshot(page, "job-done")
    run = InspectionRun.objects.get()
    expect(page.locator("#job-result")).to_have_attribute("href", f"/inspection/runs/{run.pk}/")

    page.locator("#job-result").click()
    expect(page.locator("#by-rule")).to_contain_text("APP-TALK")

    page.get_by_role("link", name="后台任务").click()
    expect(page.locator("#jobs")).to_contain_text(f"检查 {pw.township.name}")
    expect(page.locator("#jobs")).to_contain_text("已完成")


def test_a_report_is_made_on_a_job_and_downloaded_from_its_page(
    page: Page, live_server, transactional_db, pw, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    case_record_step(actor=None, case=pw.case, step="S02", date=day(50), details=legal_details("S02", 0, pw))
    run = inspection_run(actor=pw.users["lh_organizer"], org=pw.township, as_of=datetime.date.today())
    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/inspection/runs/{run.pk}/")
    page.get_by_role("button", name="生成自查报告 PDF").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"自查报告 {pw.township.name}")
    expect(page.locator("#job-state")).to_have_text("已完成", timeout=60_000)
    expect(page.locator("#job-message")).to_contain_text(f"自查报告已生成：{run.found} 个问题")
    screenshot(page, "report-job-done")
    with page.expect_download() as caught:
        page.locator("#job-download").click()
    saved = tmp_path / "report.pdf"
    caught.value.save_as(saved)
    assert caught.value.suggested_filename == f"{pw.township.name}自查报告（{date_cn(run.as_of)}）.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")

    page.locator("#nav-jobs").click()
    expect(page.locator("#jobs")).to_contain_text("自查报告")
    expect(page.locator("#jobs").get_by_role("link", name="下载")).to_be_visible()
