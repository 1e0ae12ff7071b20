"""form_to_service: a bound form's cleaned data to a service, the service's refusals onto the form."""

from django.core.exceptions import ValidationError

from fazhan.core.forms import form_to_service
from fazhan.people.forms import DisciplineForm, KinshipForm
from fazhan.people.models import DisciplineRecord, Kinship
from fazhan.people.services import discipline_record, kinship_declare

SANCTION = {"kind": "sanction", "date_from": "2020-03-01"}


def _record_for(world):
    return lambda data: discipline_record(actor=None, person=world.m1, **data)


def test_it_answers_what_the_service_wrote(world):
    form = DisciplineForm({**SANCTION, "date_to": "2021-03-01"})
    record = form_to_service(form, _record_for(world))
    assert record == DisciplineRecord.objects.get(person=world.m1)
    assert not form.errors


def test_a_services_error_on_a_field_of_the_form_is_shown_at_that_field(world):
    form = DisciplineForm({**SANCTION, "date_to": "2020-02-01"})
    assert form_to_service(form, _record_for(world)) is None
    assert form.errors == {"date_to": ["结束日期不能早于开始日期。"]}
    assert not form.is_valid()
    assert not DisciplineRecord.objects.exists()


def _declare_kin_with_oneself(world):
    return lambda data: kinship_declare(actor=None, a=world.p1, b=world.p1, relation=data["relation"])


def test_a_services_error_on_a_field_the_form_lacks_is_shown_on_top(world):
    form = KinshipForm({"relative": "P0001", "relation": "spouse"})
    assert form_to_service(form, _declare_kin_with_oneself(world)) is None
    assert form.errors == {"__all__": ["不能与本人登记亲属关系。"]}  # the service's name for it is "b"
    assert not Kinship.objects.exists()


def test_field_for_places_the_services_names_at_the_forms_fields(world):
    form = KinshipForm({"relative": "P0001", "relation": "spouse"})
    field_for = {"b": "relative"}.__getitem__
    assert form_to_service(form, _declare_kin_with_oneself(world), field_for=field_for) is None
    assert form.errors == {"relative": ["不能与本人登记亲属关系。"]}
    assert not Kinship.objects.exists()


def test_a_plain_message_is_shown_on_top_or_where_field_for_says(world):
    def refuse(data):
        raise ValidationError("该人员已迁出。")

    form = KinshipForm({"relative": "P0002", "relation": "spouse"})
    assert form_to_service(form, refuse) is None
    assert form.errors == {"__all__": ["该人员已迁出。"]}

    form = KinshipForm({"relative": "P0002", "relation": "spouse"})
    assert form_to_service(form, refuse, field_for=lambda _name: "relative") is None
    assert form.errors == {"relative": ["该人员已迁出。"]}


def test_an_invalid_form_calls_no_service(world):
    form = DisciplineForm({"kind": "sanction", "date_from": "2020-02-30"})
    assert form_to_service(form, _record_for(world)) is None
    assert list(form.errors) == ["date_from"]
    assert not DisciplineRecord.objects.exists()


def test_an_unbound_form_calls_no_service_and_shows_no_error(world):
    form = DisciplineForm()
    assert form_to_service(form, _record_for(world)) is None
    assert not form.errors
    assert not DisciplineRecord.objects.exists()
