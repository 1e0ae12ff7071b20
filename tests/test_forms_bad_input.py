"""Bad input on every form gives a field error (or a harmless page) and never a 500 nor a change."""

import datetime
import re

import pytest
from django.conf import settings
from django.utils.html import escape

from fazhan.people.models import Person
from fazhan.people.services import person_create
from tests.conftest import ID_1949_FEMALE_X, ID_1960_MALE, ID_1998_MALE, PASSWORD, make_id_number, person_data

NEW_ID = make_id_number(datetime.date(2000, 8, 8), 51)  # male, 2000-08-08
FUTURE_ID = make_id_number(datetime.date(2100, 1, 1), 11)


def form_data(world, **overrides) -> dict:
    data = {
        "name": "钱七",
        "id_number": NEW_ID,
        "gender": "",
        "birth_date": "",
        "ethnicity": "汉族",
        "education": "大学专科",
        "occupation": "农牧渔民",
        "org": str(world.branch1.pk),
        "phone": "13800005678",
        "household_place": "",
        "residence": "",
        "work_unit_org": "",
        "planned_departure": "",
        "party_status": "",
        "joined_on": "",
        "full_since": "",
    }
    data.update(overrides)
    return data


def field_wrapper(content: str, field: str) -> str:
    match = re.search(rf'<div class="field[^"]*" id="field-{field}">(.*?)\n  </div>', content, re.S)
    assert match, f"no wrapper for {field}"
    return match.group(1)


def assert_field_error(response, field: str, text: str = "") -> None:
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert text in " ".join(errors[field])
    wrapper = field_wrapper(response.content.decode(), field)
    assert 'class="field-errors"' in wrapper
    for message in errors[field]:
        assert escape(message) in wrapper


# (overrides, field, text in the error). Each case breaks exactly one thing of a valid submission.
BAD_INPUTS = [
    pytest.param({"id_number": "511002200008085119"}, "id_number", "校验码", id="wrong-check-digit"),
    pytest.param({"id_number": "51100200080851X"}, "id_number", "18位", id="15-chars-not-legacy"),
    pytest.param({"id_number": "5110022000080851101"}, "id_number", "18位", id="19-chars"),
    pytest.param({"id_number": "511002200008085110123"}, "id_number", "", id="21-chars"),
    pytest.param({"id_number": "51100220000808A511"}, "id_number", "前17位", id="letters"),
    pytest.param({"id_number": "abcdefghijklmnopqr"}, "id_number", "前17位", id="all-letters"),
    pytest.param({"id_number": "991002200008085110"}, "id_number", "省级", id="bad-province"),
    pytest.param({"id_number": "511002199802301214"}, "id_number", "真实日期", id="feb-30"),
    pytest.param({"id_number": FUTURE_ID}, "id_number", "未来", id="future-birth"),
    pytest.param({"id_number": ""}, "id_number", "", id="id-missing"),
    pytest.param({"id_number": ID_1960_MALE}, "id_number", "M0001", id="duplicate-id"),
    pytest.param({"id_number": "511002600512123"}, "id_number", "M0001", id="duplicate-id-legacy-form"),
    pytest.param({"gender": "F"}, "gender", "男", id="gender-disagrees"),
    pytest.param({"gender": "X"}, "gender", "", id="gender-unknown"),
    pytest.param({"birth_date": "2000-08-09"}, "birth_date", "2000-08-08", id="birth-date-disagrees"),
    pytest.param({"birth_date": "yesterday"}, "birth_date", "", id="birth-date-not-a-date"),
    pytest.param({"ethnicity": "火星族"}, "ethnicity", "", id="unknown-ethnicity"),
    pytest.param({"education": "博士后"}, "education", "", id="unknown-education"),
    pytest.param({"occupation": "海盗"}, "occupation", "", id="unknown-occupation"),
    pytest.param({"tags": ["青年农民", "外星人"]}, "tags", "", id="unknown-tag"),
    pytest.param({"org": "999999"}, "org", "", id="org-does-not-exist"),
    pytest.param({"org": "abc"}, "org", "", id="org-not-a-number"),
    pytest.param({"org": ""}, "org", "", id="org-missing"),
    pytest.param({"work_unit_org": "999999"}, "work_unit_org", "", id="work-unit-org-unknown"),
    pytest.param({"phone": "138-abc-1234"}, "phone", "数字", id="phone-with-letters"),
    pytest.param({"phone": "1" * 21}, "phone", "", id="phone-too-long"),
    pytest.param({"name": "张" * 10_000}, "name", "", id="name-10000-chars"),
    pytest.param({"name": ""}, "name", "", id="name-missing"),
    pytest.param({"name": "张\x00三"}, "name", "", id="name-with-nul"),
    pytest.param({"household_place": "路" * 201}, "household_place", "", id="household-place-too-long"),
    pytest.param({"joined_on": "not-a-date"}, "joined_on", "", id="joined-on-not-a-date"),
    pytest.param({"joined_on": "2018-02-30"}, "joined_on", "", id="joined-on-feb-30"),
    pytest.param({"planned_departure": "2018/13/01"}, "planned_departure", "", id="departure-not-a-date"),
    pytest.param({"party_status": "full"}, "joined_on", "入党日期", id="full-member-without-joined-on"),
    pytest.param(
        {"party_status": "probationary"}, "joined_on", "入党日期", id="probationary-without-joined-on"
    ),
    pytest.param({"party_status": "boss"}, "party_status", "", id="unknown-party-status"),
]


