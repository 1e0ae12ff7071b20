from django import template

from fazhan.core.dates import date_cn as to_cn

register = template.Library()


@register.filter
def date_cn(day):
    """2018-03-01 → 2018年3月1日 (core.dates.date_cn)."""
    return to_cn(day)
