from django import template

from fazhan.procedure.definition import MATERIALS

register = template.Library()


@register.filter
def materials(codes) -> str:
    """Material codes → their labels joined as on paper: 入党申请书、入党志愿书."""
    return "、".join(str(MATERIALS.get(code, code)) for code in codes or [])
