"""The shapes the API reads and writes. Inputs are bounded so that nothing a client sends reaches a query or a
rule it could break (a NUL in a string 500s on PostgreSQL; a date in year 1 overflows date arithmetic)."""

import datetime
import enum
import math
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints

from fazhan.people.choices import ETHNICITIES, FOCUS_TAGS, Education, Gender, Occupation, PartyStatus
from fazhan.procedure.definition import FIRST_DAY, LAST_DAY, STEPS

NO_NUL = r"^[^\x00]*$"
# Person ids are kept verbatim from imported files: any printable text but a slash (core.converters).
KEY_PATTERN = r"^[^/\x00-\x1f\x7f]+$"
ORG_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
# The earliest date the record can hold (the Party's founding) and the latest a plan can reach.
MAX_ID = 2**63 - 1
# The years the record can hold (1921–2100), with `format: date` for the rest.
DATE_IN_RECORD_PATTERN = (
    r"^(192[1-9]|19[3-9][0-9]|20[0-9][0-9]|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
)

Ethnicity = enum.Enum("Ethnicity", {e: e for e in ETHNICITIES}, type=str)  # type: ignore[misc]
FocusTag = enum.Enum("FocusTag", {t: t for t in FOCUS_TAGS}, type=str)  # type: ignore[misc]
StepCode = enum.Enum("StepCode", {s.code: s.code for s in STEPS}, type=str)  # type: ignore[misc]
CaseStageCode = enum.Enum(  # type: ignore[misc]
    "CaseStageCode",
    {c: c for c in ("applicant", "activist", "target", "probationary", "full", "exited")},
    type=str,
)


Name = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=NO_NUL)]
Place = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]
Short = Annotated[str, StringConstraints(max_length=100, pattern=NO_NUL)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
OrgCode = Annotated[str, StringConstraints(max_length=40, pattern=ORG_CODE_PATTERN)]
Phone = Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9-]*$")]
IdNumberText = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[0-9Xx]+$")]


ERR_DATE_RANGE = "日期应在 %(first)s 至 %(last)s 之间"


class OutOfRecordRange(ValueError):
    pass


def _in_record_range(value: datetime.date) -> datetime.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise OutOfRecordRange(_(ERR_DATE_RANGE) % {"first": FIRST_DAY, "last": LAST_DAY})
    return value


RecordDate = Annotated[
    datetime.date,
    AfterValidator(_in_record_range),
    Field(json_schema_extra={"pattern": DATE_IN_RECORD_PATTERN}),
]


