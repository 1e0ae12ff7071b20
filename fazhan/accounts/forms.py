from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm


class TokenForm(ChineseForm):
    token = forms.CharField(
        label=_("验证码"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", _("请输入身份验证器上的 6 位数字。"))],
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
