from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm, DateField
from fazhan.plans.models import CycleStep
from fazhan.plans.selectors import GROUP_KEYS, GROUP_LABELS


class PlanAllocateForm(ChineseForm):
    """One org's quota and focus-group targets; the org is chosen among those the user may plan."""

    org = forms.ChoiceField(label=_("党组织"))
    quota = forms.IntegerField(label=_("发展计划数"), min_value=0, max_value=100000)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        org_field = self.fields["org"]
        assert isinstance(org_field, forms.ChoiceField)
        org_field.choices = [(o.code, o.name) for o in orgs]
        for index, key in enumerate(GROUP_KEYS):
            self.fields[f"g_{index}"] = forms.IntegerField(
                label=GROUP_LABELS[key], min_value=0, max_value=100000, required=False
            )

    def groups(self) -> dict[str, int]:
        out = {}
        for index, key in enumerate(GROUP_KEYS):
            value = self.cleaned_data.get(f"g_{index}")
            if value is not None:
                out[key] = value
        return out

    def group_fields(self):
        return [self[f"g_{i}"] for i in range(len(GROUP_KEYS))]


class ReserveForm(ChineseForm):
    """One org's reserve plan for the year (储量计划); the org is chosen among those the user may plan."""

    org = forms.ChoiceField(label=_("党组织"))
    applicants = forms.IntegerField(label=_("入党申请人储备数"), min_value=0, max_value=100000)
    activists = forms.IntegerField(label=_("入党积极分子储备数"), min_value=0, max_value=100000)
    targets = forms.IntegerField(label=_("发展对象储备数"), min_value=0, max_value=100000)
    young_farmers = forms.IntegerField(
        label=_("青年农民党员发展数"), min_value=0, max_value=100000, required=False, initial=0
    )

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        org_field = self.fields["org"]
        assert isinstance(org_field, forms.ChoiceField)
        org_field.choices = [(o.code, o.name) for o in orgs]


class TakeInForm(ChineseForm):
    """A case in the pool taken into the year's plan (纳入计划), picked among the subtree's open cases."""

    case = forms.ChoiceField(label=_("纳入计划人员"))
    date = DateField(label=_("纳入日期"))

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        case_field = self.fields["case"]
        assert isinstance(case_field, forms.ChoiceField)
        case_field.choices = [
            (str(c.pk), f"{c.person.name}（{c.person.pid}，{c.person.org.name}）") for c in cases
        ]


class CycleForm(ChineseForm):
    """One act of the yearly cycle (请求、指导计划、分解) for an org the user may act for."""

    org = forms.ChoiceField(label=_("党组织"))
    step = forms.ChoiceField(label=_("环节"), choices=CycleStep.choices)
    date = DateField(label=_("日期"))
    number = forms.IntegerField(
        label=_("请求发展人数"),
        min_value=0,
        max_value=100000,
        required=False,
        help_text=_("报送请求时填写；指导计划和分解的人数取自已录入的计划数。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        org_field = self.fields["org"]
        assert isinstance(org_field, forms.ChoiceField)
        org_field.choices = [(o.code, o.name) for o in orgs]