def _json_without_nul(value: Any, depth: int = 0) -> Any:
    """Details are free JSON: refuse what no step's details can hold and the database cannot store."""
    if depth > 4:
        raise ValueError(_("内容嵌套过深"))
    if isinstance(value, str):
        if "\x00" in value or len(value) > 1000:
            raise ValueError(_("文本不能含空字符，且不超过1000字"))
    elif isinstance(value, list):
        if len(value) > 200:
            raise ValueError(_("列表过长"))
        for item in value:
            _json_without_nul(item, depth + 1)
    elif isinstance(value, dict):
        if len(value) > 50:
            raise ValueError(_("内容项过多"))
        for key, item in value.items():
            _json_without_nul(key, depth + 1)
            _json_without_nul(item, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity: JSON has neither
        raise ValueError(_("不是有效的数"))
    return value


Details = Annotated[dict[str, Any], AfterValidator(_json_without_nul)]


def _detail_schema(key: str, spec: Any) -> dict[str, Any]:
    """The JSON Schema of one details key (procedure.details checks the same shape at run time)."""
    text = {"type": "string", "minLength": 1, "maxLength": 40, "pattern": KEY_PATTERN}
    kinds: dict[str, dict[str, Any]] = {
        "pids": {"type": "array", "items": text, "maxItems": 10},
        "orgs": {"type": "array", "items": {"type": "string", "maxLength": 40, "pattern": ORG_CODE_PATTERN}},
        "org": {"type": "string", "maxLength": 40, "pattern": ORG_CODE_PATTERN},
        "form": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": NO_NUL},
        "text": {"type": "string", "maxLength": 200, "pattern": NO_NUL},
        "bool": {"type": "boolean"},
        "int": {"type": "integer", "minimum": 0, "maximum": 100_000},
        "date": {"type": "string", "format": "date", "pattern": DATE_IN_RECORD_PATTERN},
        "choice": {"type": "string", "enum": list(spec.choices)},
        "choices": {
            "type": "array",
            "items": {"type": "string", "enum": list(spec.choices)},
            "uniqueItems": True,
        },
        "flags": {
            "type": "object",
            "properties": {c: {"type": "boolean"} for c in spec.choices},
            "additionalProperties": {"type": "boolean"},  # a deployment may add its own items
        },
    }
    schema = dict(kinds[spec.kind])
    if spec.kind == "int":
        schema["maximum"] = spec.maximum
    return schema


def step_in_json_schema(schema: dict[str, Any]) -> None:
    """StepIn in the OpenAPI description: one branch per step, with exactly the details keys interchange.md
    gives that step, so clients (and schemathesis) see what each step takes."""
    schema["oneOf"] = [
        {
            "properties": {
                "step": {"const": step.code},
                "details": {
                    "type": "object",
                    "properties": {k: _detail_schema(k, d) for k, d in step.details.items()},
                    "required": [k for k, d in step.details.items() if d.required],
                    "additionalProperties": False,
                },
            },
        }
        for step in STEPS
    ]


def _detail_text(key: str, spec: Any) -> str:
    required = "，必填" if spec.required else ""
    choices = "：" + "|".join(spec.choices) if spec.choices else ""
    return f"{key}（{spec.kind}{required}{choices}）"


def details_description() -> str:
    lines = ["每一步骤可填的内容（interchange.md）；未列出的键会被拒绝。"]
    for step in STEPS:
        if step.details:
            keys = ", ".join(_detail_text(k, d) for k, d in step.details.items())
            lines.append(f"{step.code}: {keys}")
    return "\n".join(lines)


# ---- errors ----


class FieldError(Schema):
    field: str = Field(description="出错的字段，如 date、details.talkers、id_number")
    message: str


class Refusal(Schema):
    rule: str = Field(description="规则编号，如 APP-TALK")
    title: str = Field(description="规则名称，如“收到申请后一个月内派人谈话”")
    article: str = Field(description="规则依据的条款，按步骤日期施行的版本，如《细则》（2014）第七条")
    message: str
    earliest: datetime.date | None = Field(None, description="最早可以办理的日期")


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []
    refusals: list[Refusal] = []


# ---- orgs ----


class OrgOut(Schema):
    code: str
    name: str
    kind: str
    category: str
    parent: str | None = Field(None, description="上级组织代码")
    path: str
    depth: int


# ---- persons ----


class PersonListItem(Schema):
    pid: str
    name: str
    id_number: str = Field(description="列表中一律遮蔽")
    phone: str = Field(description="列表中一律遮蔽")
    org: str
    org_name: str
    party_status: str
    stage: str | None = Field(None, description="在办发展档案的阶段")


class PersonPage(Schema):
    count: int
    items: list[PersonListItem]


class CaseBrief(Schema):
    id: int
    stage: str
    opened_on: datetime.date
    closed_on: datetime.date | None
    exit_reason: str


class PersonOut(Schema):
    pid: str
    name: str
    id_number: str
    id_number_masked: bool = Field(description="身份证号是否被遮蔽（角色无权查看原文时）")
    phone: str
    phone_masked: bool
    gender: str
    birth_date: datetime.date
    ethnicity: str
    education: str
    occupation: str
    tags: list[str]
    household_place: str
    residence: str
    work_unit: str
    position: str
    native_place: str
    work_started_on: datetime.date | None
    floating: bool
    front_line: bool
    league_member: bool
    org: str
    org_name: str
    work_unit_org: str | None
    planned_departure: datetime.date | None
    party_status: str
    joined_on: datetime.date | None
    full_since: datetime.date | None
    cases: list[CaseBrief]


class PersonIn(Schema):
    id_number: IdNumberText
    name: Name
    org: OrgCode = Field(description="所在党组织代码（党员以外须为党支部）")
    gender: Gender | None = Field(None, description="可不填；填写时须与身份证号一致")
    birth_date: RecordDate | None = Field(None, description="可不填；填写时须与身份证号一致")
    ethnicity: Ethnicity = Ethnicity("汉族")  # type: ignore[valid-type]
    education: Education
    occupation: Occupation
    tags: list[FocusTag] = Field([], max_length=12)  # type: ignore[valid-type]
    phone: Phone = ""
    household_place: Place = ""
    residence: Place = ""
    work_unit: Place = Field("", description="工作单位")
    position: Short = Field("", description="职务")
    native_place: Short = Field("", description="籍贯")
    work_started_on: RecordDate | None = Field(None, description="参加工作时间")
    floating: bool = False
    front_line: bool = False
    league_member: bool = False
    work_unit_org: OrgCode | None = None
    planned_departure: RecordDate | None = None
    party_status: PartyStatus = PartyStatus.CANDIDATE
    joined_on: RecordDate | None = None
    full_since: RecordDate | None = None
    membership_reason: Place = Field(
        "", description="登记未经本系统发展的党员身份的依据（乡镇党委组织委员或审批人，必填）"
    )


class PersonPatch(Schema):
    """Only the fields sent change; an absent `id_number` keeps the stored one."""

    id_number: IdNumberText | None = None
    name: Name | None = None
    org: OrgCode | None = None
    gender: Gender | None = None
    birth_date: RecordDate | None = None
    ethnicity: Ethnicity | None = None  # type: ignore[valid-type]
    education: Education | None = None
    occupation: Occupation | None = None
    tags: list[FocusTag] | None = Field(None, max_length=12)  # type: ignore[valid-type]
    phone: Phone | None = None
    household_place: Place | None = None
    residence: Place | None = None
    work_unit: Place | None = None
    position: Short | None = None
    native_place: Short | None = None
    work_started_on: RecordDate | None = None
    floating: bool | None = None
    front_line: bool | None = None
    league_member: bool | None = None
    work_unit_org: OrgCode | None = None
    planned_departure: RecordDate | None = None
    party_status: PartyStatus | None = Field(
        None, description="有发展档案的人员由发展程序确定，不能修改；其他人员由乡镇党委登记并说明依据"
    )
    joined_on: RecordDate | None = None
    full_since: RecordDate | None = None
    membership_reason: Place | None = Field(None, description="修改党员身份的依据")


# ---- cases and step records ----


class StepFindingOut(Schema):
    rule: str
    severity: str
    message: str


class StepRecordOut(Schema):
    id: int
    case: int
    step: str
    step_name: str
    date: datetime.date
    details: dict[str, Any]
    recorded_at: datetime.datetime | None
    recorded_by: str | None
    supersedes: int | None = Field(None, description="本记录更正的记录")
    superseded_by: int | None = Field(None, description="更正本记录的记录；有值时本记录已失效")
    reason: str = Field(description="更正原因")
    findings: list[StepFindingOut] = Field(description="录入时发现的问题（ERROR、WARN）")


class CaseOut(Schema):
    id: int
    person: str
    person_name: str
    org: str
    stage: str
    stage_label: str
    opened_on: datetime.date
    closed_on: datetime.date | None
    exit_reason: str
    version: int


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class CaseDetail(CaseOut):
    steps: list[StepRecordOut]


class StepIn(Schema):
    model_config = ConfigDict(json_schema_extra=step_in_json_schema)  # type: ignore[typeddict-item]

    step: StepCode  # type: ignore[valid-type]
    date: RecordDate
    details: Details = Field({}, description=details_description())


class CorrectionIn(Schema):
    date: RecordDate
    details: Details = Field({}, description="更正后的完整内容（同录入）")
    reason: Reason = Field(description="更正原因（必填）")


class RoleOut(Schema):
    role: str
    role_label: str
    org: str


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[RoleOut]


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def responses(ok: dict[int, Any]) -> dict[int, Any]:
    """An operation's success shape with the one error shape for every 4xx it may answer."""
    return {**ok, **ERRORS}
