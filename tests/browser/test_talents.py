"""Key talents in a real browser: the township organizer marks 李四 a key person, picks 高建国 as his
leader with the person picker, and records a contact; the plan page's coverage goes 0/1 → 1/1."""

from django.utils import timezone
from playwright.sync_api import Page, expect

from fazhan.plans.services import plan_allocate
from fazhan.talents.models import Contact
from tests.browser.conftest import login, screenshot


def test_a_key_person_gets_a_leader_and_a_contact_and_the_plan_page_shows_coverage(
    page: Page, live_server, transactional_db, world
):
    year = timezone.localdate().year
    plan_allocate(actor=None, org=world.district, year=year, quota=10)
    plan_allocate(actor=None, org=world.township, year=year, quota=6)
    login(page, live_server, "lh_organizer")
    page.locator(".topbar, nav").get_by_role("link", name="重点人才").first.click()
    expect(page).to_have_url(f"{live_server.url}/talents/SZQ-LH/{year}/")

    page.locator("#talent-mark summary").click()
    form = page.locator("#talent-mark form")
    form.locator("select[name=person]").select_option("P0002")
    form.locator("select[name=category]").select_option("entrepreneur")
    form.get_by_role("button", name="确定为重点培养对象").click()
    expect(page.locator("#talent-person-list tr[data-person=P0002]")).to_contain_text("创业领军人")
    expect(page.locator("#talent-uncovered tr[data-person=P0002]")).to_contain_text("未确定联系领导干部")

    page.goto(f"{live_server.url}/plans/SZQ-LH/{year}/")
    expect(page.locator("#plan-talent-covered")).to_have_text("0/1")

    page.locator("#talents-open").click()
    page.locator("#talent-assign summary").click()
    assign = page.locator("#talent-assign form")
    assign.locator("input[name=q-d_leaders]").fill("gjg")
    assign.locator("#results-d_leaders button[data-pid='M0001']").click()
    expect(assign.locator("#chosen-d_leaders input[value='M0001']")).to_be_checked()
    assign.get_by_role("button", name="确定联系").click()
    expect(page.locator("#talent-person-list tr[data-person=P0002] .leaders")).to_contain_text("高建国")
    expect(page.locator("#talent-uncovered tr[data-person=P0002]")).to_contain_text("近一个季度无联系记录")

    page.locator("#talent-contact summary").click()
    contact = page.locator("#talent-contact form")
    contact.locator("select[name=way]").select_option("visit")
    contact.locator("textarea[name=note]").fill("走访企业，了解创业情况")
    contact.get_by_role("button", name="登记联系").click()
    expect(page.locator("#talent-person-list tr[data-person=P0002] .covered")).to_have_text("已覆盖")

    page.goto(f"{live_server.url}/plans/SZQ-LH/{year}/")
    expect(page.locator("#plan-talent-covered")).to_have_text("1/1")
    expect(page.locator("#plan-talent-orgs tr[data-org=SZQ-LH-02] .covered")).to_have_text("1")
    assert Contact.objects.get().recorded_by.username == "lh_organizer"
    screenshot(page, "talents-plan-coverage", full_page=True)
