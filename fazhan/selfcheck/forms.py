from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm, DateField
from fazhan.inspection.report import REPORT_SINCE


class TaskForm(ChineseForm):
    """The district's task: title, the period inspected, the due date (defaults: 2017-01-01 and 8月底)."""

    district = forms.ChoiceField(label=_("布置单位"))
    title = forms.CharField(label=_("任务名称"), max_length=120)
    period_from = DateField(label=_("自查期间起"), required=False, initial=REPORT_SINCE)
    period_to = DateField(label=_("自查期间止"), required=False, help_text=_("不填则为上报截止日期"))
    due_on = DateField(label=_("上报截止日期"), required=False, help_text=_("不填则为今年8月31日"))

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.code, o.name) for o in districts]


class PrepareForm(ChineseForm):
    summary = forms.CharField(
        label=_("自查情况"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写入报告“二、主要做法”"),
        required=False,
    )
    rectification = forms.CharField(
        label=_("整改措施和下一步打算"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写入报告“五、下一步打算”"),
        required=False,
    )


class HandInForm(ChineseForm):
    """上报: nothing to fill in; the report handed in is the one prepared."""


class ReturnForm(ChineseForm):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
