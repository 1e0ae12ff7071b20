from django import template

from fazhan.procedure.definition import RULES_BY_ID
from fazhan.procedure.details import details_display

register = template.Library()


@register.filter
def step_details(record):
    """A step record's details as (label, value) pairs in Chinese."""
    return details_display(record.step, record.details)


@register.filter
def rule_title(rule_id: str):
    """A rule's Chinese title, what users read in place of its id (the id may stand after it, small)."""
    rule = RULES_BY_ID.get(rule_id)
    return rule.title if rule is not None else rule_id
