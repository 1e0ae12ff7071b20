"""The township approver's to-do list in a real browser: after the branch meeting the committee's talk and
its approval are listed, marked overdue only as the rule says, and each row opens the step's entry form."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot
from tests.procedure.conftest import walk


def test_the_township_approver_sees_the_committees_work_and_opens_its_form(
    page: Page, live_server, transactional_db, pw
):
    walk(pw, "S15")  # the branch meeting of 2021-10-23: the committee's talk (S16) and approval (S17) next
    login(page, live_server, "lh_approver")
    page.get_by_role("link", name="待办").first.click()
    rows = page.locator("#todo-table tbody tr")
    talk = page.locator("#todo-table tr[data-kind=committee_talk]")
    approval = page.locator("#todo-table tr[data-kind=approval]")
    expect(talk).to_contain_text("张三")
    expect(approval).to_contain_text("接收预备党员待镇党委审批")
    # years past the three (and six) months of APV-TIME: the rule says it is overdue
    expect(approval).to_contain_text("逾期")
    # the branch's own work is not the approver's
    expect(page.locator("#todo-table tr[data-kind=talk]")).to_have_count(0)
    expect(rows).to_have_count(2)
    screenshot(page, "todo-township-approver", full_page=True)
    talk.get_by_role("link", name="去办理").click()
    expect(page.locator(f"#pick-{pw.case.pk}")).to_have_value("S16")
    expect(page.locator(f"#entry-{pw.case.pk} form.step-form")).to_be_visible()
