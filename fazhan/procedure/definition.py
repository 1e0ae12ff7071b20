"""The procedure as data: the 5 stages and 25 steps of procedure.md (A).

This is the only module that names a step. The rules of section B attach here (issue: the procedure).
"""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhan.procedure.editions import citation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# Who records a step: the roles of accounts.Role, grouped by the level they act at.
BRANCH = ("branch_secretary", "branch_organizer")
TOWNSHIP = ("township_organizer", "township_approver")
APPROVER = ("township_approver",)
DISTRICT = ("district_reviewer",)


@dataclass(frozen=True)
class Stage:
    code: str
    name: "StrOrPromise"


@dataclass(frozen=True)
class Detail:
    """One key of a step's `details` (interchange.md): its kind, whether required, and its code list."""

    kind: str  # pids | orgs | org | form | bool | date | int | choice | choices | text | flags
    required: bool = False
    choices: tuple[str, ...] = ()
    maximum: int = 100_000  # for an int


@dataclass(frozen=True)
class Step:
    code: str
    number: int
    name: "StrOrPromise"
    stage: str
    article: str
    actors: tuple[str, ...] = BRANCH
    details: dict[str, Detail] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    repeats: bool = False
    passing: tuple[str, tuple[str, ...]] | None = None  # (details key, values that pass)
    prerequisites: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        """The article as users read it, in the edition in force today (editions.py)."""
        return citation(self.article)


PHASES = (
    Stage("I", _("申请入党")),
    Stage("II", _("入党积极分子的确定和培养教育")),
    Stage("III", _("发展对象的确定和考察")),
    Stage("IV", _("预备党员的接收")),
    Stage("V", _("预备党员的教育考察和转正")),
)

# The dates the record can hold: from the Party's founding to the end of any plan. Beyond them the rules' date
# arithmetic would overflow, so a detail dated outside is malformed, not a rule's finding.
FIRST_DAY = datetime.date(1921, 7, 1)
LAST_DAY = datetime.date(2100, 12, 31)

_TALKERS = {"talkers": Detail("pids")}
_FILED = {"filed_with": Detail("org")}
_PUBLICITY = {"publicity_from": Detail("date"), "publicity_to": Detail("date")}
_EDUCATION = {"kind": Detail("choice", True, ("examination", "thought_report", "training"))}
_VOTE = {
    "entitled": Detail("int", True),
    "present": Detail("int", True),
    "for": Detail("int", True),
    "against": Detail("int", True),
    "abstain": Detail("int", True),
    "written_for": Detail("int"),
    "written_against": Detail("int"),
    "secret_ballot": Detail("bool"),
    "one_by_one": Detail("bool"),
}
_APPROVAL = {"approver": Detail("org"), "result": Detail("choice", True, ("approved", "rejected"))}
# The details that name those who do the work (通知六), each with the role a training is attended as:
# TRN-STAFF asks that each person they name has attended one.
STAFF_DETAILS = {"contacts": "contact", "introducers": "introducer"}
NEGATIVE_LIST = (
    "ambiguous_on_principle",
    "self_interest",
    "cult_religion_superstition",
    "under_investigation",
    "otherwise_unfit",
)

