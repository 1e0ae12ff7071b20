"""`fazhan synth --scale province`: districts of the district scale under a provincial committee, copied into
PostgreSQL in bulk; the inspection, chunk by chunk, finds every violation planted in every district."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from fazhan.demo.synth import synth_province
from fazhan.inspection.run import inspect
from fazhan.organizations.models import Org
from fazhan.organizations.services import org_create
from fazhan.people.models import Person
from fazhan.procedure.models import Case, StepRecord

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a province is PostgreSQL's")


@postgres_only
def test_a_province_is_its_districts_under_a_provincial_committee_and_every_plant_is_found(db):
    synth = synth_province(districts=2, cases=120)
    province = Org.objects.get(code="SHENG")
    assert province.kind == "provincial_committee"
    assert province.parent is None
    districts = Org.objects.filter(parent=province).order_by("code")
    assert [(d.code, d.kind) for d in districts] == [
        ("D001", "district_committee"),
        ("D002", "district_committee"),
    ]
    assert Case.objects.count() == 240 == synth.counts["cases"]
    assert StepRecord.objects.count() == synth.counts["steps"]
    person = Person.objects.filter(pid=synth.persons[0]).get()
    assert person.birth_date is not None
    assert len(person.id_number) == 18
    planted = {(p.rule, p.org, p.person) for p in synth.planted}
    assert {org.split("-")[0] for _r, org, _p in planted} == {"D001", "D002"}  # each district its plants
    whole = inspect(root=None, as_of=synth.as_of)
    found = {(i.rule, i.org, i.person) for i in whole.issues}
    assert planted - found == set()
    chunked = inspect(root=None, as_of=synth.as_of, chunk_cases=120)  # a district a chunk
    assert [i.key for i in chunked.issues] == [i.key for i in whole.issues]
    # the sequences moved past the copied rows: the next org made the ordinary way takes a new id
    org = org_create(
        actor=None, code="D003", name="中共第3区委员会", kind="district_committee", parent=province
    )
    assert org.pk > max(Org.objects.exclude(pk=org.pk).values_list("pk", flat=True))


def test_synth_province_refuses_sqlite_and_a_database_already_holding_orgs(db):
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("synth", "--scale", "province", "--districts", "1", "--cases", "10")
    org_create(actor=None, code="X", name="中共某区委员会", kind="district_committee")
    with pytest.raises(CommandError, match="empty database"):
        call_command("synth", "--scale", "province", "--districts", "1", "--cases", "10")
    assert Org.objects.count() == 1


def test_district_committees_sit_under_a_provincial_committee_and_nothing_else_does(db):
    province = org_create(actor=None, code="SHENG", name="中共某省委员会", kind="provincial_committee")
    district = org_create(
        actor=None, code="D001", name="中共第1区委员会", kind="district_committee", parent=province
    )
    assert district.path == "/SHENG/D001/"
    with pytest.raises(ValidationError):
        org_create(actor=None, code="T01", name="中共第1镇委员会", kind="committee", parent=province)
    with pytest.raises(ValidationError):
        org_create(actor=None, code="S2", name="中共另省委员会", kind="provincial_committee", parent=district)
    assert Org.objects.count() == 2
