from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm

CALENDAR_MAX_BYTES = 64 * 1024  # a year is some forty lines


class CalendarUploadForm(ChineseForm):
    file = forms.FileField(label=_("节假日安排文件（CSV：日期,类别）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CALENDAR_MAX_BYTES:
            raise forms.ValidationError(_("文件过大：一年的安排只有几十行。"))
        return upload
