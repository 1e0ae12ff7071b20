from fazhan.people.models import Person
from fazhan.prereview.models import FormStatus, NumberedForm


def form_list_for_person(person: Person) -> list[NumberedForm]:
    return list(NumberedForm.objects.filter(person=person).select_related("issued_by", "replaces"))


def form_issued_to(person: Person) -> NumberedForm | None:
    """The form issued to the person and not yet used, voided or lost."""
    return NumberedForm.objects.filter(person=person, status=FormStatus.ISSUED).first()
