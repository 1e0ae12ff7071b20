from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm, DateField


class TrailFilterForm(ChineseForm):
    action = forms.CharField(label=_("操作"), required=False, max_length=60)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    target = forms.CharField(label=_("对象"), required=False, max_length=130)
    date_from = DateField(label=_("起始日期"), required=False)
    date_to = DateField(label=_("截止日期"), required=False)

    def clean(self):
        cleaned = super().clean() or {}
        for name in ("action", "actor", "target"):
            if "\x00" in (cleaned.get(name) or ""):
                self.add_error(name, _("含有无效字符。"))
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return cleaned
