"""The to-do lists of a branch secretary and a township organizer on a fixed dataset, item by item."""

import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.core.management import call_command

from fazhan.core.calendar import add_months
from fazhan.desk.todo import todo_for_user
from fazhan.people.services import person_create
from fazhan.prereview.services import prereview_batch_submit
from fazhan.procedure.services import case_open, case_record_step
from tests.conftest import make_id_number, person_data
from tests.procedure.conftest import (
    LEGAL_PATH,
    START,
    day,
    issue_legal_form,
    legal_details,
    next_offset,
    walk,
)
from tests.workbooks import assert_shaped, table

TODAY = day(665)  # 2021-12-27


@pytest.fixture
def dataset(pw):
    """A: applied, no talk yet. B: activist with no examination or report. C: branch meeting held, waiting
    for approval. D: branch committee reviewed, waiting for the pre-review."""
    people = {"A": pw.p1}
    for n, key in enumerate("BCD", start=1):
        people[key] = person_create(
            actor=None,
            pid=f"P01{n:02d}",
            id_number=make_id_number(datetime.date(1996, 1, n), 11 + 2 * n),
            data=person_data(pw.branch1, name=f"候选人{key}"),
        )
    stops = {"A": "S01", "B": "S05", "C": "S15", "D": "S12"}
    for key, upto in stops.items():
        pw.case = case_open(actor=None, person=people[key], opened_on=START)
        walk(pw, upto)
    return people


def _items(user):
    return [(i.due, i.kind, i.case.person.pid) for i in todo_for_user(user, today=TODAY)]


def test_the_branch_secretary_sees_the_branchs_own_work_soonest_first(pw, dataset):
    assert _items(pw.users["sec1"]) == [
        (datetime.date(2020, 4, 2), "talk", "P0001"),  # application 2020-03-02 + 1 month
        (
            datetime.date(2020, 9, 19),
            "thought_report",
            "P0101",
        ),  # first quarter from the activist date 2020-06-20
        (datetime.date(2020, 12, 19), "examination", "P0101"),  # first half year
        (datetime.date(2021, 6, 20), "target_ready", "P0101"),  # a year of cultivation
    ]


def test_the_township_organizer_also_sees_pre_reviews_and_approvals(pw, dataset):
    assert _items(pw.users["lh_organizer"]) == [
        (datetime.date(2020, 4, 2), "talk", "P0001"),
        (datetime.date(2020, 9, 19), "thought_report", "P0101"),
        (datetime.date(2020, 12, 19), "examination", "P0101"),
        (datetime.date(2021, 6, 20), "target_ready", "P0101"),
        (datetime.date(2021, 10, 18), "prereview", "P0103"),  # branch review 2021-09-18 + 1 month
        # the committee's talk (S16) comes before the approval, within the same three months (APV-TIME)
        (datetime.date(2022, 1, 23), "committee_talk", "P0102"),
        (datetime.date(2022, 1, 23), "approval", "P0102"),  # branch meeting 2021-10-23 + 3 months
    ]


def test_other_branches_and_townships_see_none_of_it(pw, dataset):
    assert _items(pw.users["sec2"]) == []
    assert _items(pw.users["yx_organizer"]) == []


def test_an_item_not_yet_allowed_and_due_beyond_a_month_waits_but_work_allowed_now_is_listed(pw, dataset):
    # 2020-12-27: B's year of cultivation ends 2021-06-20, beyond the month: not listed yet
    assert "target_ready" not in {i.kind for i in todo_for_user(pw.users["lh_organizer"], today=day(300))}
    # 2021-12-02: C's approval is due in 52 days, but the branch meeting has been held: the approver has it
    items = todo_for_user(pw.users["lh_approver"], today=day(640))
    approval = next(i for i in items if i.kind == "approval")
    assert (approval.due, approval.overdue, approval.days_left) == (datetime.date(2022, 1, 23), False, 52)


