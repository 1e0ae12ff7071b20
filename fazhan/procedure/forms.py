"""Entry forms built from the step definitions: one field per detail, labelled in Chinese.

The people a step names (talkers, contacts, introducers) are chosen with a picker that searches the user's
members by name, pinyin initials or number, and the orgs it names from the orgs that can hold that part;
nothing is typed as a code. The step service still checks every name it is given (procedure.services)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
from fazhan.organizations.models import Org, OrgKind
from fazhan.people.forms import PersonPickField
from fazhan.people.models import Person
from fazhan.procedure.definition import CHOICE_LABELS, DETAIL_LABELS, STEPS_BY_CODE, Detail
from fazhan.procedure.details import flag_choices, flag_label

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
COMMITTEES = (OrgKind.COMMITTEE, OrgKind.DISTRICT_COMMITTEE)
# The org a detail names, by what it is: the committee it was filed with, that pre-reviewed or trained the
# person, the committee with approval authority (APV-AUTH), the branch they are placed in; floating persons'
# opinions may come from any org. Each is a choice of the orgs that can hold the part.
ORG_PARTS = {
    "filed_with": "above",
    "provider": "above",
    "reviewer": "above",
    "approver": "approver",
    "branch": "branch",
    "floating_opinions": "any",
}


def _choices(detail: Detail) -> list[tuple[str, Any]]:
    return [(c, CHOICE_LABELS.get(c, c)) for c in detail.choices]


def _label(key: str) -> Any:
    """The detail's label without its old typing hint（人员编号）: the picker shows names and numbers."""
    label = str(DETAIL_LABELS.get(key, key))
    return label.split("（")[0] if "编号" in label or "代码" in label else label


def org_choices(key: str, person: Person | None) -> list[tuple[str, str]]:
    """The orgs that can hold the part `key` names (ORG_PARTS), for a step of `person`'s case."""
    part = ORG_PARTS.get(key, "any")
    orgs = Org.objects.order_by("path")
    if person is not None and part in ("above", "approver"):
        codes = [c for c in person.org.path.strip("/").split("/") if c]
        kinds = COMMITTEES if part == "above" else (OrgKind.COMMITTEE,)
        orgs = orgs.filter(code__in=codes, kind__in=kinds)
    elif person is not None and part == "branch":
        township = next((o for o in _ancestors(person.org) if o.kind == OrgKind.COMMITTEE), person.org)
        orgs = orgs.filter(path__startswith=township.path, kind=OrgKind.BRANCH)
    return [(o.code, f"{o.name}（{o.code}）") for o in orgs]


def _ancestors(org: Org) -> list[Org]:
    codes = [c for c in org.path.strip("/").split("/") if c and c != org.code]
    return sorted(Org.objects.filter(code__in=codes), key=lambda o: -len(o.path))


def _field(key: str, detail: Detail, person: Person | None, stored: Any) -> forms.Field:
    label, required = _label(key), detail.required
    if detail.kind == "pids":
        return PersonPickField(
            label=label, required=required, help_text=_("按姓名、拼音首字母或人员编号查找")
        )
    if detail.kind in ("org", "orgs"):
        choices = org_choices(key, person)
        known = {c for c, _label in choices}
        for code in stored if isinstance(stored, list) else [stored] if stored else []:
            if code not in known:  # a record being corrected keeps what it named, to be changed or kept
                choices.append((code, code))
        if detail.kind == "orgs":
            return forms.MultipleChoiceField(
                label=label, required=required, choices=choices, widget=forms.SelectMultiple
            )
        return forms.ChoiceField(label=label, required=required, choices=[("", "—"), *choices])
    if detail.kind == "bool":
        return forms.NullBooleanField(label=label, required=False)
    if detail.kind == "date":
        return forms.DateField(label=label, required=required, widget=DATE_WIDGET)
    if detail.kind == "int":
        return forms.IntegerField(label=label, required=required, min_value=0, max_value=100_000)
    if detail.kind == "choice":
        return forms.ChoiceField(label=label, required=required, choices=[("", "—"), *_choices(detail)])
    if detail.kind == "flags":
        # the org's own list where a wing keeps one (the negative list); a record being corrected keeps what
        # it ticked, to be changed or kept
        choices = flag_choices(key, detail, person.org if person is not None else None)
        known = {c for c, _label in choices}
        choices += [(k, flag_label(key, k)) for k in stored or [] if isinstance(k, str) and k not in known]
        return forms.MultipleChoiceField(
            label=label, required=required, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    if detail.kind == "choices":
        return forms.MultipleChoiceField(
            label=label, required=required, choices=_choices(detail), widget=forms.CheckboxSelectMultiple
        )
    return forms.CharField(label=label, required=required, max_length=200)


class StepForm(ChineseForm):
    date = forms.DateField(label=_("日期"), widget=DATE_WIDGET)

    def __init__(self, *args, step: str, person: Person | None = None, **kwargs):
        """`person`: whose case the step is of, for the orgs that can hold each part it names."""
        super().__init__(*args, **kwargs)
        self.step = STEPS_BY_CODE[step]
        for key, detail in self.step.details.items():
            stored = self.initial.get(f"d_{key}")
            self.fields[f"d_{key}"] = _field(key, detail, person, stored)

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, detail in self.step.details.items():
            value = self.cleaned_data.get(f"d_{key}")
            if value in (None, "", []):
                continue
            if detail.kind == "date":
                value = value.isoformat()
            elif detail.kind == "flags":
                value = dict.fromkeys(value, True)
            out[key] = value
        return out

    @staticmethod
    def service_field(name: str) -> str:
        """The field of a service's error: the service's details.<key> is this form's d_<key>."""
        return f"d_{name.removeprefix('details.')}" if name.startswith("details.") else name


class CorrectionForm(StepForm):
    reason = forms.CharField(label=_("更正原因"), max_length=200)

    @classmethod
    def for_record(cls, record, data=None) -> "CorrectionForm":
        """The correction of a step record, filled in with its date and details as they stand."""
        initial = {"date": record.date, **{f"d_{k}": _initial(v) for k, v in record.details.items()}}
        return cls(data, step=record.step, initial=initial, person=record.case.person)

    def correction(self) -> dict[str, Any]:
        """What the correction services take besides the actor and the record."""
        return {
            "date": self.cleaned_data["date"],
            "details": self.details(),
            "reason": self.cleaned_data["reason"],
        }


def _initial(value):
    """A stored detail as its form field shows it: lists as they are, flags as the checked ones."""
    if isinstance(value, dict):
        return [k for k, v in value.items() if v]
    return value
