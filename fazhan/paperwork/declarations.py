"""The official forms as data: each one's code, Chinese title, the steps it belongs to, its declared
fields (the only names its template may use, and the only keys its context holds) and the layout of the
project's default template. A district replaces a template with its province's own file (paperwork.services),
within the same fields."""

import re
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured

from fazhan.core.office import BODY_FONT, SONG_FONT
from fazhan.paperwork.layout import Block, Box, Facts, Heading, Para, Rows, Sign, build_template
from fazhan.procedure.definition import STEPS_BY_CODE

SECRETARY = "党支部书记签字（盖章）："
BRANCH_SEAL = "党支部（盖章）"
COMMITTEE_SEAL = "基层党委（盖章）"

IDENTITY = (
    ("姓名", "name"),
    ("性别", "gender"),
    ("出生日期", "birth_date"),
    ("民族", "ethnicity"),
    ("籍贯", "native_place"),
    ("学历", "education"),
)
UNIT = (("工作单位及职务*", "work_unit_position"),)


@dataclass(frozen=True)
class Form:
    code: str
    title: str
    steps: tuple[str, ...]
    blocks: tuple[Block, ...]
    table_font: str = BODY_FONT  # 宋体 only where a province's form uses it (the 预审表)

    @property
    def fields(self) -> frozenset[str]:
        """The names the default template uses, declared once by its layout (a loop's item keys included
        through the list they belong to)."""
        return frozenset(n for b in self.blocks for n in _block_names(b))

    def default_template(self) -> bytes:
        return _default_template(self.code)


_PLACEHOLDER = re.compile(r"{{\s*([a-z_]+)\s*}}")


def _block_names(block: Block) -> list[str]:
    if isinstance(block, Facts):
        return [key for _label, key in block.pairs]
    if isinstance(block, Rows):
        return [block.items]
    if isinstance(block, (Box, Para)):
        return _PLACEHOLDER.findall(block.text)
    return []


