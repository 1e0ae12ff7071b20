"""The forms of self-service applications. They shape input only; the services check it (a form never
re-checks what a service checks), and their errors land at the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
from fazhan.people.choices import ETHNICITY_CHOICES, Education, Occupation

BLANK = [("", _("请选择"))]


class Honeypot(forms.CharField):
    """Hidden from people by the page's style, filled by robots that fill every field (no captcha)."""

    def __init__(self):
        super().__init__(
            label=_("请勿填写此项"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )


class CodeForm(ChineseForm):
    code = forms.CharField(
        label=_("登记码"),
        max_length=20,
        error_messages={"required": _("请输入党支部发给您的登记码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class RegisterForm(ChineseForm):
    name = forms.CharField(label=_("姓名"), max_length=60, error_messages={"required": _("请填写姓名。")})
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        error_messages={"required": _("请填写身份证号。")},
        help_text=_("出生日期和性别按身份证号登记"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages={"required": _("请填写 11 位手机号码。")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=ETHNICITY_CHOICES, initial="汉族")
    education = forms.ChoiceField(
        label=_("学历"),
        choices=BLANK + list(Education.choices),
        error_messages={"required": _("请选择学历。")},
    )
    occupation = forms.ChoiceField(
        label=_("职业"),
        choices=BLANK + list(Occupation.choices),
        error_messages={"required": _("请选择职业。")},
    )
    pin = forms.CharField(
        label=_("设置登录密码"),
        help_text=_("6 位数字，以后用身份证号和此密码查看进度"),
        error_messages={"required": _("密码须为 6 位数字。")},
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )
    pin_again = forms.CharField(
        label=_("再次输入密码"),
        error_messages={"required": _("请再次输入密码。")},
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )
    website = Honeypot()


class SignInForm(ChineseForm):
    id_number = forms.CharField(
        label=_("身份证号"), max_length=30, error_messages={"required": _("请填写身份证号。")}
    )
    pin = forms.CharField(
        label=_("密码"),
        error_messages={"required": _("请输入密码。")},
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "current-password"}),
    )


class SubmitForm(ChineseForm):
    text = forms.CharField(
        label=_("入党申请书正文"),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("请填写入党申请书正文。")},
        help_text=_("可照抄您手写的申请书"),
    )
    photo = forms.FileField(
        label=_("签名页照片"),
        error_messages={"required": _("请上传签名页的照片。")},
        help_text=_("请拍摄您亲笔签名、写明日期的那一页（JPG 或 PNG，不超过 8 MB）"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class ReturnForm(ChineseForm):
    reason = forms.CharField(
        label=_("退回原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明退回原因，申请人会看到。")},
    )


class IssueForm(ChineseForm):
    org = forms.ChoiceField(label=_("党支部"))

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.code, o.name) for o in orgs]
