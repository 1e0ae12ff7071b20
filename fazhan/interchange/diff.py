"""What an import would change, line by line, as the preview and `fazhan import --dry-run` show it: each
record it creates, and for each record it changes or corrects, every field from what to what, in Chinese."""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fazhan.interchange.reader import Source, where_text
from fazhan.people.choices import DisciplineKind, Education, KinRelation, Occupation, PartyStatus
from fazhan.procedure.definition import CHOICE_LABELS, DETAIL_LABELS, STEPS_BY_CODE, CaseStage

CREATE, UPDATE, CORRECT = "create", "update", "correct"
ACTION_LABELS = {CREATE: gettext_lazy("新增"), UPDATE: gettext_lazy("修改"), CORRECT: gettext_lazy("更正")}

FIELD_LABELS = {
    "name": gettext_lazy("姓名"),
    "id_number": gettext_lazy("身份证号"),
    "org": gettext_lazy("所在党组织"),
    "ethnicity": gettext_lazy("民族"),
    "education": gettext_lazy("学历"),
    "occupation": gettext_lazy("职业"),
    "tags": gettext_lazy("重点群体"),
    "phone": gettext_lazy("联系电话"),
    "household_place": gettext_lazy("户籍所在地"),
    "residence": gettext_lazy("现居住地"),
    "work_unit": gettext_lazy("工作单位"),
    "position": gettext_lazy("职务"),
    "native_place": gettext_lazy("籍贯"),
    "work_started_on": gettext_lazy("参加工作时间"),
    "floating": gettext_lazy("流动人员"),
    "front_line": gettext_lazy("生产、工作一线"),
    "league_member": gettext_lazy("共青团员"),
    "work_unit_org": gettext_lazy("工作单位党组织"),
    "planned_departure": gettext_lazy("计划离开单位日期"),
    "party_status": gettext_lazy("党员身份"),
    "joined_on": gettext_lazy("入党日期"),
    "full_since": gettext_lazy("转正日期"),
    "roles": gettext_lazy("党内职务"),
    "category": gettext_lazy("类别"),
    "election_dates": gettext_lazy("换届日期"),
    "date": gettext_lazy("日期"),
    "date_inferred": gettext_lazy("日期系推定"),
    "stage": gettext_lazy("阶段"),
    "closed_on": gettext_lazy("终止日期"),
    "exit_reason": gettext_lazy("终止原因"),
    "exit_note": gettext_lazy("终止说明"),
    "from": gettext_lazy("转出组织"),
    "to": gettext_lazy("转入组织"),
    "materials_transferred": gettext_lazy("材料随转"),
    "rights_restored_on": gettext_lazy("恢复权利日期"),
    "note": gettext_lazy("说明"),
    "quota": gettext_lazy("发展计划数"),
    "groups": gettext_lazy("重点群体目标"),
    "issued_to": gettext_lazy("领用人"),
    "issued_on": gettext_lazy("发放日期"),
    "issued_by": gettext_lazy("发放单位"),
    "status": gettext_lazy("状态"),
    "void_reason": gettext_lazy("作废/遗失原因"),
    "replaces": gettext_lazy("替换的志愿书"),
    "reviewer": gettext_lazy("审核单位"),
    "missing": gettext_lazy("缺少材料"),
    "location": gettext_lazy("存放地点"),
}
RECORD_LABELS = {
    "org": gettext_lazy("党组织"),
    "person": gettext_lazy("人员"),
    "step": gettext_lazy("步骤记录"),
    "case": gettext_lazy("发展档案"),
    "exit": gettext_lazy("终止"),
    "transfer": gettext_lazy("组织关系转接"),
    "kin": gettext_lazy("亲属关系"),
    "discipline": gettext_lazy("纪律记录"),
    "plan": gettext_lazy("年度计划"),
    "form": gettext_lazy("入党志愿书"),
    "form_range": gettext_lazy("志愿书入库"),
    "archive_review": gettext_lazy("档案审核"),
    "notice": gettext_lazy("公示"),
    "notice_report": gettext_lazy("公示反映"),
}
_VALUE_LABELS: dict[str, Any] = {
    "party_status": dict(PartyStatus.choices),
    "stage": dict(CaseStage.CHOICES),
    "education": dict(Education.choices),
    "occupation": dict(Occupation.choices),
    "relation": dict(KinRelation.choices),
    "kind": dict(DisciplineKind.choices),
}


@dataclass(frozen=True)
class Change:
    """One thing an import would do to one record: `field` from `old` to `new` (empty for a creation)."""

    where: int
    unit: str  # line | row
    record: str  # what the record is, e.g. 步骤记录 张三（P0001）2. 党组织派人谈话
    action: str  # create | update | correct
    field: str = ""
    old: str = ""
    new: str = ""

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])

    def __str__(self) -> str:
        if self.unit == "row":
            text = f"{where_text(self.unit, self.where)}：{self.action_label} {self.record}"
            return f"{text}：{self.field}：{self.old} → {self.new}" if self.field else text
        text = f"{where_text(self.unit, self.where)}: {self.action_label} {self.record}"
        return f"{text}: {self.field}: {self.old} → {self.new}" if self.field else text


def shown(value: Any, field: str = "") -> str:
    """A value as a user reads it: dates as 2018-03-01, codes in Chinese, lists joined, nothing as —."""
    labels = _VALUE_LABELS.get(field, {})
    if value in (None, "") and "" in labels:
        return str(labels[""])
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(shown(v, field) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(k, k)!s}：{shown(v, k)}" for k, v in value.items())
    text = str(value)
    return str(labels.get(text) or CHOICE_LABELS.get(text) or text)


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field) or DETAIL_LABELS.get(field) or field)


def step_label(pid: str, name: str, step: str) -> str:
    s = STEPS_BY_CODE[step]
    return f"{RECORD_LABELS['step']} {name}（{pid}）{s.number}. {s.name}"


def field_changes(
    source: Source,
    record: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    fields: Iterable[str],
    *,
    action: str = UPDATE,
) -> list[Change]:
    """Every field of `fields` whose value differs between `old` and `new`, as changes of one record."""
    return [
        Change(
            source.line,
            source.unit,
            record,
            action,
            field_label(key),
            shown(old.get(key), key),
            shown(new.get(key), key),
        )
        for key in fields
        if _comparable(old.get(key)) != _comparable(new.get(key))
    ]


def _comparable(value: Any) -> Any:
    if value in (None, "", [], {}):
        return None
    if isinstance(value, list):
        return sorted(map(str, value))
    return value


def step_changes(source: Source, record: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """A correction of a step: its date (and whether it is inferred) and every detail that differs."""
    flags = ("date", "date_inferred")
    out = field_changes(
        source,
        record,
        {"date": old["date"], "date_inferred": bool(old.get("date_inferred"))},
        {"date": new["date"], "date_inferred": bool(new.get("date_inferred"))},
        flags,
        action=CORRECT,
    )
    before, after = old["details"], new["details"]
    out += field_changes(source, record, before, after, sorted(set(before) | set(after)), action=CORRECT)
    if not out:  # the same date and details, entered otherwise (its entry time or who entered it)
        out.append(Change(source.line, source.unit, record, CORRECT, _("录入信息"), "", ""))
    return out
