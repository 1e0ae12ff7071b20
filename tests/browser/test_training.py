"""Trainings in a real browser: the township records one from the menu (refused at the hours' field first),
picking an attendee with the person picker; then naming an untrained contact at step 5 goes in with the
TRN-STAFF warning on the timeline, and the untrained report lists them."""

from playwright.sync_api import Page, expect

from fazhan.training.models import TrainingSession
from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import day, walk


def pick(form, field: str, typed: str, pid: str) -> None:
    form.locator(f"input[name=q-{field}]").fill(typed)
    form.locator(f"#results-{field} button[data-pid='{pid}']").click()
    expect(form.locator(f"#chosen-{field} input[value='{pid}']")).to_be_checked()


def test_a_township_records_a_training_and_an_untrained_contact_is_warned_of(
    page: Page, live_server, transactional_db, pw
):
    walk(pw, "S04")
    login(page, live_server, "lh_organizer")
    page.locator(".topbar, nav").get_by_role("link", name="培训", exact=True).first.click()
    page.locator("#session-new summary").click()
    form = page.locator("#session-new form")
    form.locator("select[name=org]").select_option("SZQ-LH")
    form.locator("input[name=topic]").fill("学习《中国共产党发展党员工作细则》")
    form.locator("input[name=date]").fill(day(100).isoformat())
    form.locator("input[name=hours]").fill("0")
    pick(form, "d_contacts", "M0100", "M0100")
    form.get_by_role("button", name="保存培训记录").click()
    expect(page.locator("#f-field-hours .field-errors")).to_contain_text("学时须大于0且不超过200")
    assert not TrainingSession.objects.exists()
    form = page.locator("#session-new form")
    form.locator("input[name=hours]").fill("4")
    form.get_by_role("button", name="保存培训记录").click()
    row = page.locator("#sessions tbody tr").first
    expect(row).to_contain_text("学习《中国共产党发展党员工作细则》")
    expect(row).to_contain_text("党员0（培养联系人）")
    screenshot(page, "training-sessions")

    page.context.clear_cookies()
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/P0001/")
    page.select_option(f"#pick-{pw.case.pk}", "S05")
    step = page.locator("form.step-form")
    step.locator("#id_date").fill(day(125).isoformat())
    for pid in ("M0100", "M0101"):
        step.locator("input[name=q-d_contacts]").fill(pid)
        step.locator(f"#results-d_contacts button[data-pid='{pid}']").click()
    step.locator("button[type=submit]").click()
    done = page.locator("tr[data-step=S05]")
    expect(done).to_contain_text("已完成")
    expect(done.locator(".finding.warn")).to_have_attribute(
        "title", "培养联系人 党员1（M0101） 未参加过发展党员业务培训（“指定培养联系人”2020-07-05）"
    )

    page.goto(f"{live_server.url}/training/untrained/")
    expect(page.locator("#untrained-counts tr[data-org=SZQ-LH-01]")).to_contain_text("2")
    expect(page.locator("#untrained-people")).to_contain_text("党员1")
    expect(page.locator("#untrained-people")).not_to_contain_text("党员0")
    screenshot(page, "training-untrained")
