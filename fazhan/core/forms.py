import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")


def form_to_service(
    form: forms.Form,
    call: Callable[[dict[str, Any]], T],
    *,
    field_for: Callable[[str], str] | None = None,
) -> T | None:
    """Validate the bound form and hand its cleaned data to `call` (a service): what the service answers, or
    None when the form or the service refused (an unbound form calls nothing; the services answer what they
    wrote, never None). A service's ValidationError is shown on the form: each error at the field that
    `field_for` gives for the service's name of it (the same name by default), on top where the form has no
    such field or the error names none."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
        for name, messages in errors.items():
            field = field_for(name) if field_for else name
            form.add_error(field if field in form.fields else None, messages)
        return None


class ChineseForm(forms.Form):
    """Labels end in a full-width colon (姓名：), as on the paper forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)


# The dates a record or a filter can name. Outside them the day after, a month later or a year's calendar no
# longer exists (datetime stops at 9999-12-31): 2100 is far past any record, 1900 before any member's birth.
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)
ERR_DATE_RANGE = "日期须在 %(min)s 至 %(max)s 之间。"


class DateField(forms.DateField):
    """A date field that refuses, at its own name, a date outside DATE_MIN..DATE_MAX (a 9999-12-31 typed into
    a filter is a field message, never an overflow further on); the browser's picker has the same bounds."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)
        message = _(ERR_DATE_RANGE) % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
        self.validators += [MinValueValidator(DATE_MIN, message), MaxValueValidator(DATE_MAX, message)]
        self.widget.attrs.setdefault("min", DATE_MIN.isoformat())
        self.widget.attrs.setdefault("max", DATE_MAX.isoformat())
