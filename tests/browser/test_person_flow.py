"""The acceptance scenario of the person pages, in a real browser.

A village branch secretary (sec1, SZQ-LH-01) sees only the branch's people with masked ID numbers, registers
a person, is stopped at the ID-number field by a wrong check character, corrects it, finds the person by
pinyin initials, and registers someone born in 1960 under 511002 (a county code created in 1985).
"""

import datetime
import re

from playwright.sync_api import Page, expect

from fazhan.people.models import Person
from tests.browser.conftest import login, screenshot
from tests.conftest import ID_1960_MALE, ID_1998_MALE, make_id_number

BRANCH1_NAME = "中共罗汉镇高桥村支部委员会"


def wrong_check_character(number: str) -> str:
    """The same number with a check character that cannot be right."""
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def fill_person_form(
    page: Page,
    *,
    name: str,
    id_number: str,
    education: str = "大学本科",
    occupation: str = "专业技术人员",
    ethnicity: str = "汉族",
) -> None:
    page.fill("#id_name", name)
    page.fill("#id_id_number", id_number)
    page.select_option("#id_ethnicity", ethnicity)
    page.select_option("#id_education", education)
    page.select_option("#id_occupation", occupation)
    page.select_option("#id_org", label=BRANCH1_NAME)


def row(page: Page, pid: str):
    cell = page.locator("td", has_text=re.compile(f"^{pid}$"))
    return page.locator("#person-table tbody tr").filter(has=cell)


def test_branch_secretary_sees_own_branch_with_masked_id_numbers(page: Page, live_server, browser_world):
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/")

    table = page.locator("#person-table")
    expect(page.locator("h1")).to_have_text("人员")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(row(page, "P0001")).to_contain_text("张三")
    expect(row(page, "M0001")).to_contain_text("高建国")
    for hidden in ("李四", "P0002", "王五", "P0003", "赵六", "P0004"):
        expect(table).not_to_contain_text(hidden)
    expect(page.locator(".pager")).to_contain_text("共 2 人")

    # ID numbers are masked: province/city and the last four only.
    expect(row(page, "P0001").locator("td.mono").first).to_have_text("5110**********1215")
    expect(row(page, "M0001").locator("td.mono").first).to_have_text("5110**********1233")
    html = page.content()
    assert ID_1998_MALE not in html
    assert ID_1960_MALE not in html

    screenshot(page, "person-list-sec1")

    # Another branch's person is not there, even by address.
    response = page.goto(f"{live_server.url}/people/P0002/")
    assert response is not None
    assert response.status == 404


def test_register_person_wrong_check_character_then_correct_and_find_by_initials(
    page: Page, live_server, browser_world
):
    valid = make_id_number(datetime.date(1990, 1, 1), 123)
    wrong = wrong_check_character(valid)
    count_before = Person.objects.count()

    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/")
    page.get_by_role("link", name="登记人员").click()
    expect(page).to_have_url(f"{live_server.url}/people/new/")
    expect(page.locator("h1")).to_have_text("登记人员")

    fill_person_form(page, name="欧阳明", id_number=wrong)
    page.get_by_role("button", name="保存").click()

    # Stopped at the ID-number field, with the check-character message, and nothing saved.
    id_field = page.locator("#field-id_number")
    expect(id_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(id_field.locator("ul.field-errors")).to_contain_text("校验码")
    expect(page.locator("ul.field-errors")).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/people/new/")
    # What was typed is still there to correct.
    expect(page.locator("#id_name")).to_have_value("欧阳明")
    expect(page.locator("#id_id_number")).to_have_value(wrong)
    expect(page.locator("#id_education")).to_have_value("大学本科")
    screenshot(page, "person-create-id-error", full_page=True)
    assert Person.objects.count() == count_before
    assert not Person.objects.filter(name="欧阳明").exists()

    # Corrected: saved, and the detail page shows the person.
    page.fill("#id_id_number", valid)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/people/P\d{4}/$"))
    expect(page.locator("h1")).to_contain_text("欧阳明")
    person = Person.objects.get(name="欧阳明")
    assert person.id_number == valid
    assert person.org.code == "SZQ-LH-01"
    assert (person.gender, person.birth_date) == ("M", datetime.date(1990, 1, 1))
    assert person.name_initials == "oym"
    assert page.url.endswith(f"/people/{person.pid}/")
    expect(page.locator("h1")).to_contain_text(person.pid)
    expect(page.locator("#id-number")).to_have_text(f"5110**********{valid[-4:]}")
    assert Person.objects.count() == count_before + 1

    # Found in the list by pinyin initials; the list updates in place (htmx) as one types.
    page.get_by_role("navigation").get_by_role("link", name="人员", exact=True).click()
    expect(page.locator("#person-table tbody tr")).to_have_count(3)
    with page.expect_response(
        lambda r: "/people/" in r.url and "q=oym" in r.url and r.request.headers.get("hx-request") == "true"
    ) as search:
        page.fill("#id_q", "oym")
    assert search.value.ok
    rows = page.locator("#person-table tbody tr")
    expect(rows).to_have_count(1)
    expect(row(page, person.pid)).to_contain_text("欧阳明")
    expect(page.locator("#person-table")).not_to_contain_text("张三")
    expect(page).to_have_url(re.compile(r"[?&]q=oym\b"))

    # The same search without htmx (a plain form submission, e.g. a bookmarked address) finds it too.
    page.goto(f"{live_server.url}/people/?q=oym")
    expect(page.locator("#id_q")).to_have_value("oym")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("欧阳明")


def test_person_born_1960_under_511002_is_accepted(page: Page, live_server, browser_world):
    number = make_id_number(datetime.date(1960, 8, 20), 457)
    assert number.startswith("511002196008")
    assert number != ID_1960_MALE  # M0001 of the world holds 511002196005121233

    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/new/")
    fill_person_form(
        page, name="陈志远", id_number=number, education="高中", occupation="农牧渔民", ethnicity="回族"
    )
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/people/P\d{4}/$"))
    expect(page.locator("ul.field-errors")).to_have_count(0)
    expect(page.locator("h1")).to_contain_text("陈志远")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("1960-08-20")
    expect(facts).to_contain_text("男")
    expect(facts).to_contain_text("回族")
    expect(facts).to_contain_text("高中")
    person = Person.objects.get(name="陈志远")
    assert person.id_number == number
    assert person.birth_date == datetime.date(1960, 8, 20)
    assert person.org.code == "SZQ-LH-01"


def test_back_to_searched_list_shows_whole_page(page: Page, live_server, browser_world):
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/")
    with page.expect_response(lambda r: "q=zs" in r.url):
        page.fill("#id_q", "zs")
    expect(page.locator("#person-table tbody tr")).to_have_count(1)
    page.locator("#person-table a", has_text="张三").click()
    expect(page.locator("h1")).to_contain_text("张三")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/people/\?q=zs"))
    expect(page.locator("#person-table tbody tr")).to_have_count(1)
    expect(page.locator(".topbar")).to_be_visible(timeout=1_000)
    expect(page.locator("#id_q")).to_have_value("zs", timeout=1_000)
