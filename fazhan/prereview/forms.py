from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
from fazhan.prereview.models import FormStatus, PrereviewResult
from fazhan.prereview.selectors import form_next_in_stock


class FormIssueForm(ChineseForm):
    number = forms.CharField(label=_("志愿书编号"), max_length=40)
    issued_on = forms.DateField(label=_("发放日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        """Unbound, the number offered is the next serial in stock (issue in order, no gaps)."""
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("number"):
            stock = form_next_in_stock()
            if stock is not None:
                self.initial["number"] = stock.number


class FormVoidForm(ChineseForm):
    void_reason = forms.CharField(label=_("作废/遗失原因"), max_length=200)
    lost = forms.BooleanField(label=_("遗失（不勾选为作废）"), required=False)


class FormReceiveForm(ChineseForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    number_prefix = forms.CharField(label=_("编号前缀"), max_length=30, help_text=_("如 SZQ2018-"))
    first = forms.IntegerField(label=_("起始号"), min_value=1)
    last = forms.IntegerField(label=_("终止号"), min_value=1)
    width = forms.IntegerField(label=_("序号位数"), min_value=1, max_value=8, initial=4)
    received_on = forms.DateField(label=_("入库日期"), widget=forms.DateInput(attrs={"type": "date"}))


class FormReturnForm(ChineseForm):
    void_reason = forms.CharField(label=_("收回原因"), max_length=200)


class RegisterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *FormStatus.choices], required=False
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    q = forms.CharField(label=_("编号或姓名"), max_length=40, required=False)


class BatchSubmitForm(ChineseForm):
    cases = forms.MultipleChoiceField(label=_("发展对象"), widget=forms.CheckboxSelectMultiple)
    submitted_on = forms.DateField(label=_("报送日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["cases"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (str(case.pk), f"{case.person.name}（{case.person.pid}）· {case.person.org.name}")
            for case in candidates
        ]


class DecideForm(ChineseForm):
    result = forms.ChoiceField(label=_("预审结果"), choices=PrereviewResult.choices)
    reason = forms.CharField(label=_("意见"), max_length=200, required=False)
    decided_on = forms.DateField(label=_("预审日期"), widget=forms.DateInput(attrs={"type": "date"}))
