from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm


class PreferenceForm(ChineseForm):
    email_digest = forms.BooleanField(label=_("每天早上把我的待办事项发到我的邮箱"), required=False)
    message_digest = forms.BooleanField(label=_("每天把我的待办事项发到企业微信或短信"), required=False)
