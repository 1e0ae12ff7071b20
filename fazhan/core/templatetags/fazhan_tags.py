from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def step_details(record):
    """A step record's details as (label, value) pairs in Chinese."""
    from fazhan.procedure.details import details_display

    return details_display(record.step, record.details)
