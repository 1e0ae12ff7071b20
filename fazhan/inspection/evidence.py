"""A finding's evidence and message as users read them: Chinese labels for the rules' evidence keys,
Chinese for the codes the rules keep (父母, 立案审查, 已核实 …), 无 for an empty value, people by name
beside their id, steps by number and name, orgs by name. The rules keep codes (stable, for the exports
and the tests); this is where they are put into words."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from fazhan.inspection.models import FindingStatus
from fazhan.organizations.models import Org
from fazhan.people.choices import DisciplineKind, KinRelation
from fazhan.people.models import Person
from fazhan.procedure.definition import STEPS_BY_CODE

LABELS = {
    "abstain": "弃权",
    "active_forms": "有效志愿书",
    "activist": "确定积极分子日期",
    "activists": "积极分子",
    "actual": "实际",
    "admitted": "已发展",
    "against": "反对",
    "age": "年龄",
    "agreed": "同意",
    "applicants": "申请人",
    "application": "申请日期",
    "applies": "适用",
    "approval": "审批日期",
    "approver": "审批单位",
    "archive_review": "档案审核",
    "birth_date": "出生日期",
    "branch": "支部",
    "by": "经办人",
    "contact": "培养联系人",
    "contacts": "培养联系人",
    "conversion": "转正日期",
    "conversion_application": "转正申请",
    "corrected_on": "更正日期",
    "cultivation_records": "培养考察记录",
    "date": "日期",
    "deadline": "期限",
    "decided_by": "决定方式",
    "decision": "决定",
    "details": "内容",
    "district_pass": "区委组织部预审",
    "days": "天数",
    "earlier": "此前各期",
    "election": "换届日期",
    "end": "截止日期",
    "entered_on": "录入日期",
    "entitled": "应到人数",
    "examination": "考察",
    "exited_on": "终止日期",
    "expected": "应有",
    "extend_months": "延长月数",
    "extended_on": "延长日期",
    "filed": "备案",
    "filed_with": "备案单位",
    "filing": "备案",
    "first_step": "首个步骤",
    "floating": "流动人员",
    "floating_opinions": "流动人员意见",
    "floating_opinions_outside": "区外党组织意见",
    "for": "赞成",
    "form": "志愿书",
    "form_date": "志愿书日期",
    "form_number": "志愿书编号",
    "form_register": "志愿书登记",
    "from": "起",
    "full_members": "正式党员",
    "gaps": "缺漏",
    "high": "上限",
    "hours": "学时",
    "id_number_changed": "身份证号变更",
    "introducer": "入党介绍人",
    "introducers": "入党介绍人",
    "issued_on": "发放日期",
    "items": "事项",
    "keys": "内容项",
    "kind": "类别",
    "later": "后续步骤",
    "later_entered_on": "后续步骤录入日期",
    "later_step": "后续步骤",
    "limit": "限度",
    "loose": "宽松口径",
    "low": "下限",
    "meeting": "会议日期",
    "member": "党员",
    "method": "方式",
    "min": "最低",
    "missing": "缺少",
    "month": "月份",
    "name": "姓名",
    "name_now": "现姓名",
    "name_then": "原姓名",
    "needed": "需要",
    "needs": "需要",
    "new_members": "新党员",
    "oath": "宣誓日期",
    "one_by_one": "逐个表决",
    "org": "党组织",
    "over_quota": "超计划",
    "passes": "通过",
    "person": "人员",
    "planned_departure": "计划离开日期",
    "political_review": "政治审查",
    "present": "实到人数",
    "prereview": "预审",
    "prereviews": "预审",
    "probation_end": "预备期满日期",
    "provider": "提供方",
    "provisional": "暂定",
    "quota": "计划数",
    "register": "登记",
    "registers": "登记",
    "relation": "关系",
    "relative": "亲属",
    "relatives": "亲属",
    "resolution": "决议",
    "result": "结果",
    "review": "审核日期",
    "reviewer": "审核单位",
    "reviews": "审核",
    "role": "身份",
    "secret_ballot": "无记名投票",
    "short": "未达目标",
    "special_deadline": "特殊期限",
    "special_reason": "特殊理由",
    "step": "步骤",
    "steps": "步骤",
    "talk": "谈话日期",
    "talkers": "谈话人",
    "target": "目标",
    "targets": "发展对象",
    "thought_report": "思想汇报",
    "to": "止",
    "training": "培训",
    "transfers": "组织关系转接",
    "unit": "单位",
    "volunteer_form": "入党志愿书",
    "what": "事项",
    "window": "期间",
    "work_unit_org": "工作单位党组织",
    "working_days": "工作日",
    "written_for": "书面意见赞成",
    "year": "年度",
}
VALUES: dict[str, str] = {
    **{v: str(label) for v, label in KinRelation.choices},
    **{v: str(label) for v, label in DisciplineKind.choices},
    **{v: str(label) for v, label in FindingStatus.choices},
    "approved": "批准",
    "rejected": "不批准",
    "branch_secretary": "支部书记",
    "talkers": "谈话人",
    "contacts": "培养联系人",
    "introducers": "入党介绍人",
    "other": "其他",
    "convert": "按期转正",
    "extend": "延长预备期",
    "cancel": "取消预备党员资格",
}
CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*\d\b")


def _codes(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield from CODE.findall(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _codes(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _codes(v)


class Names:
    """People and orgs by name for the codes that a set of findings mentions (one query each)."""

    def __init__(self, texts: Iterable[Any]):
        codes = {c for t in texts for c in _codes(t)}
        self.people = dict(Person.objects.filter(pid__in=codes).values_list("pid", "name"))
        self.orgs = dict(Org.objects.filter(code__in=codes).values_list("code", "name"))

    def code(self, code: str, *, ids: bool = True) -> str:
        if code in self.people:
            return f"{self.people[code]}（{code}）" if ids else self.people[code]
        if code in self.orgs:
            return self.orgs[code]
        step = STEPS_BY_CODE.get(code)
        if step is not None:
            return f"第{step.number}步 {step.name}"
        return VALUES.get(code, code)

    def text(self, message: str, *, ids: bool = True) -> str:
        """A message with every person, org and step code in it put as a name (`ids=False`: a person by name
        alone, as a document handed in names them)."""
        return CODE.sub(lambda m: self.code(m.group(0), ids=ids), message)

    def value(self, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "无"
        if value is True:
            return "是"
        if value is False:
            return "否"
        if isinstance(value, Mapping):
            return "；".join(f"{LABELS.get(k, k)}：{self.value(v)}" for k, v in value.items())
        if isinstance(value, list | tuple):
            if len(value) == 2 and all(isinstance(v, str) and len(v) == 10 for v in value):
                return f"{value[0]} 至 {value[1]}"  # a window of dates
            return "、".join(self.value(v) for v in value)
        text = str(value)
        if text in VALUES:
            return VALUES[text]
        return self.text(text)

    def evidence(self, evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(LABELS.get(k, k), self.value(v)) for k, v in evidence.items()]


def evidence_rows(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """One finding's evidence as (label, text) rows."""
    return Names([evidence]).evidence(evidence)