def test_a_valid_submission_creates_a_person(world, client_for):
    """The control for the cases below: only the broken field makes them fail."""
    response = client_for("sec1").post("/people/new/", form_data(world, tags=["青年农民"]))
    assert response.status_code == 302
    person = Person.objects.get(id_number=NEW_ID)
    assert response["Location"] == f"/people/{person.pid}/"
    assert (person.name, person.org, person.tags) == ("钱七", world.branch1, ["青年农民"])


def editor(overrides: dict) -> str:
    """Who sends the form: a membership is typed only by a township role (with its reason); the branch
    secretary's form shows it read-only, so their bad membership input never reaches the server."""
    return "lh_organizer" if {"party_status", "joined_on", "full_since"} & set(overrides) else "sec1"


@pytest.mark.parametrize(("overrides", "field", "text"), BAD_INPUTS)
def test_bad_input_on_the_new_person_form_gives_a_field_error(world, client_for, overrides, field, text):
    before = Person.objects.count()
    data = form_data(world, membership_reason="党员档案", **overrides)
    response = client_for(editor(overrides)).post("/people/new/", data)
    assert_field_error(response, field, text)
    assert Person.objects.count() == before


def test_a_valid_edit_saves(world, client_for):
    """The control for the edit cases below, which change the name and the ID number plus one bad field."""
    response = client_for("sec1").post("/people/P0001/edit/", form_data(world, name="张三丰"))
    assert response.status_code == 302
    p1 = Person.objects.get(pid="P0001")
    assert (p1.name, p1.id_number, p1.birth_date) == ("张三丰", NEW_ID, datetime.date(2000, 8, 8))


@pytest.mark.parametrize(("overrides", "field", "text"), BAD_INPUTS)
def test_bad_input_on_the_edit_form_gives_a_field_error_and_changes_nothing(
    world, client_for, overrides, field, text
):
    # Without the one broken field this would rename P0001 and give them NEW_ID: a valid edit.
    before = Person.objects.count()
    data = form_data(world, name="张三丰", membership_reason="党员档案")
    data.update(overrides)
    response = client_for(editor(overrides)).post("/people/P0001/edit/", data)
    assert_field_error(response, field, text)
    p1 = Person.objects.get(pid="P0001")
    assert (p1.name, p1.id_number, p1.phone) == ("张三", ID_1998_MALE, "13800001234")
    assert Person.objects.count() == before


def test_an_edit_taking_another_persons_id_number_is_refused_at_id_number(world, client_for):
    response = client_for("sec1").post("/people/P0001/edit/", form_data(world, id_number=ID_1960_MALE))
    assert_field_error(response, "id_number", "M0001")
    assert Person.objects.get(pid="P0001").id_number == ID_1998_MALE


@pytest.mark.parametrize("field", ["org", "work_unit_org"])
@pytest.mark.parametrize("org_attr", ["branch2", "branch3", "township", "branch_yx"])
def test_an_org_outside_the_users_scope_is_refused(world, client_for, field, org_attr):
    before = Person.objects.count()
    response = client_for("sec1").post(
        "/people/new/", form_data(world, **{field: str(getattr(world, org_attr).pk)})
    )
    assert_field_error(response, field)
    assert Person.objects.count() == before
    assert not Person.objects.filter(name="钱七").exists()


