from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm, DateField
from fazhan.people.forms import PersonPickField
from fazhan.talents.models import ContactWay, PersonCategory, UnitCategory


def _choose(form: forms.Form, name: str, choices) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(choices)


class UnitMarkForm(ChineseForm):
    org = forms.ChoiceField(label=_("单位党组织"))
    category = forms.ChoiceField(label=_("重点单位类别"), choices=UnitCategory.choices)
    since = DateField(label=_("确定日期"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "org", [(o.code, o.name) for o in orgs])


class PersonMarkForm(ChineseForm):
    person = forms.ChoiceField(label=_("人员"))
    category = forms.ChoiceField(label=_("重点培养对象类别"), choices=PersonCategory.choices)
    since = DateField(label=_("确定日期"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "person", [(p.pid, f"{p.name}（{p.pid}，{p.org.name}）") for p in persons])


class UnmarkForm(ChineseForm):
    until = DateField(label=_("取消日期"))


class AssignForm(ChineseForm):
    """A key person and the leaders assigned to them: several picked at once are several links (多对一)."""

    key = forms.ChoiceField(label=_("重点培养对象"))
    d_leaders = PersonPickField(
        label=_("联系领导干部"), help_text=_("正式党员；按姓名、拼音首字母或人员编号查找")
    )
    start = DateField(label=_("联系开始日期"))

    def __init__(self, *args, keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "key", [(str(k.pk), f"{k.person.name}（{k.get_category_display()}）") for k in keys])


class ContactForm(ChineseForm):
    link = forms.ChoiceField(label=_("联系领导干部 → 重点培养对象"))
    date = DateField(label=_("联系日期"))
    way = forms.ChoiceField(label=_("联系方式"), choices=ContactWay.choices)
    note = forms.CharField(
        label=_("联系内容"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, links=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "link", [(str(x.pk), f"{x.leader.name} → {x.key.person.name}") for x in links])


class PlanLineForm(ChineseForm):
    org = forms.ChoiceField(label=_("党组织"))
    reserved = forms.IntegerField(label=_("单列计划数"), min_value=0, max_value=100000)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "org", [(o.code, o.name) for o in orgs])