STEPS = (
    Step("S01", 1, _("递交入党申请书"), "I", "Art.5–6", documents=("application",)),
    Step(
        "S02",
        2,
        _("党组织派人谈话"),
        "I",
        "Art.7",
        details=_TALKERS,
        documents=("talk_record",),
        prerequisites=("S01",),
    ),
    Step(
        "S03",
        3,
        _("推荐和确定入党积极分子"),
        "II",
        "Art.8",
        documents=("recommendation",),
        prerequisites=("S02",),
        details={
            "method": Detail("choice", False, ("member_recommendation", "mass_org_recommendation", "other")),
            "decided_by": Detail("choice", False, ("branch_committee", "branch_meeting")),
        },
    ),
    Step("S04", 4, _("上级党委备案"), "II", "Art.8", actors=TOWNSHIP, details=_FILED, prerequisites=("S03",)),
    Step(
        "S05",
        5,
        _("指定培养联系人"),
        "II",
        "Art.9",
        details={"contacts": Detail("pids", True)},
        prerequisites=("S03",),
    ),
    Step(
        "S06",
        6,
        _("培养教育考察"),
        "II",
        "Art.10–12",
        details=_EDUCATION,
        repeats=True,
        documents=("cultivation_records", "thought_reports"),
        prerequisites=("S05",),
    ),
    Step(
        "S07",
        7,
        _("确定发展对象"),
        "III",
        "Art.13",
        documents=("publicity",),
        prerequisites=("S04", "S06"),
        details={
            **_PUBLICITY,
            "opinions_heard": Detail("choices", False, ("party_group", "contacts", "members", "public")),
        },
    ),
    Step(
        "S08",
        8,
        _("报上级党委备案"),
        "III",
        "Art.13",
        actors=TOWNSHIP,
        prerequisites=("S07",),
        details={**_FILED, "agreed": Detail("bool")},
    ),
    Step(
        "S09",
        9,
        _("确定入党介绍人"),
        "III",
        "Art.14–15",
        details={"introducers": Detail("pids", True)},
        prerequisites=("S08",),
    ),
    Step(
        "S10",
        10,
        _("进行政治审查"),
        "III",
        "Art.16",
        documents=("political_review",),
        prerequisites=("S08",),
        passing=("result", ("pass",)),
        details={
            "result": Detail("choice", True, ("pass", "fail")),
            "negative_list": Detail("flags", False, NEGATIVE_LIST),
            "floating_opinions": Detail("orgs"),
            # an opinion from an org outside the district (a floating person's home or residence org there)
            "floating_opinions_outside": Detail("text"),
        },
    ),
    Step(
        "S11",
        11,
        _("开展集中培训"),
        "III",
        "Art.17",
        actors=TOWNSHIP + DISTRICT,
        documents=("training_certificate",),
        prerequisites=("S08",),
        details={
            "days": Detail("int"),
            "hours": Detail("int"),
            "provider": Detail("org"),
            "exception_reason": Detail("text"),
        },
    ),
    Step(
        "S12",
        12,
        _("支部委员会审查"),
        "IV",
        "Art.19",
        details=_PUBLICITY,
        documents=("publicity",),
        prerequisites=("S09", "S10", "S11"),
    ),
    Step(
        "S13",
        13,
        _("上级党委预审"),
        "IV",
        "Art.19",
        actors=TOWNSHIP + DISTRICT,
        repeats=True,
        passing=("result", ("pass",)),
        prerequisites=("S12",),
        details={
            "reviewer": Detail("org", True),
            "result": Detail("choice", True, ("pass", "fail", "returned")),
            "reason": Detail("text"),
        },
    ),
    Step(
        "S14",
        14,
        _("填写入党志愿书"),
        "IV",
        "Art.15,19",
        documents=("volunteer_form",),
        prerequisites=("S13",),
        details={"form_number": Detail("form", True)},
    ),
    Step(
        "S15",
        15,
        _("支部大会讨论"),
        "IV",
        "Art.20–22",
        details=_VOTE,
        documents=("meeting_minutes",),
        prerequisites=("S14",),
    ),
    Step(
        "S16",
        16,
        _("上级党委派人谈话"),
        "IV",
        "Art.24",
        actors=TOWNSHIP,
        details=_TALKERS,
        prerequisites=("S15",),
    ),
    Step(
        "S17",
        17,
        _("上级党委审批"),
        "IV",
        "Art.23,25–26",
        actors=APPROVER,
        documents=("approval",),
        passing=("result", ("approved",)),
        prerequisites=("S16",),
        details={**_APPROVAL, "special_reason": Detail("text"), "quota_override_reason": Detail("text")},
    ),
    Step(
        "S18",
        18,
        _("再上一级党委组织部门备案"),
        "IV",
        "Art.26",
        actors=TOWNSHIP,
        details=_FILED,
        prerequisites=("S17",),
    ),
    Step(
        "S19",
        19,
        _("编入党支部和党小组"),
        "V",
        "Art.29",
        details={"branch": Detail("org")},
        prerequisites=("S17",),
    ),
    Step("S20", 20, _("入党宣誓"), "V", "Art.30", actors=BRANCH + TOWNSHIP, prerequisites=("S17",)),
    Step(
        "S21",
        21,
        _("继续教育考察"),
        "V",
        "Art.31–32",
        details=_EDUCATION,
        repeats=True,
        documents=("cultivation_records", "thought_reports"),
        prerequisites=("S17",),
    ),
    Step(
        "S22",
        22,
        _("提出转正申请"),
        "V",
        "Art.33",
        documents=("conversion_application",),
        repeats=True,  # after an approved extension the member applies again (B0.3: a new S22/S23/S24 round)
        prerequisites=("S17",),
    ),
    Step(
        "S23",
        23,
        _("支部大会讨论"),
        "V",
        "Art.32–33",
        repeats=True,
        documents=("meeting_minutes", "publicity"),
        prerequisites=("S22",),
        details={
            **_VOTE,
            **_PUBLICITY,
            "decision": Detail("choice", True, ("convert", "extend", "cancel")),
            "extend_months": Detail("int", maximum=120),  # CNV-OUTCOME reports anything over 12
        },
    ),
    Step(
        "S24",
        24,
        _("上级党委审批"),
        "V",
        "Art.34",
        actors=APPROVER,
        documents=("approval",),
        repeats=True,
        passing=("result", ("approved",)),
        prerequisites=("S23",),
        details=_APPROVAL,
    ),
    Step(
        "S25",
        25,
        _("材料归档"),
        "V",
        "Art.37",
        actors=BRANCH + TOWNSHIP,
        prerequisites=("S24",),
        details={"archive_no": Detail("text")},
    ),
)

# The materials of interchange.md; the five of Art.37 must be in every archived file (ARC-FILE).
MATERIALS = {
    "application": _("入党申请书"),
    "talk_record": _("谈话记录"),
    "recommendation": _("推荐材料"),
    "cultivation_records": _("培养教育考察材料"),
    "thought_reports": _("思想汇报"),
    "political_review": _("政审材料"),
    "training_certificate": _("培训结业证书"),
    "publicity": _("公示材料"),
    "volunteer_form": _("入党志愿书"),
    "meeting_minutes": _("会议记录"),
    "approval": _("审批材料"),
    "conversion_application": _("转正申请书"),
}
ARCHIVE_CORE = (
    "application",
    "volunteer_form",
    "political_review",
    "conversion_application",
    "cultivation_records",
)

