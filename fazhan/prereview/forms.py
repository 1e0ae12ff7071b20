from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm


class FormIssueForm(ChineseForm):
    number = forms.CharField(label=_("志愿书编号"), max_length=40)
    issued_on = forms.DateField(label=_("发放日期"), widget=forms.DateInput(attrs={"type": "date"}))


class FormVoidForm(ChineseForm):
    void_reason = forms.CharField(label=_("作废/遗失原因"), max_length=200)
    lost = forms.BooleanField(label=_("遗失（不勾选为作废）"), required=False)
