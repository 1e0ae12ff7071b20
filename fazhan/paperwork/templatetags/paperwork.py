from django import template

from fazhan.paperwork.declarations import FORMS_BY_CODE
from fazhan.paperwork.selectors import person_step_forms

register = template.Library()


@register.simple_tag
def step_forms(person):
    """[{step, date, forms}] for the person page's include (paperwork/_step_forms.html)."""
    return person_step_forms(person)


@register.simple_tag
def record_table_form():
    return FORMS_BY_CODE["record_table"]
