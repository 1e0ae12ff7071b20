"""The whole procedure in a real browser: one person from the written application (S01) to the archive (S25),
each step entered on the person page by the user whose role acts at it — the village branch secretary, the
township organizer and approver, the district reviewer — with the clock moved to the day of each step. On the
way, five entries the rules forbid are refused with the rule id and article at the field, and nothing of
them is written."""

import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from fazhan.demo.world import LEGAL_PATH
from fazhan.people.services import person_create
from fazhan.prereview.models import FormStatus, NumberedForm
from fazhan.procedure.definition import APPROVER, DISTRICT, STEPS_BY_CODE, TOWNSHIP, CaseStage
from fazhan.procedure.models import Case, StepRecord
from tests.browser.conftest import login, screenshot
from tests.conftest import make_id_number, person_data
from tests.procedure.conftest import day, legal_details

PID = "P0100"
BORN = datetime.date(1999, 1, 1)


def at(offset: int) -> datetime.datetime:
    return datetime.datetime.combine(day(offset), datetime.time(10), tzinfo=ZoneInfo("Asia/Shanghai"))


def who(step: str, n: int) -> str:
    """The demo-world user who records the n-th record of a step: the district reviews second (S13)."""
    actors = STEPS_BY_CODE[step].actors
    if set(actors) <= set(DISTRICT) or (step == "S13" and n == 1):
        return "district"
    if set(actors) == set(APPROVER):
        return "lh_approver"
    if set(actors) <= set(TOWNSHIP + DISTRICT):
        return "lh_organizer"
    return "sec1"


class Session:
    def __init__(self, page: Page, live_server):
        self.page, self.live_server, self.user = page, live_server, ""

    def as_user(self, username: str) -> Page:
        if username != self.user:
            self.page.context.clear_cookies()
            login(self.page, self.live_server, username)
            self.user = username
        self.page.goto(f"{self.live_server.url}/people/{PID}/")
        return self.page


def fill_step(page: Page, case: Case, step: str, date: datetime.date, details: dict):
    page.select_option(f"#pick-{case.pk}", step)
    form = page.locator("form.step-form")
    expect(form.locator("input[name=step]")).to_have_value(step)
    form.locator("#id_date").fill(date.isoformat())
    for key, value in details.items():
        kind = STEPS_BY_CODE[step].details[key].kind
        field = form.locator(f"[name=d_{key}]")
        if kind == "pids":
            for pid in value:
                pick_person(form, key, pid, pid)
        elif kind in ("org", "orgs"):
            field.select_option(value)
        elif kind == "bool":
            field.select_option("true" if value else "false")
        elif kind == "choice":
            field.select_option(value)
        elif kind == "choices":
            for v in value:
                form.locator(f"input[name=d_{key}][value={v}]").check()
        elif kind == "flags":
            for v, applies in value.items():
                if applies:
                    form.locator(f"input[name=d_{key}][value={v}]").check()
        else:
            field.fill(str(value))
    form.locator("button[type=submit]").click()
    return form


def pick_person(form, key: str, typed: str, pid: str) -> None:
    """The person picker: type into its search box, click the result that is `pid`, see it ticked (a
    person already ticked, as on a refused form shown again, stays as they are)."""
    if form.locator(f"#chosen-d_{key} input[value='{pid}']").count():
        return
    form.locator(f"input[name=q-d_{key}]").fill(typed)
    form.locator(f"#results-d_{key} button[data-pid='{pid}']").click()
    expect(form.locator(f"#chosen-d_{key} input[value='{pid}']")).to_be_checked()


def expect_done(page: Page, step: str, date: datetime.date):
    expect(page.locator(f"tr[data-step={step}]").filter(has_text=date.isoformat()).first).to_contain_text(
        "已完成"
    )


def expect_refused(page: Page, rule: str, article: str, field: str = "date"):
    error = page.locator(f"form.step-form #field-{field} .field-errors")
    expect(error).to_contain_text(rule)
    expect(error).to_contain_text(article)