FORMS: tuple[Form, ...] = (
    Form(
        "talk_record",
        "入党申请人谈话记录",
        ("S02",),
        (
            Facts((*IDENTITY, *UNIT, ("递交申请书时间", "application_date"), ("谈话时间", "talk_date"))),
            Facts((("谈话人*", "talkers"),)),
            Box(
                "谈话内容",
                "{{ name }}同志于{{ application_date }}递交入党申请书，"
                "党组织于{{ talk_date }}派{{ talkers }}同志与其谈话。",
                80,
            ),
            Sign(("谈话人签字：", SECRETARY)),
        ),
    ),
    Form(
        "activist_filing",
        "入党积极分子备案表",
        ("S04",),
        (
            Facts(
                (
                    *IDENTITY,
                    ("身份证号码*", "id_number"),
                    *UNIT,
                    ("申请入党时间", "application_date"),
                    ("确定积极分子时间", "activist_date"),
                    ("推荐方式", "recommendation"),
                    ("培养联系人", "contacts"),
                    ("备案时间", "activist_filed_date"),
                    ("备案党委", "activist_filed_with"),
                )
            ),
            Box(
                "党支部意见",
                "经支委会研究，于{{ activist_date }}确定{{ name }}同志为入党积极分子，"
                "报{{ committee_name }}备案。",
                35,
            ),
            Sign((SECRETARY, "上级党委意见（盖章）：")),
        ),
    ),
    Form(
        "cultivation_register",
        "入党积极分子培养教育考察登记",
        ("S06",),
        (
            Facts((*IDENTITY[:4], ("确定积极分子时间", "activist_date"), ("培养联系人", "contacts"))),
            Heading("一、半年考察情况"),
            Rows(
                "cultivation_periods",
                ("考察期", "起", "止", "考察情况"),
                ("period", "from", "to", "events"),
                (20, 40, 40, 56),
                nowrap=("from", "to"),
            ),
            Heading("二、培养联系人和党支部意见"),
            Box("培养联系人意见", "", 30),
            Box("党支部意见", "", 30),
            Sign(("培养联系人签字：", SECRETARY)),
        ),
    ),
    Form(
        "target_filing",
        "发展对象备案表",
        ("S08",),
        (
            Facts(
                (
                    *IDENTITY,
                    ("身份证号码*", "id_number"),
                    *UNIT,
                    ("申请入党时间", "application_date"),
                    ("确定积极分子时间", "activist_date"),
                    ("确定发展对象时间", "target_date"),
                    ("培养联系人", "contacts"),
                    ("公示开始", "target_publicity_from"),
                    ("公示结束", "target_publicity_to"),
                    ("备案时间", "target_filed_date"),
                    ("备案党委", "target_filed_with"),
                )
            ),
            Box(
                "党支部意见",
                "经听取党小组、培养联系人、党员和群众意见并公示，"
                "支委会于{{ target_date }}研究确定{{ name }}同志为发展对象。",
                35,
            ),
            Sign((SECRETARY, "上级党委意见（盖章）：")),
        ),
    ),
    Form(
        "political_review",
        "政治审查结论",
        ("S10",),
        (
            Facts(
                (
                    *IDENTITY,
                    *UNIT,
                    ("身份证号码*", "id_number"),
                    ("审查时间", "review_date"),
                    ("审查结论", "review_result"),
                )
            ),
            Heading("一、审查内容"),
            Para(
                "对{{ name }}同志对党的理论和路线、方针、政策的态度，政治历史和在重大政"
                "治斗争中的表现，遵纪守法和遵守社会公德情况，以及直系亲属和与本人关系密切的主要社"
                "会关系的政治情况进行了审查。"
            ),
            Heading("二、审查结论"),
            Para("{{ review_negative }}。经审查，{{ name }}同志政治审查结论为{{ review_result }}。"),
            Sign((SECRETARY,)),
        ),
    ),
    Form(
        "prereview_sheet",
        "发展党员工作预审表",
        ("S13",),
        (
            Facts(
                (
                    *IDENTITY,
                    ("身份证号码*", "id_number"),
                    ("单位职务*", "work_unit_position"),
                    ("参加工作时间", "work_started_on"),
                    ("申请入党时间", "application_date"),
                    ("确定积极分子时间", "activist_date"),
                    ("确定发展对象时间", "target_date"),
                    ("入党介绍人", "introducers"),
                    ("政治审查时间", "review_date"),
                    ("政审结论", "review_result"),
                    ("集中培训时间", "training_date"),
                    ("培训学时", "training_hours"),
                    ("支委会审查时间", "committee_review_date"),
                    ("预审时间", "prereview_date"),
                    ("预审单位", "prereview_org"),
                )
            ),
            Box("党支部意见", "", 22),
            Box("预审意见", "", 22),
            Sign((SECRETARY, "审卷人签字：", "预审党委（盖章）：")),
        ),
        table_font=SONG_FONT,
    ),
    Form(
        "admission_notice",
        "拟接收预备党员公示",
        ("S12", "S15"),
        (
            Para(
                "经{{ branch_name }}支部委员会审查、{{ committee_name }}预审，"
                "拟接收{{ name }}同志为中共预备党员，现予公示。"
            ),
            Facts(
                (
                    *IDENTITY[:4],
                    ("学历", "education"),
                    ("申请入党时间", "application_date"),
                    *UNIT,
                    ("确定积极分子时间", "activist_date"),
                    ("确定发展对象时间", "target_date"),
                )
            ),
            Para(
                "公示时间：{{ admission_publicity_from }}至{{ admission_publicity_to }}。"
                "公示期间，党员和群众可通过来电、来信、来访等方式向党支部或上级党委反映情况。"
            ),
            Para("支委会审查时间：{{ committee_review_date }}；支部大会讨论时间：{{ meeting_date }}。"),
            Sign((BRANCH_SEAL,)),
        ),
    ),
    Form(
        "volunteer_draft",
        "入党志愿书填写底稿",
        ("S14",),
        (
            Para(
                "本底稿据发展党员纪实记录打印，供申请人在入党介绍人指导下对照，用钢笔或签字笔亲笔填写编号入党志愿书，不得代填，不作为志愿书使用。"
            ),
            Facts(
                (
                    ("志愿书编号", "form_number"),
                    ("填写时间", "form_date"),
                    *IDENTITY,
                    ("身份证号码*", "id_number"),
                    *UNIT,
                    ("参加工作时间", "work_started_on"),
                    ("申请入党时间", "application_date"),
                    ("确定积极分子时间", "activist_date"),
                    ("确定发展对象时间", "target_date"),
                    ("入党介绍人", "introducers"),
                    ("政治审查时间", "review_date"),
                    ("集中培训时间", "training_date"),
                    ("预审通过时间", "prereview_date"),
                    ("预审单位", "prereview_org"),
                )
            ),
            Sign(("入党介绍人签字：", SECRETARY)),
        ),
    ),
    Form(
        "branch_resolution",
        "支部大会决议摘要",
        ("S15", "S23"),
        (
            Facts((*IDENTITY[:4], *UNIT)),
            Heading("一、接收预备党员"),
            Para(
                "{{ branch_name }}于{{ meeting_date }}召开支部"
                "大会，应到会有表决权的党员{{ meeting_entitled }}名，实到{{ meeting_present }}名"
                "。经讨论，以无记名投票方式表决，赞成{{ meeting_for }}票，反对{{ meeting_against }}票"
                "，弃权{{ meeting_abstain }}票，同意接收{{ name }}同"
                "志为中共预备党员。"
            ),
            Heading("二、预备党员转正"),
            Para(
                "{{ branch_name }}于{{ conversion_meeting_date }}召"
                "开支部大会，应到会有表决权的党员{{ conversion_entitled }}名"
                "，实到{{ conversion_present }}名，赞成{{ conversion_for }}票"
                "，反对{{ conversion_against }}票，弃权{{ conversion_abstain }}票"
                "，决定：{{ conversion_decision }}。"
            ),
            Sign((SECRETARY,)),
        ),
    ),
    Form(
        "probationary_filing",
        "预备党员备案表",
        ("S18",),
        (
            Facts(
                (
                    *IDENTITY,
                    ("身份证号码*", "id_number"),
                    *UNIT,
                    ("支部大会时间", "meeting_date"),
                    ("审批时间", "approval_date"),
                    ("审批党委*", "approver"),
                    ("预备期起", "probation_start"),
                    ("预备期止", "probation_end"),
                    ("备案时间", "approval_filed_date"),
                    ("备案单位", "approval_filed_with"),
                )
            ),
            Sign((COMMITTEE_SEAL, "组织部门（盖章）：")),
        ),
    ),
    Form(
        "probation_register",
        "预备党员教育考察登记",
        ("S21",),
        (
            Facts(
                (
                    *IDENTITY[:4],
                    ("支部大会时间", "meeting_date"),
                    ("预备期止", "probation_end"),
                    ("入党宣誓时间", "oath_date"),
                    ("入党介绍人", "introducers"),
                )
            ),
            Heading("一、半年考察情况"),
            Rows(
                "probation_periods",
                ("考察期", "起", "止", "考察情况"),
                ("period", "from", "to", "events"),
                (20, 40, 40, 56),
                nowrap=("from", "to"),
            ),
            Box("党支部意见", "", 30),
            Sign((SECRETARY,)),
        ),
    ),
    Form(
        "conversion_notice",
        "预备党员转正通知",
        ("S24",),
        (
            Para("{{ branch_name }}：", indent=False),
            Para(
                "你支部{{ conversion_meeting_date }}支部大会关于{{ name }}同"
                "志转为中共正式党员的决议收悉。经{{ conversion_approver }}于"
                "{{ conversion_approval_date }}审批，同意{{ name }}同"
                "志{{ conversion_decision }}，预备期满日为{{ probation_end }}，"
                "党龄自预备期满之日算起。"
            ),
            Para("请支部书记与本人谈话，并在党员大会上宣布。"),
            Para("转正申请时间：{{ conversion_application_date }}。"),
            Sign((COMMITTEE_SEAL, "党支部书记签收：")),
        ),
    ),
    Form(
        "record_table",
        "发展党员全程纪实表",
        ("S25",),
        (
            Para("{{ photo }}", indent=False, align="right"),
            Facts((*IDENTITY, ("所在党支部*", "branch_name"), *UNIT)),
            Rows(
                "stage_rows",
                ("阶段", "步骤", "日期", "内容", "经办人签字", "党组织意见（盖章）"),
                ("stage", "step", "date", "content", "", ""),
                (20, 24, 40, 42, 15, 15),
                nowrap=("date",),
            ),
            Sign((SECRETARY, COMMITTEE_SEAL)),
        ),
    ),
)

FORMS_BY_CODE = {f.code: f for f in FORMS}
FORMS_BY_TITLE = {f.title: f for f in FORMS}


def form_by_name(name: str) -> Form | None:
    """A form by its code or its Chinese title."""
    return FORMS_BY_CODE.get(name) or FORMS_BY_TITLE.get(name)


def forms_for_step(step: str) -> list[Form]:
    return [f for f in FORMS if step in f.steps]


@cache
def _default_template(code: str) -> bytes:
    form = FORMS_BY_CODE[code]
    return build_template(form.title, form.blocks, table_font=form.table_font)


def check_declarations() -> None:
    """Refuse a broken declaration at start-up: doubled codes or titles, unknown steps."""
    if len(FORMS_BY_CODE) != len(FORMS) or len(FORMS_BY_TITLE) != len(FORMS):
        raise ImproperlyConfigured("paperwork: a form code or title is declared twice")
    for form in FORMS:
        unknown = [s for s in form.steps if s not in STEPS_BY_CODE]
        if unknown:
            raise ImproperlyConfigured(f"paperwork: form {form.code} names unknown steps {unknown}")
