"""The procedure as data: the 5 stages and 25 steps of procedure.md (A).

This is the only module that names a step. The rules of section B attach here (issue: the procedure).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Stage:
    code: str
    name: "StrOrPromise"


@dataclass(frozen=True)
class Step:
    code: str
    number: int
    name: "StrOrPromise"
    stage: str
    article: str


PHASES = (
    Stage("I", _("申请入党")),
    Stage("II", _("入党积极分子的确定和培养教育")),
    Stage("III", _("发展对象的确定和考察")),
    Stage("IV", _("预备党员的接收")),
    Stage("V", _("预备党员的教育考察和转正")),
)

STEPS = (
    Step("S01", 1, _("递交入党申请书"), "I", "Art.5–6"),
    Step("S02", 2, _("党组织派人谈话"), "I", "Art.7"),
    Step("S03", 3, _("推荐和确定入党积极分子"), "II", "Art.8"),
    Step("S04", 4, _("上级党委备案"), "II", "Art.8"),
    Step("S05", 5, _("指定培养联系人"), "II", "Art.9"),
    Step("S06", 6, _("培养教育考察"), "II", "Art.10–12"),
    Step("S07", 7, _("确定发展对象"), "III", "Art.13"),
    Step("S08", 8, _("报上级党委备案"), "III", "Art.13"),
    Step("S09", 9, _("确定入党介绍人"), "III", "Art.14–15"),
    Step("S10", 10, _("进行政治审查"), "III", "Art.16"),
    Step("S11", 11, _("开展集中培训"), "III", "Art.17"),
    Step("S12", 12, _("支部委员会审查"), "IV", "Art.19"),
    Step("S13", 13, _("上级党委预审"), "IV", "Art.19"),
    Step("S14", 14, _("填写入党志愿书"), "IV", "Art.15,19"),
    Step("S15", 15, _("支部大会讨论"), "IV", "Art.20–22"),
    Step("S16", 16, _("上级党委派人谈话"), "IV", "Art.24"),
    Step("S17", 17, _("上级党委审批"), "IV", "Art.23,25–26"),
    Step("S18", 18, _("再上一级党委组织部门备案"), "IV", "Art.26"),
    Step("S19", 19, _("编入党支部和党小组"), "V", "Art.29"),
    Step("S20", 20, _("入党宣誓"), "V", "Art.30"),
    Step("S21", 21, _("继续教育考察"), "V", "Art.31–32"),
    Step("S22", 22, _("提出转正申请"), "V", "Art.33"),
    Step("S23", 23, _("支部大会讨论"), "V", "Art.32–33"),
    Step("S24", 24, _("上级党委审批"), "V", "Art.34"),
    Step("S25", 25, _("材料归档"), "V", "Art.37"),
)

STEPS_BY_CODE = {s.code: s for s in STEPS}
STEP_CHOICES = [(s.code, f"{s.code} {s.name}") for s in STEPS]


class CaseStage:
    """Where a case stands (procedure.md B0.3), for pools, reserves and lists."""

    APPLICANT = "applicant"
    ACTIVIST = "activist"
    TARGET = "target"
    PROBATIONARY = "probationary"
    FULL = "full"
    EXITED = "exited"

    CHOICES = [
        (APPLICANT, _("入党申请人")),
        (ACTIVIST, _("入党积极分子")),
        (TARGET, _("发展对象")),
        (PROBATIONARY, _("预备党员")),
        (FULL, _("正式党员")),
        (EXITED, _("已终止")),
    ]


# The step that opens each stage, with the result it must carry where the step has one.
STAGE_ENTRY = (
    (CaseStage.FULL, "S24", ("result", "approved")),
    (CaseStage.PROBATIONARY, "S17", ("result", "approved")),
    (CaseStage.TARGET, "S07", None),
    (CaseStage.ACTIVIST, "S03", None),
    (CaseStage.APPLICANT, "S01", None),
)
