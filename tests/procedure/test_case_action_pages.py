"""The person page's case actions — transfer, exit, the district's numbered form — through the pages: scope
(404 outside the subtree), roles (403), bad input (a field error, nothing changed, never a 500)."""

import pytest

from fazhan.people.models import Person, Transfer
from fazhan.prereview.models import FormStatus, NumberedForm
from fazhan.procedure.models import Case
from tests.procedure.conftest import day, walk

ACTIONS = {
    "transfer": {"to_org": "", "date": "", "materials_transferred": "on"},
    "exit": {"reason": "withdrawn", "date": ""},
    "form/issue": {"number": "", "issued_on": ""},
    "form/void": {"void_reason": ""},
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("username", ["sec2", "yx_organizer", "admin"])
def test_a_case_action_outside_the_users_subtree_is_404(pw, client_for, username, action):
    walk(pw, "S01")
    response = client_for(username).post(f"/people/P0001/{action}/", ACTIONS[action])
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("username", "action"),
    [("sec1", "transfer"), ("sec1", "form/issue"), ("lh_organizer", "form/issue"), ("inspector_lh", "exit")],
)
def test_a_case_action_of_another_role_is_403(pw, client_for, username, action):
    walk(pw, "S01")
    assert client_for(username).post(f"/people/P0001/{action}/", ACTIONS[action]).status_code == 403


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"to_org": "", "date": day(30).isoformat()}, "to_org"),
        ({"to_org": "999999", "date": day(30).isoformat()}, "to_org"),
        ({"to_org": "BRANCH2", "date": "2020-02-31"}, "date"),
        ({"to_org": "BRANCH2", "date": "9999-01-01"}, "date"),
        ({"to_org": "BRANCH1", "date": day(30).isoformat()}, "to_org"),
    ],
)
def test_bad_transfer_input_gives_a_field_error_and_moves_nobody(pw, client_for, data, field):
    walk(pw, "S01")
    ids = {"BRANCH1": str(pw.branch1.pk), "BRANCH2": str(pw.branch2.pk)}
    data = {**data, "to_org": ids.get(data["to_org"], data["to_org"])}
    response = client_for("lh_organizer").post("/people/P0001/transfer/", data)
    assert response.status_code == 200
    assert response.context["transfer_form"].errors[field]
    assert not Transfer.objects.exists()
    assert Person.objects.get(pk=pw.p1.pk).org == pw.branch1


def test_a_transfer_through_the_page_moves_the_person(pw, client_for):
    walk(pw, "S01")
    data = {"to_org": pw.branch2.pk, "date": day(30).isoformat(), "materials_transferred": "on"}
    response = client_for("lh_organizer").post("/people/P0001/transfer/", data)
    assert response.status_code == 302
    assert Person.objects.get(pk=pw.p1.pk).org == pw.branch2
    assert Transfer.objects.get().materials_transferred is True


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "invalidated", "date": day(5).isoformat()}, "reason"),  # not a branch's to decide
        ({"reason": "withdrawn", "date": day(-5).isoformat()}, "date"),
        ({"reason": "withdrawn", "date": "junk"}, "date"),
        ({"reason": "", "date": day(5).isoformat()}, "reason"),
    ],
)
def test_bad_exit_input_gives_a_field_error_and_ends_nothing(pw, client_for, data, field):
    walk(pw, "S01")
    response = client_for("sec1").post("/people/P0001/exit/", data)
    assert response.status_code == 200
    assert response.context["exit_form"].errors[field]
    assert Case.objects.get(pk=pw.case.pk).closed_on is None


def test_a_withdrawal_through_the_page_ends_the_case_and_says_so(pw, client_for):
    walk(pw, "S01")
    client = client_for("sec1")
    assert (
        client.post("/people/P0001/exit/", {"reason": "withdrawn", "date": day(5).isoformat()}).status_code
        == 302
    )
    page = client.get("/people/P0001/").content.decode()
    assert "终止：本人撤回申请" in page
    assert Case.objects.get(pk=pw.case.pk).exit_reason == "withdrawn"


def test_the_district_issues_a_form_on_the_person_page_and_the_s14_form_offers_it(pw, client_for):
    walk(pw, "S13")
    client = client_for("district")
    early = client.post(
        "/people/P0001/form/issue/", {"number": "SZQ2021-0001", "issued_on": day(500).isoformat()}
    )
    assert "PRE-DISTRICT" in " ".join(early.context["form_issue_form"].errors["issued_on"])
    assert not NumberedForm.objects.exists()
    done = client.post(
        "/people/P0001/form/issue/", {"number": "SZQ2021-0001", "issued_on": day(586).isoformat()}
    )
    assert done.status_code == 302
    assert NumberedForm.objects.get().status == FormStatus.ISSUED
    entry = client_for("sec1").get(f"/cases/{pw.case.pk}/step/?step=S14").content.decode()
    assert 'value="SZQ2021-0001"' in entry


def test_a_void_needs_its_reason_and_then_frees_the_person_for_a_new_serial(pw, client_for):
    walk(pw, "S13")
    client = client_for("district")
    client.post("/people/P0001/form/issue/", {"number": "SZQ2021-0001", "issued_on": day(586).isoformat()})
    bare = client.post("/people/P0001/form/void/", {"void_reason": ""})
    assert bare.context["form_void_form"].errors["void_reason"]
    assert client.post("/people/P0001/form/void/", {"void_reason": "污损", "lost": ""}).status_code == 302
    assert NumberedForm.objects.get().status == FormStatus.VOIDED
    again = client.post(
        "/people/P0001/form/issue/", {"number": "SZQ2021-0002", "issued_on": day(587).isoformat()}
    )
    assert again.status_code == 302


def test_an_application_opens_the_case_with_its_first_step(world, client_for):
    response = client_for("sec1").post("/people/P0001/apply/", {"date": "2020-03-02"})
    assert response.status_code == 302
    case = Case.objects.get(person=world.p1)
    assert [(s.step, s.date.isoformat()) for s in case.steps.all()] == [("S01", "2020-03-02")]


def test_elig_age_an_application_before_eighteen_is_refused_and_opens_no_case(world, client_for):
    """ELIG-AGE through the page: 张三 was born 1998-03-04; on 2016-03-03 he is 17. Refused with the rule,
    the article and the day he turns 18; no case is left behind."""
    response = client_for("sec1").post("/people/P0001/apply/", {"date": "2016-03-03"})
    errors = " ".join(response.context["apply_form"].errors["date"])
    assert "ELIG-AGE" in errors
    assert "《细则》（2014）第五条" in errors
    assert "最早可于2016年3月4日办理" in errors
    assert not Case.objects.filter(person=world.p1).exists()


def test_a_second_application_while_a_case_is_open_is_refused(world, client_for):
    client = client_for("sec1")
    client.post("/people/P0001/apply/", {"date": "2020-03-02"})
    again = client.post("/people/P0001/apply/", {"date": "2020-04-02"})
    assert again.context["apply_form"].errors["date"]
    assert Case.objects.filter(person=world.p1).count() == 1
