from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm, DateField
from fazhan.procedure.definition import MATERIALS, STEPS_BY_CODE
from fazhan.procedure.models import StepRecord


def attachment_slots(records: list[StepRecord]) -> list[tuple[str, str]]:
    """Each live step record with each material its step produces: what a scan can be attached as."""
    slots = []
    for r in records:
        if getattr(r, "is_superseded", False):
            continue
        step = STEPS_BY_CODE[r.step]
        for code in step.documents:
            slots.append(
                (f"{r.pk}:{code}", f"{step.number}. {step.name} {r.date:%Y-%m-%d} · {MATERIALS[code]}")
            )
    return slots


class AttachmentForm(ChineseForm):
    slot = forms.ChoiceField(label=_("步骤与材料"))
    file = forms.FileField(label=_("扫描件（PDF、JPG、PNG）"))

    def __init__(self, *args, slots: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        slot = self.fields["slot"]
        assert isinstance(slot, forms.ChoiceField)
        slot.choices = [("", "—"), *slots]

    def record_and_material(self) -> tuple[int, str]:
        pk, material = self.cleaned_data["slot"].split(":", 1)
        return int(pk), material


class SupersedeForm(ChineseForm):
    file = forms.FileField(label=_("新的扫描件"))
    reason = forms.CharField(label=_("替换原因"), max_length=200)


class ArchiveReviewForm(ChineseForm):
    date = DateField(label=_("审核日期"), widget=forms.DateInput(attrs={"type": "date"}))
    missing = forms.MultipleChoiceField(
        label=_("缺少材料"),
        required=False,
        choices=list(MATERIALS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    location = forms.CharField(label=_("存放位置"), max_length=200)

    @classmethod
    def prefilled(cls, missing: list[str]) -> "ArchiveReviewForm":
        return cls(initial={"date": timezone.localdate(), "missing": missing})