# Who may end a case, by exit reason (interchange.md `exit`): the branch records a withdrawal, a death or a
# move out of the system; disqualification is the committee's decision; invalidating an irregular admission
# (GEN-INVALID, Art.41) is the committee's or the district's, after an inspection.
EXIT_ACTORS = {
    "withdrawn": BRANCH + TOWNSHIP,
    "deceased": BRANCH + TOWNSHIP,
    "transferred_out": BRANCH + TOWNSHIP,
    "disqualified": TOWNSHIP,
    "invalidated": TOWNSHIP + DISTRICT,
}
# Who moves a person between branches: the committee above both.


class Anchor:
    """The steps read by name — by the rules, their screens, the to-do list and the services (the dates of
    procedure.md B0.2 among them) — named after their meaning in procedure.md A."""

    APPLICATION = "S01"
    TALK = "S02"
    ACTIVIST = "S03"
    ACTIVIST_FILING = "S04"
    CONTACTS = "S05"
    CULTIVATION = "S06"
    TARGET = "S07"
    TARGET_FILING = "S08"
    INTRODUCERS = "S09"
    POLITICAL_REVIEW = "S10"
    TRAINING = "S11"
    COMMITTEE_REVIEW = "S12"
    PREREVIEW = "S13"
    FORM = "S14"
    BRANCH_MEETING = "S15"
    COMMITTEE_TALK = "S16"
    APPROVAL = "S17"
    APPROVAL_FILING = "S18"
    OATH = "S20"
    PROBATION_EDUCATION = "S21"
    CONVERSION_APPLICATION = "S22"
    CONVERSION_MEETING = "S23"
    CONVERSION_APPROVAL = "S24"
    ARCHIVE = "S25"


# A passing, well-formed record of each step, for planning ahead (the procedure calendar asks "when").
SAMPLE_DETAILS: dict[str, dict] = {
    "S06": {"kind": "examination"},
    "S10": {"result": "pass"},
    "S13": {"result": "pass"},
    "S17": {"result": "approved"},
    "S21": {"kind": "examination"},
    "S23": {"decision": "convert"},
    "S24": {"result": "approved"},
}

# Steps whose prerequisite must have passed, not merely happened (SEQ-ORDER: S14 ← passing S13, S25 ← S24).
PASSING_PREREQUISITES = {"S14": "S13", "S25": "S24"}

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


# The step that opens each stage up to probation, with the result it must carry where the step has one. Beyond
# probation the conversion rounds decide (S23 and the S24 that approves or rejects it): rules/outcome.py reads
# them, and `case_outcome` there is the one reading of a case's stage and membership (B0.3).
STAGE_ENTRY = (
    (CaseStage.PROBATIONARY, "S17", ("result", "approved")),
    (CaseStage.TARGET, "S07", None),
    (CaseStage.ACTIVIST, "S03", None),
    (CaseStage.APPLICANT, "S01", None),
)
# The steps `case_outcome` reads: the stage entries, the branch meeting (党籍, probation), the rounds.
OUTCOME_STEPS = ("S01", "S03", "S07", "S15", "S17", "S23", "S24")


# --- How the rules read a skipped step (B0.7) and a ledger's record (B0.10) --------------------------------

# A skipped step (no record of it, a passing one where SEQ-ORDER needs it, while a later step that needs it
# exists) is reported by the skipped step's own rule, with the later step as evidence; SEQ-ORDER reports the
# skips of the steps missing here (S12, which no rule of its own judges) and every step dated before its
# prerequisite. Each is a BLOCK finding whatever the owner's main severity: the chart's order is national
# (SEQ-ORDER is BLOCK), so live entry refuses a step whose prerequisite is missing, and history is judged
# the same (B0.9).
SKIP_OWNERS = {
    "S01": "APP-WRITTEN",
    "S02": "APP-TALK",
    "S03": "ACT-PRE",
    "S04": "ACT-FILE",
    "S05": "ACT-CONTACT",
    "S06": "ACT-HALFYEAR",
    "S07": "TGT-OPINION",
    "S08": "TGT-OPINION",
    "S09": "INTRO-2",
    "S10": "POL-DONE",
    "S11": "TRN-MIN",
    "S13": "PRE-REVIEW",
    "S14": "ACC-PRE-PASS",
    "S15": "ACC-RESOLUTION",
    "S16": "APV-TALK",
    "S17": "APV-AUTH",
    "S22": "CNV-APPLY",
    "S23": "CNV-OUTCOME",
}
# What a skip reads as, in the users' words (a refusal and a finding name the later step beside it).
SKIPPED = {
    "S01": _("没有书面入党申请书"),
    "S02": _("党组织尚未派人谈话"),
    "S03": _("尚未确定为入党积极分子"),
    "S04": _("入党积极分子尚未报上级党委备案"),
    "S05": _("尚未指定培养联系人"),
    "S06": _("没有培养教育考察记录"),
    "S07": _("尚未确定为发展对象"),
    "S08": _("发展对象尚未报上级党委备案"),
    "S09": _("尚未确定入党介绍人"),
    "S10": _("政治审查未完成"),
    "S11": _("尚未参加集中培训"),
    "S12": _("支部委员会尚未审查"),
    "S13": _("上级党委预审尚未通过"),
    "S14": _("尚未填写入党志愿书"),
    "S15": _("支部大会尚未讨论接收"),
    "S16": _("上级党委尚未派人谈话"),
    "S17": _("上级党委尚未审批"),
    "S22": _("没有书面转正申请"),
    "S23": _("支部大会尚未讨论转正"),
    "S24": _("尚未批准转正"),
}

