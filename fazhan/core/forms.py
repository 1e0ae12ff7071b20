from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError at the form's fields; errors on fields the form lacks go on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ChineseForm(forms.Form):
    """Labels end in a full-width colon (姓名：), as on the paper forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