def test_one_person_walks_all_25_steps_in_the_browser(
    page: Page, live_server, transactional_db, pw, time_machine, settings
):
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600  # the clock jumps weeks between steps
    time_machine.move_to(at(0))
    person_create(
        actor=None, pid=PID, id_number=make_id_number(BORN, 17), data=person_data(pw.branch1, name="陈晓东")
    )
    s = Session(page, live_server)

    # S01 — an application dated before the 18th birthday is refused (ELIG-AGE, Art.5), then received.
    p = s.as_user("sec1")
    apply = p.locator("#register-apply")
    apply.locator("summary").click()
    apply.locator("input[name=date]").fill("2016-12-31")
    apply.locator("button[type=submit]").click()
    error = p.locator("#apply-field-date .field-errors")
    expect(error).to_contain_text("ELIG-AGE")
    expect(error).to_contain_text("《细则》（2014）第五条")
    expect(error).to_contain_text("最早可于2017年1月1日办理")
    assert not Case.objects.filter(person__pid=PID).exists()
    p.locator("#register-apply input[name=date]").fill(day(0).isoformat())
    p.locator("#register-apply button[type=submit]").click()
    expect_done(p, "S01", day(0))
    pw.case = Case.objects.get(person__pid=PID)

    seen: dict[str, int] = {}
    for step, offset in LEGAL_PATH[1:]:
        n = seen.get(step, 0)
        seen[step] = n + 1
        time_machine.move_to(at(offset))
        details = legal_details(step, n, pw)
        p = s.as_user(who(step, n))

        if step == "S07":  # a target decided before a year of cultivation (TGT-1YEAR, Art.13)
            fill_step(p, pw.case, step, day(offset - 60), details)
            expect_refused(p, "TGT-1YEAR", "《细则》（2014）第十三条")
            screenshot(p, "walk-refused-tgt-1year")
        elif step == "S09":  # a single introducer (INTRO-2, Art.14)
            fill_step(p, pw.case, step, day(offset), {"introducers": details["introducers"][:1]})
            expect_refused(p, "INTRO-2", "《细则》（2014）第十四条", "d_introducers")
        elif step == "S14":  # the district issues the numbered form; a wrong number is refused (FORM-MATCH)
            p = s.as_user("district")
            issue = p.locator("#register-form-issue")
            issue.locator("summary").click()
            issue.locator("input[name=number]").fill(details["form_number"])
            issue.locator("input[name=issued_on]").fill(day(offset).isoformat())
            issue.locator("button[type=submit]").click()
            expect(p.locator("#numbered-forms")).to_contain_text(details["form_number"])
            p = s.as_user("sec1")
            fill_step(p, pw.case, step, day(offset), {"form_number": "SZQ2021-9999"})
            expect_refused(p, "FORM-MATCH", "2018年发展党员工作通知第三部分", "d_form_number")
        elif step == "S15":  # half the entitled members present: no quorum (ACC-QUORUM, Art.20)
            entitled = details["entitled"]
            short = {**details, "present": entitled // 2, "for": entitled // 2, "abstain": 0}
            fill_step(p, pw.case, step, day(offset), short)
            expect_refused(p, "ACC-QUORUM", "《细则》（2014）第二十条")
            screenshot(p, "walk-refused-acc-quorum")

        if step in ("S07", "S09", "S14", "S15"):
            assert not StepRecord.objects.filter(case=pw.case, step=step).exists()
            p = s.as_user(who(step, n))
        fill_step(p, pw.case, step, day(offset), details)
        expect_done(p, step, day(offset))

    case = Case.objects.get(pk=pw.case.pk)
    assert case.stage == CaseStage.FULL
    assert case.person.party_status == "full"
    assert NumberedForm.objects.get(person=case.person).status == FormStatus.USED
    users = set(StepRecord.objects.filter(case=case).values_list("recorded_by__username", flat=True))
    assert users == {"sec1", "lh_organizer", "lh_approver", "district"}
    screenshot(p, "walk-archived", full_page=True)
