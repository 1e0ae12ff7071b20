"""The floating registers in a real browser: the secretary reaches 流动人员 from the menu, registers 张三 as
flowed out (refused at the field while the org there is no floating-member org, then saved), sees the
floating-member branch list him with his home branch, and records his return."""

from playwright.sync_api import Page, expect

from fazhan.floating.models import FloatingRecord
from fazhan.organizations.models import OrgCategory, OrgKind
from fazhan.organizations.services import org_create
from tests.browser.conftest import login, screenshot


def test_a_secretary_registers_an_outflow_and_the_return(page: Page, live_server, transactional_db, world):
    org_create(
        actor=None,
        code="SZQ-LH-LD",
        name="中共罗汉镇驻东莞流动党员支部委员会",
        kind=OrgKind.BRANCH,
        category=OrgCategory.FLOATING,
        parent=world.township,
    )
    login(page, live_server, "sec1")
    page.locator(".topbar, nav").get_by_role("link", name="流动人员").first.click()
    expect(page).to_have_url(f"{live_server.url}/floating/")
    page.locator("#floating-open summary").click()
    form = page.locator("#floating-open form")
    form.locator("select[name=person]").select_option("P0001")
    form.locator("select[name=direction]").select_option("out")
    form.locator("input[name=place]").fill("广东省东莞市长安镇")
    form.locator("input[name=since]").fill("2025-03-01")
    form.locator("select[name=other_org]").select_option("SZQ-LH-02")
    form.get_by_role("button", name="登记").click()
    expect(page.locator("#open-field-other_org .field-errors")).to_contain_text("须为本区的流动党员党组织")
    form = page.locator("#floating-open form")
    form.locator("select[name=other_org]").select_option("SZQ-LH-LD")
    form.get_by_role("button", name="登记").click()
    row = page.locator("#floating-records tr[data-person=P0001]")
    expect(row).to_contain_text("中共罗汉镇驻东莞流动党员支部委员会")
    expect(row).to_contain_text("2025年3月1日 起")
    screenshot(page, "floating-register")

    page.get_by_role("link", name="流动党员党组织").click()
    expect(page.locator("tr[data-person=P0001]")).to_contain_text("中共罗汉镇高桥村支部委员会")

    page.get_by_role("link", name="流出和流入登记").click()
    row = page.locator("#floating-records tr[data-person=P0001]")
    row.locator("summary").click()
    row.locator("input[name=until]").fill("2025-09-01")
    row.get_by_role("button", name="结束登记").click()
    expect(page.locator("#floating-records tr[data-person=P0001]")).to_have_count(0)  # open records only
    assert str(FloatingRecord.objects.get().until) == "2025-09-01"
