"""The step form's pickers: persons found by name, pinyin initials or number among the members of the user's
scope (shown with name and pid, never typed as a code), and orgs chosen from those that can hold the part."""

from fazhan.people.models import Person
from tests.procedure.conftest import day, walk


def pick(client, field: str, typed: str):
    return client.get("/people/pick/persons/", {"field": field, f"q-{field}": typed})


def test_a_member_is_found_by_pinyin_initials_with_name_and_number(pw, client_for):
    response = pick(client_for("sec1"), "d_talkers", "gjg")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-pid="M0001"' in page
    assert "高建国" in page


def test_candidates_and_people_outside_the_scope_are_not_offered(pw, client_for):
    assert 'data-pid="P0001"' not in pick(client_for("sec1"), "d_talkers", "zs").content.decode()
    assert 'data-pid="M0001"' not in pick(client_for("sec2"), "d_talkers", "gjg").content.decode()


def test_a_picked_member_comes_back_ticked_and_one_outside_the_scope_is_404(pw, client_for):
    chip = client_for("sec1").get("/people/pick/persons/", {"field": "d_talkers", "pid": "M0001"})
    assert 'name="d_talkers" value="M0001" checked' in chip.content.decode()
    other = client_for("sec2").get("/people/pick/persons/", {"field": "d_talkers", "pid": "M0001"})
    assert other.status_code == 404
    assert client_for("sec1").get("/people/pick/persons/", {"field": "x; drop"}).status_code == 404


def test_the_approver_is_chosen_from_the_committees_with_approval_authority(pw, client_for):
    walk(pw, "S16")
    form = client_for("lh_approver").get(f"/cases/{pw.case.pk}/step/", {"step": "S17"}).context["form"]
    assert [code for code, _label in form.fields["d_approver"].choices] == ["", "SZQ-LH"]


def test_a_filing_is_chosen_from_the_committees_above_the_branch(pw, client_for):
    walk(pw, "S03")
    form = client_for("lh_organizer").get(f"/cases/{pw.case.pk}/step/", {"step": "S04"}).context["form"]
    assert [code for code, _label in form.fields["d_filed_with"].choices] == ["", "SZQ", "SZQ-LH"]


def test_the_contact_form_refuses_a_probationary_member_at_the_picker(pw, client_for):
    """ACT-CONTACT through the page: the refusal stands at the contacts, with its rule and article."""
    walk(pw, "S04")
    Person.objects.filter(pid=pw.members[1].pid).update(party_status="probationary", full_since=None)
    response = client_for("sec1").post(
        f"/cases/{pw.case.pk}/step/",
        {"step": "S05", "date": day(125).isoformat(), "d_contacts": [pw.members[1].pid]},
    )
    assert (
        "指定一至二名正式党员作培养联系人（《细则》（2014）第九条，规则 ACT-CONTACT）"
        in response.context["form"].errors["d_contacts"][0]
    )
    assert not pw.case.steps.filter(step="S05").exists()