# The 发展党员工作台账 (interchange.md, Excel ledgers): the steps it has a column for, each with the details a
# row carries — the people it names and the form number, and the result the importer writes for a step that
# has one (a ledger row records what passed). Every other step and detail is a ledger gap (B0.10).
LEDGER_COLUMNS: dict[str, tuple[str, ...]] = {
    "S01": (),
    "S02": (),
    "S03": (),
    "S05": ("contacts",),
    "S07": (),
    "S09": ("introducers",),
    "S10": ("result",),
    "S11": (),
    "S13": ("result",),
    "S14": ("form_number",),
    "S15": (),
    "S17": ("result",),
    "S20": (),  # 入党宣誓日期: B0.10 names S18–S21, but the layout has the oath's column
    "S22": (),
    "S23": ("decision",),
    "S24": ("result",),
}
# The steps a ledger row cannot hold (B0.10), each with the step from which it is due: a case whose ledger
# records reach that step (or a later one) and that holds no record of the gap step dated within the ledger's
# time has the gap (rules/ledger.py). The archive, S25, comes after the ledger's last column and no rule asks
# for it.
LEDGER_GAP_STEPS = {
    "S04": "S03",
    "S06": "S03",  # the half-year windows run from the activist date
    "S08": "S07",
    "S12": "S09",
    "S16": "S15",
    "S18": "S17",
    "S19": "S17",
    "S21": "S17",  # probation's windows are judged once the approval is on record
}
# The details of a ledger's records that the rules read and a row cannot hold (B0.10), listed by LEDGER-GAP
# where absent. S10's floating_opinions count only for a floating person, S17's special_reason only for an
# approval later than approval_months (rules/ledger.py).
LEDGER_GAP_DETAILS: dict[str, tuple[str, ...]] = {
    "S03": ("method", "decided_by"),
    "S07": ("opinions_heard", "publicity_from", "publicity_to"),
    "S10": ("negative_list", "floating_opinions"),
    "S11": ("days", "hours"),
    "S13": ("reviewer",),
    "S15": ("entitled", "present", "for", "against", "abstain"),
    "S17": ("special_reason",),
    "S23": ("entitled", "present", "for", "against", "abstain"),
}


# --- The rules (procedure.md B, C, D) ---------------------------------------------------------------------

BLOCK, ERROR, WARN = "BLOCK", "ERROR", "WARN"
SEVERITY_RANK = {BLOCK: 3, ERROR: 2, WARN: 1}


@dataclass(frozen=True)
class Rule:
    id: str
    article: str
    severity: str  # the rule's main severity; a [P] sub-rule may report a lower one
    section: str  # B (national and provincial practice) | C (the 2018 notice) | D (violation detectors)
    steps: tuple[str, ...]  # the steps the rule judges (none: org-level or derived)
    title: "StrOrPromise"
    since: str = ""  # in force from this date (profile shizhongqu-2018); empty: always

    @property
    def citation(self) -> str:
        """The article as users read it, in the edition in force today (editions.py)."""
        return citation(self.article)