def test_the_todo_page_lists_the_items_and_downloads_them_as_excel(pw, dataset, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2021, 12, 27, 10, tzinfo=datetime.UTC))
    client = client_for("lh_organizer")
    page = client.get("/todo/").content.decode()
    assert page.index("候选人D") < page.index("候选人C")
    assert "逾期" in page
    download = client.get("/todo/?format=xlsx")
    assert "filename*=utf-8''" + quote("待办事项-2021-12-27.xlsx") in download["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    assert_shaped(sheet, title="待办事项")
    rows = table(sheet)
    assert rows[0][:3] == ("到期日", "事项", "姓名")
    assert [r[3] for r in rows[1:]] == ["P0001", "P0101", "P0101", "P0101", "P0103", "P0102", "P0102"]
    states = {r[1]: r[5] for r in rows[1:]}
    # a year of cultivation makes the target decision allowed, not late; the talk and the windows are late by
    # their rules (APP-TALK, ACT-REPORT, ACT-HALFYEAR); "promptly" has no rule, so it is past, not overdue
    # the page's words: allowed since a day that has come
    assert states["积极分子满一年，可确定为发展对象"] == "可办理（自 2021-06-20 起）"
    assert states["谈话"].startswith("逾期")
    assert states["待镇党委预审"].startswith("已过")
    home = client.get("/").content.decode()
    assert "待办 7 项" in home
    assert "其中逾期 3 项" in home


def test_remind_prints_the_items_per_org(pw, dataset):
    out = io.StringIO()
    call_command("remind", org="SZQ-LH", today=TODAY, stdout=out)
    text = out.getvalue()
    assert "SZQ-LH-01" in text
    assert "接收预备党员待镇党委审批 候选人C（P0102）" in text
    assert "可办理（自 2021-06-20 起）" in text
    assert "共 7 项" in text


def test_the_township_sends_the_pre_review_batch_then_the_district_sees_it_then_the_form_to_issue(pw):
    """After the township's pass the district's pre-review is due within a month: the township organizer's
    to send in a batch (the row links to the batch form), then, once sent, the district's to decide; after
    the district's pass, the numbered form. The branch secretary sees none of it."""
    done = walk(pw, until=next(i for i, (s, _) in enumerate(LEGAL_PATH) if s == "S13") + 1)
    township_pass = done["S13"][0].date
    district, organizer = pw.users["district"], pw.users["lh_organizer"]
    due = add_months(township_pass, 1)
    to_send = [i for i in todo_for_user(organizer, today=township_pass) if i.kind == "prereview_send"]
    assert [(i.due, i.form_url, str(i.label)) for i in to_send] == [
        (due, "/prereview/new/", "镇党委预审通过，待报区委组织部预审")
    ]
    assert "prereview_send" not in {
        i.kind for i in todo_for_user(pw.users["lh_approver"], today=township_pass)
    }
    assert "district_prereview" not in {i.kind for i in todo_for_user(district, today=township_pass)}
    prereview_batch_submit(actor=organizer, township=pw.township, cases=[pw.case], submitted_on=township_pass)
    waiting = [(i.kind, i.due) for i in todo_for_user(district, today=township_pass)]
    assert ("district_prereview", due) in waiting
    assert "prereview_send" not in {i.kind for i in todo_for_user(organizer, today=township_pass)}
    assert "district_prereview" not in {i.kind for i in todo_for_user(pw.users["sec1"], today=township_pass)}
    district_pass = day(next_offset("S14") - 5)
    case_record_step(
        actor=None, case=pw.case, step="S13", date=district_pass, details=legal_details("S13", 1, pw)
    )
    kinds = {i.kind: i.due for i in todo_for_user(district, today=district_pass)}
    assert "district_prereview" not in kinds
    assert kinds["form_issue"] == add_months(district_pass, 1)
    assert "form_issue" not in {i.kind for i in todo_for_user(pw.users["sec1"], today=district_pass)}
    issue_legal_form(pw, district_pass)
    assert "form_issue" not in {i.kind for i in todo_for_user(district, today=district_pass)}
