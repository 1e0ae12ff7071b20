from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm


class TokenForm(ChineseForm):
    name = forms.CharField(
        label=_("用途"), max_length=60, required=False, help_text=_("如：统计脚本、档案系统对接")
    )
