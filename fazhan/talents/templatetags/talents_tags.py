from django import template

from fazhan.core.dates import date_cn as to_cn
from fazhan.talents.rules import RULES

register = template.Library()


@register.filter
def date_cn(day):
    """2018-03-01 → 2018年3月1日 (core.dates.date_cn)."""
    return to_cn(day)


@register.filter
def talent_rule(rule_id: str) -> str:
    """A key-talent check's Chinese title (talents/rules.py RULES), what users read beside its id."""
    return RULES.get(rule_id, rule_id)
