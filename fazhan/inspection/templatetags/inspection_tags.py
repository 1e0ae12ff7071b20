from django import template

from fazhan.inspection.categories import severity_label

register = template.Library()


@register.filter
def severity_cn(severity: str) -> str:
    """A finding's severity as users read it (严重 / 一般 / 提示), never its stored value."""
    return severity_label(severity)