RULES = (
    Rule("SEQ-ORDER", "25-step chart", BLOCK, "B", (), _("步骤须在其前置步骤之后")),
    Rule("LEDGER-GAP", "B0.10 台账迁移", WARN, "B", (), _("台账未载明的步骤和内容")),
    Rule("ELIG-AGE", "Art.5", BLOCK, "B", ("S01",), _("申请人须年满十八周岁")),
    Rule("ELIG-NAT", "党章 Art.1", BLOCK, "B", ("S01",), _("申请人须具有中国国籍（有效居民身份证）")),
    Rule("APP-WRITTEN", "Art.7", BLOCK, "B", ("S01",), _("须有书面入党申请书")),
    Rule("APP-ORG", "Art.6", WARN, "B", ("S01",), _("申请应向工作、学习单位或居住地党组织提出")),
    Rule("APP-TALK", "Art.7", ERROR, "B", ("S02",), _("收到申请后一个月内派人谈话")),
    Rule("ACT-PRE", "Art.8", BLOCK, "B", ("S03",), _("经推荐并由支委会（无支委会的由支部大会）确定积极分子")),
    Rule("ACT-GAP", "Art.8 [P]", WARN, "B", ("S03",), _("递交申请一定期限后方可确定为积极分子")),
    Rule("ACT-FILE", "Art.8", BLOCK, "B", ("S04",), _("积极分子须报上级党委备案")),
    Rule("ACT-CONTACT", "Art.9", BLOCK, "B", ("S05",), _("指定一至二名正式党员作培养联系人")),
    Rule("ACT-HALFYEAR", "Art.11", ERROR, "B", ("S06",), _("党支部每半年对积极分子进行一次考察")),
    Rule("ACT-REPORT", "Art.10 [P]", WARN, "B", ("S06",), _("积极分子每季度至少递交一次思想汇报")),
    Rule("TGT-1YEAR", "Art.13", BLOCK, "B", ("S07",), _("经过一年以上培养教育和考察方可确定为发展对象")),
    Rule("TGT-OPINION", "Art.13", BLOCK, "B", ("S07", "S08"), _("听取各方意见、支委会讨论并报上级党委备案")),
    Rule("TGT-NOTICE", "Art.13 [P]", WARN, "B", ("S07",), _("确定发展对象前公示不少于5个工作日")),
    Rule("INTRO-2", "Art.14", BLOCK, "B", ("S09",), _("须有两名正式党员作入党介绍人")),
    Rule("POL-DONE", "Art.16", BLOCK, "B", ("S10", "S15"), _("政治审查合格并形成结论材料")),
    Rule("TRN-MIN", "Art.17", BLOCK, "B", ("S11", "S15"), _("集中培训不少于3天或24学时")),
    Rule("PRE-REVIEW", "Art.19", BLOCK, "B", ("S13", "S14"), _("基层党委预审合格后方可发放入党志愿书")),
    Rule("PRE-LEAVE", "Art.19", ERROR, "B", ("S13",), _("预审时三个月内将离开工作单位的一般不办理接收")),
    Rule("ACC-AFTER-PRE", "Art.19 [P]", WARN, "B", ("S15",), _("预审通过后一个月内召开支部大会")),
    Rule("ACC-PRE-PASS", "Art.19–20", BLOCK, "B", ("S15",), _("支部大会须在预审合格、填写志愿书之后召开")),
    Rule("ACC-QUORUM", "Art.20", BLOCK, "B", ("S15", "S23"), _("到会有表决权的党员须超过应到会人数的半数")),
    Rule("ACC-MAJORITY", "Art.21", BLOCK, "B", ("S15", "S23"), _("赞成人数须超过应到会有表决权党员的半数")),
    Rule("ACC-ONEBYONE", "Art.21,25", BLOCK, "B", ("S15",), _("逐个讨论、逐个表决")),
    Rule("ACC-RESOLUTION", "Art.22", ERROR, "B", ("S15",), _("支部大会决议内容完整")),
    Rule("APV-AUTH", "Art.23", BLOCK, "B", ("S17", "S24"), _("由具有审批权的基层党委审批")),
    Rule("APV-TALK", "Art.24", BLOCK, "B", ("S16", "S17"), _("审批前上级党委派人谈话")),
    Rule("APV-TIME", "Art.26", BLOCK, "B", ("S17",), _("支部大会决议后三个月内审批，特殊情况不超过六个月")),
    Rule("APV-FILE", "Art.26", ERROR, "B", ("S18",), _("审批后及时报再上一级组织部门备案")),
    Rule("PRB-EXAM", "Art.31–32 [P]", WARN, "B", ("S21",), _("预备期内每半年考察、每季度思想汇报")),
    Rule("PRB-DATES", "Art.31–32,34", WARN, "B", (), _("预备期自支部大会通过之日起计算（推导，不产生问题）")),
    Rule("PRB-OATH", "Art.30", ERROR, "B", ("S20",), _("预备期内进行入党宣誓")),
    Rule("CNV-APPLY", "Art.33", BLOCK, "B", ("S22", "S23"), _("预备期满须有书面转正申请")),
    Rule("CNV-MEETING", "Art.32–33", ERROR, "B", ("S23",), _("预备期满及时讨论转正，不得提前转正")),
    Rule(
        "CNV-OUTCOME", "Art.32", BLOCK, "B", ("S23",), _("转正、延长预备期（一次，六个月至一年）或取消资格")
    ),
    Rule("CNV-APV-TIME", "Art.34", ERROR, "B", ("S24",), _("转正决议后三个月内审批")),
    Rule("CNV-TRANSFER", "Art.35–36", ERROR, "B", ("S23",), _("转入的预备党员转正讨论最多推迟六个月")),
    Rule("ARC-FILE", "Art.37", BLOCK, "B", ("S25",), _("五项核心材料归入档案")),
    Rule("GEN-INDIV", "Art.3", WARN, "B", (), _("成熟一个发展一个，不得突击发展（由 VIO-RUSH 报告）")),
    Rule("GEN-INVALID", "Art.41", WARN, "B", (), _("违反规定吸收的一律不予承认（处理结果，不产生问题）")),
    Rule("PLAN-QUOTA", "通知一", ERROR, "C", ("S17",), _("年度发展党员不超过计划"), since="2018-01-01"),
    Rule("PLAN-GROUPS", "通知五", WARN, "C", ("S17",), _("重点群体发展目标"), since="2018-01-01"),
    Rule(
        "POOL-RATIO",
        "通知一",
        WARN,
        "C",
        (),
        _("申请人、积极分子、发展对象保持6:3:1以上"),
        since="2018-01-01",
    ),
    Rule("RES-VILLAGE", "通知二", ERROR, "C", (), _("每个村常态化储备至少1名积极分子"), since="2018-01-01"),
    Rule(
        "RES-YOUNG-FARMER",
        "通知二",
        WARN,
        "C",
        (),
        _("每个村每两年至少发展1名青年农民党员"),
        since="2018-01-01",
    ),
    Rule(
        "PRE-DISTRICT",
        "通知三",
        BLOCK,
        "C",
        ("S13", "S14"),
        _("区委组织部预审合格后方可领取编号志愿书"),
        since="2018-01-01",
    ),
    Rule("FORM-ONE", "通知三", BLOCK, "C", ("S14",), _("入党志愿书一人一本、定人定本"), since="2018-01-01"),
    Rule(
        "FORM-MATCH",
        "通知三",
        BLOCK,
        "C",
        ("S14", "S15"),
        _("实际发展对象须与预审对象一致"),
        since="2018-01-01",
    ),
    Rule(
        "ARC-REVIEW",
        "通知三",
        ERROR,
        "C",
        ("S25",),
        _("乡镇党委自行审核新党员和转正党员档案"),
        since="2018-07-01",
    ),
    Rule("NEG-LIST", "通知四", BLOCK, "C", ("S10",), _("政治上不合格负面清单"), since="2018-01-01"),
    Rule("CNV-ONTIME", "通知七", ERROR, "C", ("S23",), _("预备党员按期转正"), since="2018-01-01"),
    # 群众参与 (通知七): what the public reported on a 公示 about a person is looked into before their next
    # step, any of their steps: rules/feedback.py, over the reports the notices wing provides (the procedure
    # imports no wing), at entry and over the whole tree.
    Rule(
        "PUB-OBJECTION",
        "通知七",
        BLOCK,
        "C",
        (),
        _("公示期间群众反映的问题须核实并记录结论后方可办理下一步"),
        since="2018-01-01",
    ),
    # 业务培训 (通知六): a contact or introducer a step names has attended a training of those who do the work
    # (rules/staff.py, over the attendance the training wing provides), at entry and over the whole tree.
    Rule(
        "TRN-STAFF",
        "通知六",
        WARN,
        "C",
        ("S05", "S09"),
        _("培养联系人、入党介绍人须参加发展党员业务培训"),
        since="2018-01-01",
    ),
    Rule("VIO-BACKDATE", "通知三", WARN, "D", (), _("补录或事后修改（弄虚作假信号）")),
    Rule("VIO-DATE-ORDER", "通知三", ERROR, "D", (), _("日期顺序异常（弄虚作假信号）")),
    Rule("VIO-VOTES", "通知三", ERROR, "D", ("S15", "S23"), _("表决数据异常（弄虚作假信号）")),
    Rule("VIO-DISCIPLINE", "通知七", ERROR, "D", (), _("培养考察期间受审查或处分（带病入党信号）")),
    Rule(
        "VIO-KIN-ROLE",
        "通知七",
        ERROR,
        "D",
        (),
        _("亲属担任联系人、介绍人、谈话人或支部书记（近亲繁殖信号）"),
    ),
    Rule("VIO-KIN-SHARE", "通知七", WARN, "D", (), _("支部新党员中委员亲属占比过高（近亲繁殖信号）")),
    Rule(
        "VIO-FAVOUR", "通知七", WARN, "D", ("S03", "S07"), _("推荐或听取意见缺失、一人决定（人情党员信号）")
    ),
    Rule("VIO-RUSH", "通知七", WARN, "D", ("S17",), _("突击发展信号")),
)
RULES_BY_ID = {r.id: r for r in RULES}


