"""工作单位及职务, 籍贯, 参加工作时间: what the forms ask of a person, held at every door — the service, the
person page, the API, JSON Lines and the ledger — and in the trail."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from fazhan.auditlog.models import AuditEvent
from fazhan.interchange.ledger import unit_position_cell, unit_position_split
from fazhan.people.models import Person
from fazhan.people.services import person_create, person_update
from tests.api import conftest as api_conftest
from tests.conftest import make_id_number, person_data
from tests.interchange.conftest import run
from tests.test_forms_bad_input import form_data

NEW_ID = make_id_number(datetime.date(1988, 5, 6), 71)  # born 1988-05-06
# The API tests' fixtures, shared here.
api_for = api_conftest.api_for
token_for = api_conftest.token_for
WORK = {
    "work_unit": "罗汉镇中心小学",
    "position": "教师",
    "native_place": "四川内江",
    "work_started_on": datetime.date(2009, 9, 1),
}


def test_the_service_keeps_the_four_fields_and_the_trail_names_their_change(world):
    person = person_create(actor=None, id_number=NEW_ID, data=person_data(world.branch1, name="钱七", **WORK))
    person.refresh_from_db()
    assert (person.work_unit, person.position, person.native_place) == ("罗汉镇中心小学", "教师", "四川内江")
    assert person.work_started_on == datetime.date(2009, 9, 1)
    person_update(
        actor=world.users["sec1"],
        person=person,
        id_number=NEW_ID,
        data=person_data(world.branch1, name="钱七", **{**WORK, "position": "教导主任"}),
    )
    event = AuditEvent.objects.filter(action="person.update").latest("pk")
    assert "position" in json.dumps(event.data, ensure_ascii=False)


@pytest.mark.parametrize(
    ("started", "text"),
    [(datetime.date(1988, 5, 6), "出生日期"), (datetime.date(2999, 1, 1), "今天")],
)
def test_a_work_start_before_birth_or_in_the_future_is_refused_at_its_field(world, started, text):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        person_create(
            actor=None,
            id_number=NEW_ID,
            data=person_data(world.branch1, **{**WORK, "work_started_on": started}),
        )
    assert set(exc.value.message_dict) == {"work_started_on"}
    assert text in exc.value.message_dict["work_started_on"][0]
    assert Person.objects.count() == before


def test_the_person_page_edits_and_shows_them(world, client_for):
    client = client_for("sec1")
    data = form_data(
        world,
        id_number=NEW_ID,
        work_unit="内江市宏达机械厂",
        position="车间主任",
        native_place="四川资中",
        work_started_on="2008-03-01",
    )
    response = client.post("/people/new/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    person = Person.objects.get(name="钱七")
    page = client.get(f"/people/{person.pid}/").content.decode()
    assert "内江市宏达机械厂 车间主任" in page
    assert "四川资中" in page
    assert "2008-03-01" in page
    bad = client.post(f"/people/{person.pid}/edit/", {**data, "work_started_on": "1980-01-01"})
    assert bad.status_code == 200
    assert "出生日期" in bad.context["form"].errors["work_started_on"][0]
    person.refresh_from_db()
    assert person.work_started_on == datetime.date(2008, 3, 1)


def test_the_api_reads_and_writes_them(world, api_for):
    api = api_for("sec1")
    response = api.patch(
        "/api/v1/persons/P0001", {"work_unit": "高桥村", "position": "村民", "native_place": "四川内江"}
    )
    assert response.status_code == 200, response.content
    response = api.patch("/api/v1/persons/P0001", {"work_started_on": "2017-03-01"})
    assert response.status_code == 200, response.content
    body = api.get("/api/v1/persons/P0001").json()
    assert (body["work_unit"], body["position"], body["native_place"]) == ("高桥村", "村民", "四川内江")
    assert body["work_started_on"] == "2017-03-01"
    bad = api.patch("/api/v1/persons/P0001", {"work_started_on": "1990-01-01"})  # 张三 was born in 1998
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["work_started_on"]


def test_json_lines_carries_them_and_refuses_a_start_before_birth(world, tmp_path):
    person_update(
        actor=None, person=world.p1, id_number=world.p1.id_number, data=person_data(world.branch1, **WORK)
    )
    path = tmp_path / "out.jsonl"
    assert run("export", str(path))[0] == 0
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    record = next(r for r in records if r.get("id") == "P0001")
    assert (record["work_unit"], record["position"], record["native_place"]) == (
        "罗汉镇中心小学",
        "教师",
        "四川内江",
    )
    assert record["work_started_on"] == "2009-09-01"
    record["work_started_on"] = "1990-01-01"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    status, out = run("import", str(path))
    assert status == 1
    assert "work_started_on" in out or "参加工作时间" in out
    world.p1.refresh_from_db()
    assert world.p1.work_started_on == datetime.date(2009, 9, 1)


@pytest.mark.parametrize(
    ("unit", "position"),
    [
        ("罗汉镇中心小学", "教师"),
        ("罗汉镇 高桥村", ""),
        ("罗汉镇 高桥村", "村民"),
        ("", "村民"),
        ("个体经营", ""),
    ],
)
def test_the_ledgers_one_column_splits_back_into_the_two_fields(unit, position):
    assert unit_position_split(unit_position_cell(unit, position)) == (unit, position)


def test_a_clerks_unit_and_position_split_at_the_last_word():
    assert unit_position_split(" 内江市宏达机械厂  车间主任 ") == ("内江市宏达机械厂", "车间主任")
    assert unit_position_split("罗汉镇人民政府") == ("罗汉镇人民政府", "")


def test_the_ledger_writes_and_reads_them(world, tmp_path):
    from tests.interchange.test_ledger import ledger, person_row

    path = ledger(
        tmp_path / "in.xlsx",
        [
            person_row(
                "钱七",
                NEW_ID,
                **{"工作单位及职务": "罗汉镇卫生院 医生", "籍贯": "重庆荣昌", "参加工作时间": "2010年7月1日"},
                申请入党日期="2024-03-01",
            )
        ],
    )
    status, out = run("import", str(path))
    assert status == 0, out
    person = Person.objects.get(name="钱七")
    assert (person.work_unit, person.position, person.native_place) == ("罗汉镇卫生院", "医生", "重庆荣昌")
    assert person.work_started_on == datetime.date(2010, 7, 1)
    exported = tmp_path / "out.xlsx"
    assert run("export", str(exported))[0] == 0
    rows = list(load_workbook(exported, read_only=True).worksheets[0].iter_rows(values_only=True))
    header = next(r for r in rows if r and "姓名" in r)
    row = next(r for r in rows if r and "钱七" in r)
    values = dict(zip(header, row, strict=False))
    assert values["工作单位及职务"] == "罗汉镇卫生院\u3000医生"
    assert values["籍贯"] == "重庆荣昌"
    assert str(values["参加工作时间"])[:10] == "2010-07-01"
    status, out = run("import", str(exported))  # the project's own export changes nothing
    assert status == 0, out
    person.refresh_from_db()
    assert (person.work_unit, person.position) == ("罗汉镇卫生院", "医生")
