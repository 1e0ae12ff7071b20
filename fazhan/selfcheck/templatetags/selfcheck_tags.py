import datetime

from django import template
from django.utils import timezone

from fazhan.core.dates import date_cn

register = template.Library()


@register.filter
def cn(value: datetime.date | None) -> str:
    """A date as the documents write it (2026年8月31日); a moment by its local day."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return date_cn(value)
