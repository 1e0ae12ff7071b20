"""Annual plans and quotas (发展计划): read and set through the plans app's own selectors and service, so the
readers (PLAN_READERS: the township and district roles, the inspector) and the setters (plan_may_allocate:
the district, a township organizer for the orgs below its township) are the plan page's own."""

import datetime

from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from fazhan.api.schemas import ORG_CODE_PATTERN, responses
from fazhan.plans.models import Plan
from fazhan.plans.selectors import GROUP_KEYS, plan_list_for_user, plan_org_for_user, plan_report
from fazhan.plans.services import plan_allocate

router = Router(tags=["plans"])

Year = Path(..., ge=2000, le=2100)


class PlanOut(Schema):
    org: str
    org_name: str
    year: int
    quota: int = Field(description="发展计划数")
    groups: dict[str, int] = Field(description="重点群体目标：" + "、".join(GROUP_KEYS))


class PlanPage(Schema):
    count: int
    items: list[PlanOut]


class PlanRowOut(Schema):
    code: str
    name: str
    quota: int | None = Field(None, description="计划数；未下达时为空")
    admitted: int = Field(description="本年已发展（接收预备党员）")
    applicants: int
    activists: int
    targets: int
    ratio_ok: bool = Field(description="入党申请人、积极分子、发展对象是否达到 6:3:1（POOL-RATIO）")


class VillageOut(Schema):
    code: str
    name: str
    activists: int


class GroupOut(Schema):
    key: str
    label: str
    target: int | None
    actual: int


class PlanReportOut(PlanRowOut):
    """The plan page's report (the same as its data.json)."""

    org: str
    year: int
    as_of: datetime.date
    monthly: list[int] = Field(description="1—12月每月发展数")
    cumulative: list[int]
    children: list[PlanRowOut]
    villages: list[VillageOut]
    groups: list[GroupOut]


class PlanIn(Schema):
    quota: int = Field(ge=0, le=100_000, description="发展计划数")
    groups: dict[str, int | None] = Field(
        {}, max_length=len(GROUP_KEYS), description="重点群体目标（可空）：" + "、".join(GROUP_KEYS)
    )


def plan_out(plan: Plan) -> dict:
    return {
        "org": plan.org.code,
        "org_name": plan.org.name,
        "year": plan.year,
        "quota": plan.quota,
        "groups": plan.groups or {},
    }


@router.get(
    "", response=responses({200: PlanPage}), summary="年度发展计划列表（您可查看的组织，按年度、组织排序）"
)
def plans(
    request,
    year: int | None = Query(None, ge=2000, le=2100),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    qs = plan_list_for_user(request.user, year)
    return {"count": qs.count(), "items": [plan_out(p) for p in qs[offset : offset + limit]]}


@router.get(
    "/{code:code}/{int:year}",
    response=responses({200: PlanReportOut}),
    summary="一个组织一年的计划执行情况（与计划页面同一报表）",
)
def plan_detail(request, code: str = Path(..., max_length=40, pattern=ORG_CODE_PATTERN), year: int = Year):
    org = plan_org_for_user(request.user, code)
    return plan_report(org, year, today=timezone.localdate()).as_json()


@router.put(
    "/{code:code}/{int:year}",
    response=responses({200: PlanOut}),
    summary="下达或修改计划数（区委组织部；镇党委组织委员下达到本镇以下组织；不超过上级计划）",
)
def plan_set(
    request,
    payload: PlanIn,
    code: str = Path(..., max_length=40, pattern=ORG_CODE_PATTERN),
    year: int = Year,
):
    org = plan_org_for_user(request.user, code)
    plan = plan_allocate(actor=request.user, org=org, year=year, quota=payload.quota, groups=payload.groups)
    return plan_out(Plan.objects.select_related("org").get(pk=plan.pk))
