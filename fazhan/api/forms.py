from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.api.models import WebhookEvent
from fazhan.core.forms import ChineseForm
from fazhan.organizations.models import Org


class TokenForm(ChineseForm):
    name = forms.CharField(
        label=_("用途"), max_length=60, required=False, help_text=_("如：统计脚本、档案系统对接")
    )
    read_only = forms.BooleanField(
        label=_("只读"), required=False, help_text=_("只读令牌只能查询，不能新增或修改数据")
    )


class WebhookForm(ChineseForm):
    name = forms.CharField(label=_("用途"), max_length=60, required=False, help_text=_("如：区档案系统"))
    url = forms.CharField(
        label=_("接收地址"),
        max_length=500,
        help_text=_("对方系统接收推送的网址，如 https://dangan.example.cn/fazhan"),
    )
    events = forms.MultipleChoiceField(
        label=_("推送事件"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    org = forms.ModelChoiceField(
        label=_("范围"),
        queryset=Org.objects.none(),
        empty_label=None,
        help_text=_("推送该组织及其下级组织的事件"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = Org.objects.order_by("path")  # type: ignore[attr-defined]
