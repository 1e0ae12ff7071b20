from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm, DateField
from fazhan.floating.models import Direction


class FloatingOpenForm(ChineseForm):
    """Register a person's flowing out or in; the person and the org there are chosen among those offered."""

    person = forms.ChoiceField(label=_("人员"))
    direction = forms.ChoiceField(label=_("流向"), choices=Direction.choices)
    place = forms.CharField(label=_("流入地或流出地"), max_length=200, help_text=_("如：广东省东莞市长安镇"))
    since = DateField(label=_("流动开始日期"))
    other_org = forms.ChoiceField(
        label=_("对方党组织（本区）"),
        required=False,
        help_text=_("流出：流入地的本区流动党员党组织；流入：户籍地党组织在本区的，选择此项"),
    )
    other_org_name = forms.CharField(
        label=_("对方党组织（区外）"), max_length=120, required=False, help_text=_("不在本区的，填写名称")
    )
    contact = forms.CharField(label=_("联系方式"), max_length=40, required=False)
    migrant_worker = forms.BooleanField(label=_("农民工（流入）"), required=False)

    def __init__(self, *args, persons=(), orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["person"]).choices = [
            ("", "—"),
            *((p.pid, f"{p.name}（{p.pid}，{p.org.name}）") for p in persons),
        ]
        cast(forms.ChoiceField, self.fields["other_org"]).choices = [
            ("", "—"),
            *((o.code, o.name) for o in orgs),
        ]


class FloatingCloseForm(ChineseForm):
    until = DateField(label=_("返回或结束日期"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
