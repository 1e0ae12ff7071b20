"""Membership follows from the case (issue 11, item 4): nobody types party_status, joined_on or full_since for
a person with a case — through the service, the API or the person page; a member who joined before the
record began is registered by a township role with the reason, which the trail keeps."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import Person
from fazhan.people.services import person_create, person_update
from fazhan.procedure.services import case_open
from tests.api.conftest import api_for, token_for  # noqa: F401  (fixtures)
from tests.conftest import ID_1998_MALE, make_id_number, person_data
from tests.test_forms_bad_input import form_data

JOINED = datetime.date(2001, 7, 1)
LEGACY_ID = make_id_number(datetime.date(1970, 4, 4), 77)


@pytest.fixture
def with_case(world):
    """张三 (P0001) has a case: their membership follows from it."""
    case_open(actor=None, person=world.p1, opened_on=datetime.date(2020, 3, 2))
    return world


def membership(pid: str) -> tuple:
    p = Person.objects.get(pid=pid)
    return (p.party_status, p.joined_on, p.full_since)


def edit(world, person: Person, **changes) -> dict:
    """What the person's own page sends back, with `changes`."""
    return person_data(person.org, **{"name": person.name, **changes})


# --- the service --------------------------------------------------------------------------------------------


def test_the_service_refuses_membership_for_a_person_with_a_case_whoever_asks(with_case):
    w = with_case
    for actor in (None, w.users["lh_organizer"]):
        with pytest.raises(ValidationError) as refused:
            person_update(
                actor=actor,
                person=Person.objects.get(pid="P0001"),
                id_number=ID_1998_MALE,
                data=edit(w, w.p1, party_status="full", joined_on=JOINED),
                membership_reason="组织关系介绍信",
            )
        assert "由发展程序" in refused.value.message_dict["party_status"][0]
        assert "joined_on" in refused.value.message_dict
    assert membership("P0001") == ("", None, None)


def test_a_branch_secretary_cannot_register_a_member_without_a_case(world):
    with pytest.raises(ValidationError) as refused:
        person_create(
            actor=world.users["sec1"],
            id_number=LEGACY_ID,
            data=person_data(world.branch1, name="老党员", party_status="full", joined_on=JOINED),
            membership_reason="党员档案",
        )
    assert "乡镇党委" in refused.value.message_dict["party_status"][0]
    assert not Person.objects.filter(name="老党员").exists()


def test_a_township_role_registers_a_legacy_member_only_with_the_reason_and_the_trail_keeps_it(world):
    data = person_data(world.branch1, name="老党员", party_status="full", joined_on=JOINED)
    with pytest.raises(ValidationError) as refused:
        person_create(actor=world.users["lh_organizer"], id_number=LEGACY_ID, data=data)
    assert "依据" in refused.value.message_dict["membership_reason"][0]
    assert not Person.objects.filter(name="老党员").exists()
    person = person_create(
        actor=world.users["lh_organizer"], id_number=LEGACY_ID, data=data, membership_reason="组织关系介绍信"
    )
    event = AuditEvent.objects.get(action="person.create", target_id=str(person.pk))
    assert event.data["membership"]["reason"] == "组织关系介绍信"
    assert event.data["membership"]["party_status"] == "full"


def test_a_legacy_members_membership_is_corrected_by_the_township_with_a_reason(world):
    m1 = Person.objects.get(pid="M0001")
    person_update(
        actor=world.users["lh_approver"],
        person=m1,
        id_number=m1.id_number,
        data=edit(world, m1, party_status="full", joined_on=datetime.date(1991, 7, 1)),
        membership_reason="据党员档案更正入党日期",
    )
    assert membership("M0001")[1] == datetime.date(1991, 7, 1)
    event = AuditEvent.objects.filter(action="person.update", target_id=str(m1.pk)).latest("pk")
    assert event.data["changed"] == ["joined_on"]
    assert event.data["membership"]["reason"] == "据党员档案更正入党日期"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"party_status": "", "joined_on": JOINED}, "joined_on"),
        ({"party_status": "probationary", "joined_on": JOINED, "full_since": JOINED}, "full_since"),
        (
            {"party_status": "full", "joined_on": JOINED, "full_since": datetime.date(2000, 1, 1)},
            "full_since",
        ),
    ],
)
def test_an_impossible_membership_is_refused_at_its_field(world, changes, field):
    with pytest.raises(ValidationError) as refused:
        person_create(
            actor=None, id_number=LEGACY_ID, data=person_data(world.branch1, name="老党员", **changes)
        )
    assert field in refused.value.message_dict


