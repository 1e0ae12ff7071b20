from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
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
