from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm, DateField
from fazhan.notices.models import FeedbackChannel, FeedbackFinding, NoticeKind
from fazhan.notices.selectors import Candidate

DATE = forms.DateInput(attrs={"type": "date"})


class NoticeScopeForm(ChineseForm):
    """Which org publishes, and about what: the candidates offered follow from it."""

    org = forms.ChoiceField(label=_("发布单位"))
    kind = forms.ChoiceField(label=_("公示事项"), choices=NoticeKind.choices)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.code, o.name) for o in orgs]


class NoticePublishForm(ChineseForm):
    cases = forms.MultipleChoiceField(label=_("公示对象"), widget=forms.CheckboxSelectMultiple)
    starts_on = DateField(label=_("公示开始"), widget=DATE)
    ends_on = DateField(
        label=_("公示结束"),
        required=False,
        widget=DATE,
        help_text=_("不填则按最少工作日自动计算（节假日、调休按国家规定）"),
    )
    contact = forms.CharField(
        label=_("意见反映方式"), max_length=200, help_text=_("如：来电 0832-1234567，来信来访 镇党委组织办")
    )

    def __init__(self, *args, candidates: list[Candidate] = (), **kwargs):  # type: ignore[assignment]
        kwargs.setdefault("initial", {"starts_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["cases"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(c.case.pk), _label(c)) for c in candidates]


def _label(c: Candidate) -> str:
    person = c.case.person
    text = f"{person.name}（{person.pid}）· {person.org.name}"
    if c.ready_on is not None:
        text += " · " + str(_("培养满一年：%(d)s") % {"d": c.ready_on.isoformat()})
    return text


class FeedbackForm(ChineseForm):
    entry = forms.ChoiceField(label=_("反映对象"), required=False)
    received_on = DateField(label=_("收到日期"), widget=DATE)
    channel = forms.ChoiceField(
        label=_("反映方式"),
        choices=[(v, label) for v, label in FeedbackChannel.choices if v != FeedbackChannel.PUBLIC],
    )
    summary = forms.CharField(label=_("反映内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, entries=(), **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["entry"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("（对公示整体）")), *((str(e.pk), e.name) for e in entries)]


class VerifyForm(ChineseForm):
    finding = forms.ChoiceField(label=_("核实结论"), choices=[("", _("请选择")), *FeedbackFinding.choices])
    verification = forms.CharField(label=_("核实情况"), widget=forms.Textarea(attrs={"rows": 2}))
    verified_on = DateField(label=_("核实日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"verified_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class CloseForm(ChineseForm):
    closed_on = DateField(label=_("办结日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"closed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class PublicOpinionForm(ChineseForm):
    """The public page's opinion form: nothing about the sender is required. `website` is the honeypot —
    hidden from people by the page's style, filled by robots that fill every field (captcha-free)."""

    entry = forms.ChoiceField(label=_("反映对象"), required=False)
    text = forms.CharField(
        label=_("意见内容"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请填写意见内容。")},
    )
    contact = forms.CharField(
        label=_("联系方式（选填）"),
        required=False,
        max_length=100,
        help_text=_("便于核实时与您联系；不填也会受理"),
    )
    website = forms.CharField(
        label=_("请勿填写此项"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, entries=(), max_chars: int = 1000, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["entry"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("（对公示整体）")), *((str(e.pk), e.name) for e in entries)]
        text = self.fields["text"]
        text.widget.attrs["maxlength"] = str(max_chars)
        text.help_text = _("不超过 %(n)d 字") % {"n": max_chars}
