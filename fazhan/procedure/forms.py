"""Entry forms built from the step definitions: one field per detail, labelled in Chinese."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
from fazhan.procedure.definition import CHOICE_LABELS, DETAIL_LABELS, STEPS_BY_CODE, Detail

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def _choices(detail: Detail) -> list[tuple[str, Any]]:
    return [(c, CHOICE_LABELS.get(c, c)) for c in detail.choices]


def _field(key: str, detail: Detail) -> forms.Field:
    label, required = DETAIL_LABELS.get(key, key), detail.required
    if detail.kind in ("pids", "orgs"):
        return forms.CharField(label=label, required=required, help_text=_("多个编号用逗号或空格分隔"))
    if detail.kind == "bool":
        return forms.NullBooleanField(label=label, required=False)
    if detail.kind == "date":
        return forms.DateField(label=label, required=required, widget=DATE_WIDGET)
    if detail.kind == "int":
        return forms.IntegerField(label=label, required=required, min_value=0, max_value=100_000)
    if detail.kind == "choice":
        return forms.ChoiceField(label=label, required=required, choices=[("", "—"), *_choices(detail)])
    if detail.kind in ("choices", "flags"):
        return forms.MultipleChoiceField(
            label=label, required=required, choices=_choices(detail), widget=forms.CheckboxSelectMultiple
        )
    return forms.CharField(label=label, required=required, max_length=200)


class StepForm(ChineseForm):
    date = forms.DateField(label=_("日期"), widget=DATE_WIDGET)

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = STEPS_BY_CODE[step]
        for key, detail in self.step.details.items():
            self.fields[f"d_{key}"] = _field(key, detail)

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, detail in self.step.details.items():
            value = self.cleaned_data.get(f"d_{key}")
            if value in (None, "", []):
                continue
            if detail.kind in ("pids", "orgs"):
                value = [v for v in value.replace("，", ",").replace(",", " ").split() if v]
            elif detail.kind == "date":
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
        return cls(data, step=record.step, initial=initial)

    def correction(self) -> dict[str, Any]:
        """What the correction services take besides the actor and the record."""
        return {
            "date": self.cleaned_data["date"],
            "details": self.details(),
            "reason": self.cleaned_data["reason"],
        }


def _initial(value):
    """A stored detail as its form field shows it: pids and orgs as one text, flags as the checked ones."""
    if isinstance(value, list):
        return " ".join(value) if all(isinstance(v, str) for v in value) else value
    if isinstance(value, dict):
        return [k for k, v in value.items() if v]
    return value