@dataclass(frozen=True)
class Limits:
    """Every time limit and threshold of the rules, with the defaults of procedure.md. A deployment overrides
    them with settings.FAZHAN_PROCEDURE = {"activist_gap_months": 6, ...}."""

    min_age: int = 18
    talk_within_months: int = 1  # APP-TALK
    activist_gap_months: int = 3  # ACT-GAP (Guizhou 3, common 6)
    target_after_months: int = 12  # TGT-1YEAR
    contacts_min: int = 1
    contacts_max: int = 2  # ACT-CONTACT
    examination_window_months: int = 6  # ACT-HALFYEAR, PRB-EXAM
    report_window_months: int = 3  # ACT-REPORT, PRB-EXAM
    notice_working_days: int = 5  # TGT-NOTICE
    introducers: int = 2  # INTRO-2
    review_valid_months: int = 12  # POL-DONE [P]
    training_min_days: int = 3
    training_min_hours: int = 24  # TRN-MIN
    training_valid_months: int = 12
    # TRN-STAFF: a training counts if held on or before the step's date and at most this many years before
    # it; 0 (the default) counts any earlier training, as the notice asks only that they be trained.
    staff_training_years: int = 0
    leave_within_months: int = 3  # PRE-LEAVE
    meeting_after_prereview_months: int = 1  # ACC-AFTER-PRE
    approval_months: int = 3
    approval_special_months: int = 6  # APV-TIME
    promptly_months: int = 1  # APV-FILE and every "promptly"
    probation_months: int = 12  # PRB-DATES
    extension_min_months: int = 6
    extension_max_months: int = 12  # CNV-OUTCOME
    conversion_apply_days_before: int = 7  # CNV-APPLY [P]
    conversion_meeting_months: int = 1  # CNV-MEETING [P] and CNV-ONTIME
    conversion_approval_months: int = 3  # CNV-APV-TIME
    transfer_deferral_months: int = 6  # CNV-TRANSFER
    committee_min_full_members: int = 7  # ACT-PRE: fewer full members, the branch meeting decides
    district_prereview: bool = True  # PRE-DISTRICT (profile shizhongqu-2018)
    # Sections C and D (the 2018 notice, the violation detectors): thresholds, defaults as stated there.
    archive_review_months: int = 3  # ARC-REVIEW: the township reviews a converted member's file within
    pool_applicants_per_activist: int = 2
    pool_activists_per_target: int = 3  # POOL-RATIO 6:3:1 (strict reading: counts exclusive)
    pool_ratio_loose: bool = False  # POOL-RATIO loose reading: each stage counts everyone beyond it too
    young_farmer_age: int = 35
    young_farmer_window_years: int = 2  # RES-YOUNG-FARMER: windows 2018–2019, 2020–2021 …
    backdate_warn_days: int = 30
    backdate_error_days: int = 90  # VIO-BACKDATE
    votes_quorum_margin: int = 0  # VIO-VOTES: "barely a quorum" = at most this many above the minimum
    kin_share_max: float = 0.30
    kin_share_years: int = 5  # VIO-KIN-SHARE
    rush_month_share: float = 0.5  # VIO-RUSH: approvals in one month over this share of the yearly quota
    rush_election_months: int = 3  # VIO-RUSH: admissions this close before a village election
    rush_minimum_slack_days: int = 7  # VIO-RUSH: "at the legal minimum" = within this many days of it


