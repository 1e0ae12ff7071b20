from django import forms
from django.utils.translation import gettext_lazy as _

from fazhan.core.forms import ChineseForm
from fazhan.interchange.files import SUFFIXES

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class UploadForm(ChineseForm):
    file = forms.FileField(label=_("导入文件（.jsonl，或 .xlsx、.xls、.et、.ods 台账）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(
                _("只能导入 .jsonl（数据交换格式）或发展党员工作台账（.xlsx、.xls、WPS 的 .et、.ods）文件。")
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（最大 100 MB）。"))
        return upload
