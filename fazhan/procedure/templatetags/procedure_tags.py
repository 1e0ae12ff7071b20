from django import template

from fazhan.procedure.details import details_display

register = template.Library()


@register.filter
def step_details(record):
    """A step record's details as (label, value) pairs in Chinese."""
    return details_display(record.step, record.details)
