"""The registers an import writes beside the persons and steps (transfers, kinship, discipline, plans, archive
reviews, form receipts, numbered forms): for each, the model, the fields of its key and the fields a record
fills. decide.py matches the records with the stored rows by them, write.py writes them: one description for
both."""

from typing import Any, NamedTuple

from django.db import models

from fazhan.archive.models import ArchiveReview
from fazhan.organizations.models import Org
from fazhan.people.models import DisciplineRecord, Kinship, Person, Transfer
from fazhan.plans.models import Plan
from fazhan.prereview.models import FormReceipt, NumberedForm

# How a record names what a foreign key holds: a person by pid, an org by code.
NATURAL_KEYS: dict[type[models.Model], str] = {Person: "pid", Org: "code"}


class Register(NamedTuple):
    """A register written from the records of `kind`: the model fields its key fills, in the key's order,
    and those its row fills (model field: record field). An update rewrites the row's fields only."""

    kind: str
    model: type[models.Model]
    key: tuple[str, ...]
    row: dict[str, str]

    def lookup(self, field: str) -> str:
        """The model field as a values() path to what a record holds: `person` → `person__pid`."""
        related = self.model._meta.get_field(field).related_model
        return f"{field}__{NATURAL_KEYS[related]}" if related is not None else field

    @property
    def key_lookups(self) -> tuple[str, ...]:
        return tuple(self.lookup(f) for f in self.key)

    @property
    def row_lookups(self) -> tuple[str, ...]:
        return tuple(self.lookup(f) for f in self.row)

    def row_values(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """A record's values for the row's fields, in the order of `row_lookups`."""
        return tuple(row[name] for name in self.row.values())

    @property
    def by_person(self) -> bool:
        """Whether the key starts with a person (the rows are then read for the file's persons only)."""
        return self.model._meta.get_field(self.key[0]).related_model is Person


REGISTERS = (
    Register(
        "transfer",
        Transfer,
        ("person", "date"),
        {"from_org": "from", "to_org": "to", "materials_transferred": "materials_transferred"},
    ),
    Register("kin", Kinship, ("a", "b", "relation"), {}),
    Register(
        "discipline",
        DisciplineRecord,
        ("person", "date_from", "kind"),
        {"date_to": "to", "rights_restored_on": "rights_restored_on", "note": "note"},
    ),
    Register("plan", Plan, ("org", "year"), {"quota": "quota", "groups": "groups"}),
    Register(
        "archive_review",
        ArchiveReview,
        ("person", "date"),
        {"reviewer": "reviewer", "missing": "missing", "location": "location"},
    ),
    Register(
        "form_range",
        FormReceipt,
        ("year", "prefix", "first"),
        {"org": "by", "last": "last", "received_on": "received_on", "width": "width"},
    ),
    Register(
        "form",
        NumberedForm,
        ("number",),
        {
            "person": "issued_to",
            "issued_on": "issued_on",
            "issued_by": "issued_by",
            "status": "status",
            "void_reason": "void_reason",
        },
    ),
)
REGISTERS_BY_KIND = {r.kind: r for r in REGISTERS}
