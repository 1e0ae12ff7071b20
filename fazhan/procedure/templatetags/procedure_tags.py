from django import template

from fazhan.procedure.definition import MATERIALS, RULES_BY_ID, STEPS_BY_CODE, Anchor
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


@register.filter
def step_label(code: str):
    """A step as users read it: its number and name (11. 集中培训), not its code."""
    step = STEPS_BY_CODE.get(code)
    return f"{step.number}. {step.name}" if step is not None else code


@register.filter
def material_label(code: str):
    """A material's Chinese name (definition.MATERIALS), not its stored code."""
    return MATERIALS.get(code, code)


@register.simple_tag
def step_no(anchor: str) -> int:
    """The number of the step the definition names `anchor` ("APPROVAL" → 17): a page that says 第17步 takes
    it from here, so a renumbered step cannot leave the page saying the old number."""
    return STEPS_BY_CODE[getattr(Anchor, anchor)].number


@register.simple_tag
def step_name(anchor: str) -> str:
    """The name of the step the definition names `anchor` ("APPLICATION" → 递交入党申请书)."""
    return str(STEPS_BY_CODE[getattr(Anchor, anchor)].name)
