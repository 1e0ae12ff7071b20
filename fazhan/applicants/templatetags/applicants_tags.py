import datetime

from django import template
from django.utils import timezone

from fazhan.core.dates import date_cn

register = template.Library()


@register.filter
def cn(value: datetime.date | datetime.datetime | None) -> str:
    """A date as a document writes it (core.dates.date_cn); a moment on its local day."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return date_cn(value)
