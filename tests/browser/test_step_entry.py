"""Step entry on the person page: a refusal names the rule, the article and the earliest date; the entry
made on that date lands on the timeline."""

import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from fazhan.procedure.models import StepRecord
from tests.browser.conftest import login, screenshot
from tests.browser.test_full_walk import pick_person
from tests.procedure.conftest import day, walk


def at(offset: int) -> datetime.datetime:
    return datetime.datetime.combine(day(offset), datetime.time(10), tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_target_decided_too_early_is_refused_with_its_rule_then_recorded_on_time(
    page: Page, live_server, transactional_db, pw, time_machine, settings
):
    settings.SESSION_COOKIE_AGE = 30 * 24 * 3600  # the clock jumps a week with the page open
    time_machine.move_to(at(468))
    walk(pw, "S06")
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/P0001/")
    expect(page.locator("tr[data-step=S07]")).to_contain_text("最早 2021-06-20")  # the procedure calendar

    page.select_option(f"#pick-{pw.case.pk}", "S07")
    form = page.locator("form.step-form")
    expect(form).to_contain_text("确定发展对象")
    form.locator("#id_date").fill(day(465).isoformat())
    for value in ("party_group", "contacts", "members", "public"):
        form.locator(f"input[name=d_opinions_heard][value={value}]").check()
    form.locator("#id_d_publicity_from").fill(day(455).isoformat())
    form.locator("#id_d_publicity_to").fill(day(461).isoformat())
    form.locator("button[type=submit]").click()

    error = page.locator("form.step-form #field-date .field-errors")
    expect(error).to_contain_text("TGT-1YEAR")
    expect(error).to_contain_text("《细则》（2014）第十三条")
    expect(error).to_contain_text("最早可于2021年6月20日办理")
    screenshot(page, "step-refused-tgt-1year")
    assert not pw.case.steps.filter(step="S07").exists()

    time_machine.move_to(at(476))  # a week later the committee meets again
    page.locator("form.step-form #id_date").fill(day(475).isoformat())
    page.locator("form.step-form button[type=submit]").click()

    done = page.locator("tr[data-step=S07]")
    screenshot(page, "step-recorded-s07")
    expect(done).to_contain_text("已完成")
    expect(done).to_contain_text(day(475).isoformat())
    assert pw.case.steps.get(step="S07").recorded_by.username == "sec1"


def test_a_branch_secretary_is_offered_only_the_steps_a_branch_records(
    page: Page, live_server, transactional_db, pw
):
    walk(pw, "S07")
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/P0001/")
    options = page.locator(f"#pick-{pw.case.pk} option").all_inner_texts()
    assert any("培养教育考察" in o for o in options)  # S06 repeats; S09 waits for the township's S08
    assert not any("报上级党委备案" in o for o in options)  # S08 is the township's
    page.context.clear_cookies()
    login(page, live_server, "lh_organizer")
    page.goto(f"{live_server.url}/people/P0001/")
    assert any("报上级党委备案" in o for o in page.locator(f"#pick-{pw.case.pk} option").all_inner_texts())


def test_a_talker_is_picked_by_pinyin_initials_and_the_talk_recorded(
    page: Page, live_server, transactional_db, pw
):
    """Step 2: the branch secretary types 高建国's initials (gjg) into the talker picker, picks him from the
    results (name and number shown, no code typed) and records the talk."""
    walk(pw, "S01")
    login(page, live_server, "sec1")
    page.goto(f"{live_server.url}/people/P0001/")
    page.select_option(f"#pick-{pw.case.pk}", "S02")
    form = page.locator("form.step-form")
    form.locator("#id_date").fill(day(18).isoformat())
    form.locator("input[name=q-d_talkers]").fill("gjg")
    result = form.locator("#results-d_talkers button[data-pid=M0001]")
    expect(result).to_contain_text("高建国")
    expect(result).to_contain_text("M0001")
    screenshot(page, "step-person-picker")
    pick_person(form, "talkers", "gjg", "M0001")
    form.locator("button[type=submit]").click()
    expect(page.locator("tr[data-step=S02]")).to_contain_text("已完成")
    assert StepRecord.objects.get(case=pw.case, step="S02").details == {"talkers": ["M0001"]}