def test_an_edit_moving_a_person_out_of_the_scope_is_refused(world, client_for):
    response = client_for("sec1").post(
        "/people/P0001/edit/", form_data(world, id_number=ID_1998_MALE, org=str(world.branch2.pk))
    )
    assert_field_error(response, "org")
    assert Person.objects.get(pid="P0001").org == world.branch1


def test_a_form_with_every_field_blank_shows_the_required_fields(world, client_for):
    before = Person.objects.count()
    blank = dict.fromkeys(form_data(world), "")
    response = client_for("sec1").post("/people/new/", blank)
    assert response.status_code == 200
    assert {"name", "id_number", "org", "education", "occupation"} <= set(response.context["form"].errors)
    assert Person.objects.count() == before


@pytest.mark.parametrize("url", ["/people/new/", "/people/P0001/edit/"])
def test_an_empty_post_is_no_500_and_changes_nothing(world, client_for, url):
    before = Person.objects.count()
    response = client_for("sec1").post(url, {})
    assert response.status_code == 200
    assert Person.objects.count() == before
    assert Person.objects.get(pid="P0001").name == "张三"


@pytest.mark.parametrize("id_number", ["51²002200008085110", "²11002200008085110"])
def test_superscript_digits_in_the_id_number_give_a_field_error(world, client_for, id_number):
    response = client_for("sec1").post("/people/new/", form_data(world, id_number=id_number))
    assert_field_error(response, "id_number")


def test_a_full_width_copy_of_an_existing_id_number_is_refused(world, client_for):
    person_create(actor=None, id_number=ID_1949_FEMALE_X, data=person_data(world.branch1, name="孙八"))
    before = Person.objects.count()
    full_width = ID_1949_FEMALE_X[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "X"
    response = client_for("sec1").post("/people/new/", form_data(world, id_number=full_width))
    assert Person.objects.count() == before
    assert_field_error(response, "id_number")


def test_the_login_page_with_a_wrong_password_shows_an_error(world, client):
    response = client.post("/accounts/login/", {"username": "sec1", "password": PASSWORD + "x"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [
        {"username": "", "password": ""},
        {"username": "nobody", "password": "x"},
        {"username": "' OR 1=1 --", "password": "' OR 1=1 --"},
        {"username": "u" * 10_000, "password": "p"},
        {"username": "sec1\x00", "password": PASSWORD},
    ],
)
def test_the_login_page_with_junk_gives_an_error_not_a_500(world, client, data):
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "params",
    [
        {"q": "张" * 10_000},
        {"q": "1" * 5_000},
        {"q": "' OR 1=1 --"},
        {"q": "'; DROP TABLE people_person; --"},
        {"q": "%"},
        {"q": "_"},
        {"q": "\\"},
        {"q": "😀"},
        {"q": "张😀"},
        {"q": "\x00"},
        {"q": "<script>alert(1)</script>"},
        {"q": "x" * 18},
        {"q": "X" * 18},
        {"org": "' OR 1=1 --"},
        {"org": "o" * 1000},
        {"stage": "<>"},
        {"stage": "s" * 1000},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "999999999999999999999"},
    ],
)
def test_a_junk_search_gives_200(world, client_for, params):
    response = client_for("sec1").get("/people/", params)
    assert response.status_code == 200
    assert {row["person"].pid for row in response.context["rows"]} <= {"P0001", "M0001"}
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_junk_search_with_htmx_gives_200(world, client_for):
    response = client_for("sec1").get("/people/", {"q": "😀' OR 1=1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.context["rows"] == []


def test_the_table_survives_a_drop_table_search(world, client_for):
    client_for("sec1").get("/people/", {"q": "'; DROP TABLE people_person; --"})
    assert Person.objects.count() == 5


@pytest.mark.parametrize(
    "path", ["/people/%F0%9F%98%80/", "/people/'%20OR%201=1/", "/orgs/%25/", "/orgs/" + "a" * 500 + "/"]
)
def test_a_junk_key_in_the_url_is_404(world, client_for, path):
    assert client_for("lh_organizer").get(path).status_code == 404


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.parametrize("path", ["/orgs/%00/", "/people/%00/", "/people/P0001%00/edit/"])
def test_a_nul_byte_in_the_url_is_404(world, client_for, path):
    assert client_for("lh_organizer").get(path).status_code == 404
