"""The registry of sealed models and the digest recipe: an instance just saved and its row read back give
the same digest on either engine, whatever zone a moment came in; a registration that cannot be sealed is
refused at start-up."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from fazhan.auditlog.registry import (
    instance_digest,
    sealed_for,
    sealed_models,
    stored_digests,
    trail_key,
    trail_register,
)
from fazhan.auditlog.services import audit_record
from fazhan.people.models import Person, PersonRole
from fazhan.procedure.models import StepRecord
from tests.procedure.conftest import pw, walk  # noqa: F401  (the procedure world)


def test_every_row_read_back_digests_as_its_instance_does(pw):  # noqa: F811
    walk(pw, "S17")
    key = trail_key()
    checked = 0
    for sealed in sealed_models():
        rows = list(sealed.model._default_manager.all())
        stored = stored_digests(sealed, [r.pk for r in rows], key)
        for row in rows:
            assert instance_digest(sealed, row, key) == stored[row.pk], (sealed.label, row.pk)
            checked += 1
    assert checked > 30


def test_a_step_saved_with_a_local_moment_and_nested_details_digests_as_stored(pw):  # noqa: F811
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    record = StepRecord.objects.create(
        case=pw.case,
        step="S10",
        date=datetime.date(2021, 8, 23),
        details={"result": "pass", "negative_list": {"self_interest": False, "b": True}},
        recorded_at=datetime.datetime(2021, 8, 24, 9, 30, 15, 123456, tzinfo=shanghai),
        recorded_by_label="user:x",
        from_ledger=True,
    )
    sealed = sealed_for("procedure.steprecord")
    key = trail_key()
    assert instance_digest(sealed, record, key) == stored_digests(sealed, [record.pk], key)[record.pk]


def test_the_digest_covers_each_declared_field_and_not_the_others(pw):  # noqa: F811
    sealed = sealed_for("people.person")
    key = trail_key()
    person = Person.objects.get(pk=pw.p1.pk)
    before = instance_digest(sealed, person, key)
    person.phone = "13800000000"  # not declared: a contact, not what the record says happened
    assert instance_digest(sealed, person, key) == before
    person.birth_date = datetime.date(1998, 3, 5)
    assert instance_digest(sealed, person, key) != before


def test_a_model_is_registered_once_with_columns_of_its_own():
    with pytest.raises(ImproperlyConfigured, match="twice"):
        trail_register(Person, fields=("pid",), names={})
    with pytest.raises(ImproperlyConfigured, match="no field 'nope'"):
        trail_register(PersonRole, fields=("nope",), names={})
    with pytest.raises(ImproperlyConfigured, match="only a column of the row itself"):
        trail_register(PersonRole, fields=("id",), names={})
    assert sealed_for("people.personrole") is None


def test_sealing_a_record_the_trail_does_not_know_is_refused(pw):  # noqa: F811
    role = PersonRole.objects.create(person=pw.m1, role="branch_secretary")
    with pytest.raises(ValueError, match="not registered with the trail"):
        audit_record(actor=None, action="x.y", seal=[role])
    with pytest.raises(ValueError, match=r"No procedure\.steprecord row 999999 to seal"):
        audit_record(actor=None, action="x.y", seal=[("procedure.steprecord", 999999)])
