from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm


class TokenForm(ChineseForm):
    name = forms.CharField(
        label=_("用途"), max_length=60, required=False, help_text=_("如：统计脚本、档案系统对接")
    )
    read_only = forms.BooleanField(
        label=_("只读"), required=False, help_text=_("只读令牌只能查询，不能新增或修改数据")
    )