def test_an_unchanged_membership_passes_whoever_edits_the_person(with_case):
    """The person page sends the membership back as it stands: that is no change, and no refusal."""
    w = with_case
    updated = person_update(
        actor=w.users["sec1"],
        person=Person.objects.get(pid="P0001"),
        id_number=ID_1998_MALE,
        data=edit(w, w.p1, residence="高桥村3组"),
    )
    assert updated.residence == "高桥村3组"


def test_the_trail_names_an_id_number_change_without_the_number(world):
    new_number = make_id_number(datetime.date(1998, 3, 4), 17)
    person_update(
        actor=world.users["sec1"],
        person=Person.objects.get(pid="P0001"),
        id_number=new_number,
        data=edit(world, world.p1, name="张叁"),
    )
    event = AuditEvent.objects.filter(action="person.update").latest("pk")
    assert event.data["changed"] == ["id_number", "name"]
    assert new_number not in str(event.data)
    assert ID_1998_MALE not in str(event.data)


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_refuses_typed_membership_for_a_development_target(with_case, api_for):  # noqa: F811
    response = api_for("lh_organizer").patch(
        "/api/v1/persons/P0001",
        {"party_status": "full", "joined_on": "2019-07-01", "membership_reason": "补录"},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"party_status", "joined_on"} <= fields
    assert membership("P0001") == ("", None, None)


def test_the_api_registers_a_legacy_member_for_the_township_with_its_reason(world, api_for):  # noqa: F811
    body = {
        "id_number": LEGACY_ID,
        "name": "老党员",
        "org": "SZQ-LH-01",
        "education": "高中",
        "occupation": "农牧渔民",
        "party_status": "full",
        "joined_on": "2001-07-01",
    }
    refused = api_for("sec1").post("/api/v1/persons", body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "party_status"
    bare = api_for("lh_organizer").post("/api/v1/persons", body)
    assert [e["field"] for e in bare.json()["errors"]] == ["membership_reason"]
    assert not Person.objects.filter(name="老党员").exists()
    made = api_for("lh_organizer").post("/api/v1/persons", {**body, "membership_reason": "党员档案"})
    assert made.status_code == 201
    assert made.json()["party_status"] == "full"


# --- the person page ----------------------------------------------------------------------------------------


def test_the_person_page_shows_a_case_persons_membership_as_the_procedure_set_it(with_case, client_for):
    w = with_case
    client = client_for("lh_organizer")
    page = client.get("/people/P0001/edit/")
    assert page.context["form"].fields["party_status"].disabled
    assert "membership_reason" not in page.context["form"].fields
    data = form_data(w, name="张三", id_number=ID_1998_MALE, party_status="full", joined_on="2019-07-01")
    assert client.post("/people/P0001/edit/", data).status_code == 302  # the disabled fields send nothing
    assert membership("P0001") == ("", None, None)


def test_the_person_page_asks_the_township_for_the_reason_of_a_legacy_membership(world, client_for):
    client = client_for("lh_organizer")
    data = form_data(world, name="老党员", id_number=LEGACY_ID, party_status="full", joined_on="2001-07-01")
    response = client.post("/people/new/", data)
    assert response.status_code == 200
    assert "依据" in response.context["form"].errors["membership_reason"][0]
    assert not Person.objects.filter(name="老党员").exists()
    response = client.post("/people/new/", {**data, "membership_reason": "组织关系介绍信"})
    assert response.status_code == 302
    assert membership(Person.objects.get(name="老党员").pid)[0] == "full"


def test_the_person_page_gives_a_branch_secretary_no_membership_to_type(world, client_for):
    client = client_for("sec1")
    assert client.get("/people/new/").context["form"].fields["joined_on"].disabled
    data = form_data(world, name="新人", party_status="full", joined_on="2001-07-01")
    assert client.post("/people/new/", data).status_code == 302
    assert membership(Person.objects.get(name="新人").pid) == ("", None, None)
