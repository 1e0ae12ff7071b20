"""The person page's kinship and discipline forms through the pages: a valid entry is written, a refused one
comes back on the person page with the error at the field it is about and nothing written."""

import pytest

from fazhan.people.models import DisciplineRecord, Kinship

ERR_NOT_FOUND = "未找到该人员编号"


def test_a_kinship_through_the_page_is_declared(world, client_for):
    response = client_for("sec1").post("/people/P0001/kin/", {"relative": " M0001 ", "relation": "parent"})
    assert (response.status_code, response["Location"]) == (302, "/people/P0001/")
    assert Kinship.objects.filter(a=world.p1, b=world.m1, relation="parent").exists()


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        pytest.param("P9999", ERR_NOT_FOUND, id="unknown"),
        pytest.param("P0004", ERR_NOT_FOUND, id="outside-the-users-subtree"),
        pytest.param("P0001", "不能与本人", id="the-person-themself"),
    ],
)
def test_a_refused_relative_is_said_at_the_relative_field(world, client_for, relative, text):
    response = client_for("sec1").post("/people/P0001/kin/", {"relative": relative, "relation": "spouse"})
    assert response.status_code == 200
    form = response.context["kin_form"]
    assert text in " ".join(form.errors["relative"])
    assert not form.non_field_errors()
    assert text in response.content.decode()
    assert not Kinship.objects.exists()


def test_a_discipline_record_through_the_page_is_written(world, client_for):
    data = {"kind": "sanction", "date_from": "2020-03-01", "date_to": "2021-03-01", "note": "警告"}
    response = client_for("sec1").post("/people/M0001/discipline/", data)
    assert (response.status_code, response["Location"]) == (302, "/people/M0001/")
    assert DisciplineRecord.objects.get(person=world.m1).date_to.isoformat() == "2021-03-01"


def test_a_discipline_ending_before_it_starts_is_refused_at_its_end_date(world, client_for):
    data = {"kind": "sanction", "date_from": "2020-03-01", "date_to": "2020-02-01"}
    response = client_for("sec1").post("/people/M0001/discipline/", data)
    assert response.status_code == 200
    form = response.context["discipline_form"]
    assert "结束日期不能早于开始日期" in " ".join(form.errors["date_to"])
    assert not form.non_field_errors()
    assert not DisciplineRecord.objects.exists()
