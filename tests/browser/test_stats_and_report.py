"""In a real browser: the plan page leads to the 党内统计 tables, whose pickers change org and year and whose
workbook downloads under its Chinese name; the run page keeps the org's paragraphs of the 自查报告 and
downloads its DOCX."""

import io

from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from fazhan.inspection.services import inspection_run
from fazhan.procedure.models import StepRecord
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import walk


def test_the_statistics_are_picked_by_org_and_year_and_downloaded(
    page: Page, live_server, transactional_db, pw, tmp_path
):
    walk(pw, "S17")
    year = StepRecord.objects.get(case=pw.case, step="S17").date.year
    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/plans/{pw.township.code}/{year}/")
    page.locator("#plan-stats").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{pw.township.name} {year} 年发展党员统计")
    page.locator("#stats-org").select_option(pw.branch1.code)
    page.locator("#stats-year").select_option(str(year))
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{pw.branch1.name} {year} 年发展党员统计")
    expect(page.locator("#stats-1 tbody tr").first).to_contain_text(f"{pw.branch1.name}（合计）")
    expect(page.locator("#stats-1 tbody tr").first.locator("td").nth(1)).to_have_text("1")
    expect(page.locator("#stats-org option")).not_to_contain_text([pw.township2.name])
    screenshot(page, "stats-page")
    with page.expect_download() as caught:
        page.locator("#stats-download").click()
    assert caught.value.suggested_filename == f"{year}年{pw.branch1.name}发展党员情况统计表.xlsx"
    saved = tmp_path / "stats.xlsx"
    caught.value.save_as(saved)
    assert load_workbook(saved)["发展党员情况（一）"]["B5"].value == 1


def test_the_orgs_paragraphs_are_written_on_the_run_page_and_printed_in_the_docx(
    page: Page, live_server, transactional_db, pw, tmp_path
):
    walk(pw, "S03")
    run = inspection_run(
        actor=pw.users["lh_organizer"], org=pw.township, as_of=StepRecord.objects.latest("date").date
    )
    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/inspection/runs/{run.pk}/")
    page.locator("#report-text summary").click()
    page.get_by_label("二、主要做法").fill("镇党委每季度专题研究发展党员工作。")
    page.get_by_label("五、下一步打算").fill("年底前完成全部整改。")
    page.locator("#report-text-form").get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("自查报告的主要做法和下一步打算已保存")
    with page.expect_download() as caught:
        page.locator("#report-docx").click()
    saved = tmp_path / "report.docx"
    caught.value.save_as(saved)
    body = [p.text for p in Document(io.BytesIO(saved.read_bytes())).paragraphs]
    assert body[body.index("二、主要做法") + 1] == "镇党委每季度专题研究发展党员工作。"
    assert body[body.index("五、下一步打算") + 1] == "年底前完成全部整改。"
