from typing import cast

from django import forms
from django.forms.models import fields_for_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
from fazhan.core.masking import mask_id_number
from fazhan.organizations.models import Org
from fazhan.people.choices import FOCUS_TAG_CHOICES, DisciplineKind, Gender, KinRelation, MemberRole
from fazhan.people.idnumber import IdNumberError, id_number_parse
from fazhan.people.models import Person
from fazhan.people.services import MEMBERSHIP_FIELDS, PERSON_FIELDS

_MODEL_FIELDS = [f for f in PERSON_FIELDS if f not in {"tags", "org", "work_unit_org"}]


class PersonForm(ChineseForm):
    """Shape only: the ID number's form and the field types. Identity checks run in people.services."""

    id_number = forms.CharField(label=_("身份证号"), max_length=20)
    gender = forms.ChoiceField(
        label=_("性别"),
        required=False,
        choices=[("", _("（按身份证号）")), *Gender.choices],
        help_text=_("可不填；填写时须与身份证号一致。"),
    )
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        help_text=_("可不填；填写时须与身份证号一致。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    org = forms.ModelChoiceField(label=_("所在党组织"), queryset=Org.objects.none())
    work_unit_org = forms.ModelChoiceField(
        label=_("工作单位党组织"), queryset=Org.objects.none(), required=False
    )
    tags = forms.MultipleChoiceField(
        label=_("重点群体"), choices=FOCUS_TAG_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    membership_reason = forms.CharField(
        label=_("登记党员身份的依据"),
        max_length=200,
        required=False,
        help_text=_("未经本系统发展的党员：如组织关系介绍信、党员档案。"),
    )

    def __init__(self, *args, orgs, stored_id_number: str = "", membership: str = "", **kwargs):
        """`stored_id_number`: the number the form shows masked; sent back unchanged, it is kept.
        `membership`: "editable" where the user may set a membership by hand (a township role, a person with
        no case), else why not — the fields then show it and send back what is stored."""
        super().__init__(*args, **kwargs)
        self.stored_id_number = stored_id_number
        self.fields.update(fields_for_model(Person, fields=_MODEL_FIELDS))
        for name in ("planned_departure", "joined_on", "full_since", "work_started_on"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        for name in ("org", "work_unit_org"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = orgs
        if membership != "editable":
            for name in MEMBERSHIP_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = membership
            del self.fields["membership_reason"]
        self.order_fields(
            [
                "name",
                "id_number",
                "gender",
                "birth_date",
                "ethnicity",
                "education",
                "occupation",
                "org",
                "tags",
                "phone",
                "household_place",
                "residence",
                "native_place",
                "work_unit",
                "position",
                "work_started_on",
                "floating",
                "front_line",
                "league_member",
                "work_unit_org",
                "planned_departure",
                "party_status",
                "joined_on",
                "full_since",
                "membership_reason",
            ]
        )

    def clean_id_number(self) -> str:
        if self.stored_id_number and self.cleaned_data["id_number"] == mask_id_number(self.stored_id_number):
            return self.stored_id_number
        try:
            return id_number_parse(self.cleaned_data["id_number"]).number
        except IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not phone.replace("-", "").isdigit():
            raise forms.ValidationError(_("联系电话只能包含数字和-。"))
        return phone

    def person_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in PERSON_FIELDS}

    def membership_reason_given(self) -> str:
        return self.cleaned_data.get("membership_reason") or ""

    @classmethod
    def initial_for(cls, person: Person, *, show_id_number: bool) -> dict:
        initial = {f: getattr(person, f) for f in PERSON_FIELDS}
        initial["id_number"] = person.id_number if show_id_number else mask_id_number(person.id_number)
        return initial


class PersonSearchForm(ChineseForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=40)
    org = forms.CharField(required=False, max_length=40)
    stage = forms.CharField(required=False, max_length=20)


class KinshipForm(ChineseForm):
    relative = forms.CharField(label=_("亲属（人员编号）"), max_length=40)
    relation = forms.ChoiceField(label=_("关系"), choices=KinRelation.choices)


class DisciplineForm(ChineseForm):
    kind = forms.ChoiceField(label=_("类型"), choices=DisciplineKind.choices)
    date_from = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rights_restored_on = forms.DateField(
        label=_("恢复党员权利日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class MemberRolesForm(ChineseForm):
    roles = forms.MultipleChoiceField(
        label=_("职务"), choices=MemberRole.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class TransferForm(ChineseForm):
    to_org = forms.ModelChoiceField(label=_("转入党支部"), queryset=Org.objects.none())
    date = forms.DateField(label=_("转接日期"), widget=forms.DateInput(attrs={"type": "date"}))
    materials_transferred = forms.BooleanField(label=_("培养考察材料随转"), required=False, initial=True)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            field = cast(forms.ModelChoiceField, self.fields["to_org"])
            field.queryset = orgs


class ExitForm(ChineseForm):
    reason = forms.ChoiceField(label=_("终止原因"), choices=())
    date = forms.DateField(label=_("终止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["reason"]).choices = list(reasons)


class ApplyForm(ChineseForm):
    date = forms.DateField(label=_("收到入党申请书日期"), widget=forms.DateInput(attrs={"type": "date"}))


class PersonPicker(forms.Widget):
    """Chosen persons as ticked boxes (name and number) and a search box whose results (htmx, the user's
    members by name, pinyin initials or number) add one more: desk.views.people.person_pick."""

    template_name = "people/_person_picker.html"

    def value_from_datadict(self, data, files, name):
        return [v for v in data.getlist(name) if v.strip()] if hasattr(data, "getlist") else data.get(name)

    def format_value(self, value):
        if isinstance(value, str):
            return [v for v in value.replace(",", " ").split() if v]
        return list(value or [])

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # a posted value no pid can be (a NUL: PostgreSQL refuses it in a query) is not shown again
        pids = [p for p in self.format_value(value) if str(p).isprintable()]
        names = dict(Person.objects.filter(pid__in=pids).values_list("pid", "name"))
        context["widget"].update(
            chosen=[(pid, names.get(pid, "")) for pid in pids],
            search_url=reverse("people:pick"),
        )
        return context


class PersonPickField(forms.Field):
    """The pids ticked in a PersonPicker, in order, each once."""

    widget = PersonPicker

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        return list(dict.fromkeys(str(v).strip() for v in value or [] if str(v).strip()))


class PhotoForm(ChineseForm):
    photo = forms.FileField(label=_("照片"), help_text=_("JPG 或 PNG，最大 5 MB；用于全程纪实表。"))