def limits() -> Limits:
    from django.conf import settings

    return Limits(**getattr(settings, "FAZHAN_PROCEDURE", {}))


# --- Time limits between two steps (issue 12): declared once ------------------------------------------------
# Each is data: the step the clock starts from, the step it bounds, whether it bounds the step from below (the
# step is allowed from that date: EARLIEST), from above (the step is due by it: DUE) or repeats in windows
# (a record of `kind` due in every window: WINDOW), the Limits field holding its months (a deployment may
# override it, settings.FAZHAN_PROCEDURE), the rule that judges it, and the 细则 edition and article it comes
# from. The rules read their months here (limit_months), and procedure.deadlines derives each case's next
# steps from the same rows.
EARLIEST, DUE, WINDOW, BARS = "earliest", "due", "window", "bars"
# BARS: an event of the person's (a planned departure) within the limit after the start step bars the step
# (PRE-LEAVE: leaving the unit within 3 months of the pre-review pass stops the admission, S15).
MONTHS, WORKING_DAYS = "months", "working_days"  # the unit a limit counts in (TGT-NOTICE: working days)
EDITION_2014 = "2014"  # 《中国共产党发展党员工作细则》(2014)


@dataclass(frozen=True)
class TimeLimit:
    id: str  # the rule judging it (RULES_BY_ID), or a name of its own with `rule` naming that rule
    start: str  # the step (Anchor) whose date starts the clock
    step: str  # the step the limit bounds
    bound: str  # EARLIEST | DUE | WINDOW | BARS
    months_field: str  # the Limits field with its count (months, or working days: `unit`)
    article: str  # as the Step declarations write them
    edition: str = EDITION_2014
    kind: str = ""  # WINDOW: the education record each window needs (S06/S21 kind)
    special_field: str = ""  # DUE with an outer limit for special cases (APV-TIME's six months)
    rule: str = ""  # the judging rule where `id` is not one
    unit: str = MONTHS

    @property
    def rule_id(self) -> str:
        return self.rule or self.id

    def count(self, limits: "Limits") -> int:
        """The limit's number in its unit, under these limits."""
        return getattr(limits, self.months_field)

    def months(self, limits: "Limits") -> int:
        if self.unit != MONTHS:
            raise ValueError(f"time limit {self.id} counts {self.unit}, not months")
        return self.count(limits)

    def special_months(self, limits: "Limits") -> int | None:
        return getattr(limits, self.special_field) if self.special_field else None


