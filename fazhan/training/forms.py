from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
from fazhan.people.forms import PersonPickField
from fazhan.training.models import StaffRole

PICK_HELP = _("按姓名、拼音首字母或人员编号查找")
# The form's picker of each role attended as (named d_<x>, as the person picker's search answers them).
ROLE_FIELDS = (
    ("d_secretaries", StaffRole.BRANCH_SECRETARY),
    ("d_contacts", StaffRole.CONTACT),
    ("d_introducers", StaffRole.INTRODUCER),
)


class SessionForm(ChineseForm):
    org = forms.ChoiceField(label=_("组织单位"))
    topic = forms.CharField(label=_("培训主题"), max_length=200)
    date = forms.DateField(label=_("培训日期"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("学时"), min_value=0, max_value=200, decimal_places=1, max_digits=5)
    d_secretaries = PersonPickField(label=_("参训的党组织书记"), required=False, help_text=PICK_HELP)
    d_contacts = PersonPickField(label=_("参训的培养联系人"), required=False, help_text=PICK_HELP)
    d_introducers = PersonPickField(label=_("参训的入党介绍人"), required=False, help_text=PICK_HELP)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.code, o.name) for o in orgs]  # type: ignore[attr-defined]

    def attendance(self) -> list[tuple[str, str]]:
        """(pid, role) of everyone picked; one picked under two roles is sent twice (the service says so)."""
        return [(pid, role) for name, role in ROLE_FIELDS for pid in self.cleaned_data.get(name) or []]


class NegativeListForm(ChineseForm):
    items = forms.CharField(
        label=_("负面清单（每行一项）"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("按顺序每行填写一种政治上不合格、不能发展入党的情形。"),
    )

    def lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]