TIME_LIMITS = (
    TimeLimit("APP-TALK", "S01", "S02", DUE, "talk_within_months", "Art.7"),
    TimeLimit("ACT-GAP", "S01", "S03", EARLIEST, "activist_gap_months", "Art.8"),
    TimeLimit(
        "ACT-HALFYEAR", "S03", "S06", WINDOW, "examination_window_months", "Art.11", kind="examination"
    ),
    TimeLimit("ACT-REPORT", "S03", "S06", WINDOW, "report_window_months", "Art.10", kind="thought_report"),
    TimeLimit("TGT-1YEAR", "S03", "S07", EARLIEST, "target_after_months", "Art.13"),
    # The 公示 recorded with the target decision (S07's publicity_from/to) lasts at least so many working days
    # (make-up workdays counted) and ends before the filing (S08), which is allowed from the day after.
    TimeLimit("TGT-NOTICE", "S07", "S08", EARLIEST, "notice_working_days", "Art.13 [P]", unit=WORKING_DAYS),
    # [P] The political review's conclusion is not older than its months at the branch meeting.
    TimeLimit("POL-DONE", "S10", "S15", DUE, "review_valid_months", "Art.16 [P]"),
    TimeLimit("PRE-LEAVE", "S13", "S15", BARS, "leave_within_months", "Art.19"),
    TimeLimit("ACC-AFTER-PRE", "S13", "S15", DUE, "meeting_after_prereview_months", "Art.19"),
    TimeLimit(
        "APV-TIME", "S15", "S17", DUE, "approval_months", "Art.26", special_field="approval_special_months"
    ),
    TimeLimit("APV-FILE", "S17", "S18", DUE, "promptly_months", "Art.26"),
    TimeLimit("PRB-EXAM", "S15", "S21", WINDOW, "examination_window_months", "Art.31", kind="examination"),
    TimeLimit(
        "PRB-REPORT",
        "S15",
        "S21",
        WINDOW,
        "report_window_months",
        "Art.31",
        kind="thought_report",
        rule="PRB-EXAM",
    ),
    # The probation runs from the branch meeting, extensions added (rules.probation.probation_end); the
    # conversion meeting is due within its months of that end.
    TimeLimit("PRB-DATES", "S15", "S23", EARLIEST, "probation_months", "Art.31"),
    TimeLimit("CNV-MEETING", "S15", "S23", DUE, "conversion_meeting_months", "Art.33"),
    TimeLimit("CNV-APV-TIME", "S23", "S24", DUE, "conversion_approval_months", "Art.34"),
)
TIME_LIMITS_BY_ID = {t.id: t for t in TIME_LIMITS}


def limit_months(limit_id: str, limits: "Limits") -> int:
    """The months of a declared time limit under these limits (a rule's one source of its number)."""
    return TIME_LIMITS_BY_ID[limit_id].months(limits)


def limit_count(limit_id: str, limits: "Limits") -> int:
    """The number of a declared time limit in its own unit (TGT-NOTICE's working days)."""
    return TIME_LIMITS_BY_ID[limit_id].count(limits)


# --- Labels of the details and their codes, for the entry forms and the printed record ----------------------

DETAIL_LABELS = {
    "talkers": _("谈话人（人员编号）"),
    "method": _("推荐方式"),
    "decided_by": _("决定机构"),
    "filed_with": _("备案单位（组织代码）"),
    "agreed": _("上级党委同意"),
    "contacts": _("培养联系人（人员编号）"),
    "kind": _("类别"),
    "publicity_from": _("公示开始"),
    "publicity_to": _("公示结束"),
    "opinions_heard": _("已听取意见"),
    "introducers": _("入党介绍人（人员编号）"),
    "result": _("结果"),
    "negative_list": _("负面清单适用项"),
    "floating_opinions": _("流动人员征求意见单位（组织代码）"),
    "floating_opinions_outside": _("区外党组织意见（单位名称）"),
    "days": _("培训天数"),
    "hours": _("培训学时"),
    "provider": _("培训单位（组织代码）"),
    "exception_reason": _("未达要求的书面理由"),
    "reviewer": _("预审单位（组织代码）"),
    "reason": _("说明"),
    "form_number": _("志愿书编号"),
    "entitled": _("应到会有表决权党员"),
    "present": _("实到会有表决权党员"),
    "for": _("赞成"),
    "against": _("反对"),
    "abstain": _("弃权"),
    "written_for": _("书面赞成"),
    "written_against": _("书面反对"),
    "secret_ballot": _("无记名投票"),
    "one_by_one": _("逐个表决"),
    "approver": _("审批单位（组织代码）"),
    "special_reason": _("超过三个月审批的特殊原因"),
    "quota_override_reason": _("超计划审批的理由"),
    "branch": _("编入支部（组织代码）"),
    "decision": _("决定"),
    "extend_months": _("延长预备期（月）"),
    "archive_no": _("档案号"),
}
CHOICE_LABELS = {
    "member_recommendation": _("党员推荐"),
    "mass_org_recommendation": _("群团组织推优"),
    "other": _("其他"),
    "branch_committee": _("支委会"),
    "branch_meeting": _("支部大会"),
    "examination": _("考察"),
    "thought_report": _("思想汇报"),
    "training": _("培训"),
    "party_group": _("党小组"),
    "contacts": _("培养联系人"),
    "members": _("党员"),
    "public": _("群众"),
    "pass": _("合格"),
    "fail": _("不合格"),
    "returned": _("退回"),
    "approved": _("批准"),
    "rejected": _("不批准"),
    "convert": _("按期转正"),
    "extend": _("延长预备期"),
    "cancel": _("取消预备党员资格"),
    "ambiguous_on_principle": _("是非观念淡薄、当“两面人”"),
    "self_interest": _("功利思想严重、见利忘义、损公肥私"),
    "cult_religion_superstition": _("参与邪教、笃信宗教或热衷封建迷信"),
    "under_investigation": _("涉嫌违纪违法正在被调查处理"),
    "otherwise_unfit": _("其他不符合党员条件"),
}
