"""Plans: the district's guiding plan for a year and the quotas it passes down (PLAN-QUOTA, PLAN-GROUPS).

Binding: the quotas of the orgs planned directly under a plan may not add up to more than that plan's quota,
and no plan may be cut below what it has already passed down. A refusal names the field and the numbers."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.core.dates import date_cn
from fazhan.organizations.models import Org, OrgCategory, OrgKind
from fazhan.plans.models import CycleAct, CycleStep, Plan, Reserve, ReserveEntry
from fazhan.plans.selectors import (
    GROUP_KEYS,
    RESERVE_STAGES,
    admissions,
    plan_children,
    plan_parent,
    reserve_children,
    reserve_parent,
    young_farmers_admitted,
)
from fazhan.procedure.definition import BRANCH, DISTRICT, TOWNSHIP, Anchor, limits
from fazhan.procedure.engine import finding, in_force
from fazhan.procedure.loader import case_facts_many
from fazhan.procedure.models import Case
from fazhan.procedure.rules.counting import POOL_STAGES, org_on, stage_of
from fazhan.procedure.rules.notice2018 import young_farmer_window_of
from fazhan.procedure.services import Refusal, StepEntry

ERR_NOT_ALLOWED = "只有区委组织部可以下达本级和乡镇计划，乡镇党委组织委员可以向所属支部分配计划。"
ERR_YEAR = "年度须在 2000 至 2100 之间。"
ERR_NEGATIVE = "不能为负数。"
ERR_NO_PARENT = "%(org)s %(year)s 年度尚未下达上级计划，不能分配。"
ERR_OVER_PARENT = (
    "超过上级计划：%(parent)s %(year)s 年度计划 %(quota)s 名，已分配给其他组织 %(given)s 名，"
    "本次最多还可分配 %(left)s 名（申请 %(asked)s 名）。"
)
ERR_BELOW_CHILDREN = "不能低于已向下级分配的 %(given)s 名（本次 %(asked)s 名）。"
ERR_GROUP_KEY = "未知的重点群体：%(key)s"
ERR_GROUP_OVER = "%(key)s 目标 %(n)s 名超过计划数 %(quota)s 名。"


def plan_may_allocate(user, org: Org) -> bool:
    """The district sets any plan; a township organizer passes its township's quota on to the orgs below."""
    if user is None:
        return True
    if user_roles_at(user, org) & set(DISTRICT):
        return True
    parent = org.parent
    return (
        parent is not None
        and org.kind != OrgKind.COMMITTEE
        and "township_organizer" in user_roles_at(user, parent)
    )


def _clean_groups(groups: Any, quota: int) -> dict[str, int]:
    if groups is None:
        return {}
    if not isinstance(groups, dict):
        raise ValidationError({"groups": _("重点群体目标格式不正确。")})
    clean: dict[str, int] = {}
    for key, value in groups.items():
        if key not in GROUP_KEYS:
            raise ValidationError({"groups": _(ERR_GROUP_KEY) % {"key": key}})
        if value in (None, ""):
            continue
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"groups": _("%(key)s 须为整数。") % {"key": key}}) from None
        if n < 0:
            raise ValidationError({"groups": f"{key}: {_(ERR_NEGATIVE)}"})
        if n > quota:
            raise ValidationError({"groups": _(ERR_GROUP_OVER) % {"key": key, "n": n, "quota": quota}})
        clean[key] = n
    return clean


@transaction.atomic
def plan_allocate(*, actor, org: Org, year: int, quota: int, groups: dict[str, Any] | None = None) -> Plan:
    """Set `org`'s plan for `year`: its quota of admissions and its focus-group targets. Binding against the
    nearest plan above it and the plans already passed down below it; written with its audit event."""
    if not plan_may_allocate(actor, org):
        raise PermissionDenied(_(ERR_NOT_ALLOWED))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _(ERR_YEAR)})
    if not isinstance(quota, int) or quota < 0:
        raise ValidationError({"quota": _(ERR_NEGATIVE)})
    clean_groups = _clean_groups(groups, quota)
    # Lock the year's plans: two allocations under one parent must not both fit the same remainder.
    list(Plan.objects.select_for_update().filter(year=year).values_list("pk", flat=True))
    parent = plan_parent(org, year)
    if parent is None and org.kind != OrgKind.DISTRICT_COMMITTEE and org.parent_id is not None:
        raise ValidationError({"quota": _(ERR_NO_PARENT) % {"org": org.name, "year": year}})
    if parent is not None:
        given = sum(p.quota for p in plan_children(parent) if p.org_id != org.pk)
        if given + quota > parent.quota:
            raise ValidationError(
                {
                    "quota": _(ERR_OVER_PARENT)
                    % {
                        "parent": parent.org.name,
                        "year": year,
                        "quota": parent.quota,
                        "given": given,
                        "left": max(parent.quota - given, 0),
                        "asked": quota,
                    }
                }
            )
    existing = Plan.objects.filter(org=org, year=year).first()
    if existing is not None:
        below = sum(p.quota for p in plan_children(existing))
        if quota < below:
            raise ValidationError({"quota": _(ERR_BELOW_CHILDREN) % {"given": below, "asked": quota}})
    before = {"quota": existing.quota, "groups": existing.groups} if existing else None
    plan = existing or Plan(org=org, year=year)
    plan.quota, plan.groups = quota, clean_groups
    plan.save()
    audit_record(
        actor=actor,
        action="plan.allocate",
        target=plan,
        org=org,
        data={
            "org": org.code,
            "year": year,
            "quota": quota,
            "groups": clean_groups,
            "before": before,
            "parent": parent.org.code if parent else None,
        },
    )
    return plan


ERR_OVER_QUOTA = (
    "%(org)s %(year)s 年度发展计划 %(quota)s 名，已发展 %(admitted)s 名，本次审批将超出计划；"
    "确需超计划发展的，由乡镇党委审批人填写超计划理由。"
)


def plan_quota_guard(entry: StepEntry) -> Iterator[Refusal]:
    """PLAN-QUOTA at approval (procedure.md C): an admission (S17 approved) that takes any org on the
    person's path on the approval date over its plan for the year is refused at quota_override_reason,
    unless the township approver gives the reason there (then it stands, the reason kept with the record).
    Admissions are counted as the plan page and the rule count them (procedure.md E: at the approval date,
    for the person's branch on that date; a correction counts once, an invalidated admission nowhere).
    Registered with the step service (PlansConfig.ready)."""
    record = entry.record
    if record.step != Anchor.APPROVAL or not record.passed() or not in_force("PLAN-QUOTA", record.date):
        return
    if str(record.details.get("quota_override_reason") or "").strip():
        return
    year_plans = list(Plan.objects.filter(year=record.date.year).select_related("org"))
    if not year_plans:
        return
    person = entry.case.person
    branch = Org.objects.get(code=org_on(entry.facts, record.date))
    path = [p for p in year_plans if branch.path.startswith(p.org.path)]
    for plan in sorted(path, key=lambda p: p.org.path):
        admitted = [a for a in admissions(plan.org, plan.year) if a.person.pk != person.pk]
        if len(admitted) < plan.quota:
            continue
        evidence = {"org": plan.org.code, "year": plan.year, "quota": plan.quota, "admitted": len(admitted)}
        text = _(ERR_OVER_QUOTA) % {**evidence, "org": plan.org.name}
        refused = finding("PLAN-QUOTA", text, severity="BLOCK", evidence=evidence)
        yield Refusal("details.quota_override_reason", refused)


# The reserve plan (储量计划, notice 二: RES-PLAN) and the yearly cycle (notice 一: RES-CYCLE).

NOTICE_2 = "《2018年发展党员指导性计划》通知 二"
NOTICE_1 = "《2018年发展党员指导性计划》通知 一"
RESERVE_LABELS = {"applicants": "入党申请人", "activists": "入党积极分子", "targets": "发展对象"}
ERR_RESERVE_NO_PARENT = "%(org)s %(year)s 年度上级尚未下达储量计划，不能分配。"
ERR_RESERVE_OVER_PARENT = (
    "超过上级储量计划：%(parent)s %(year)s 年度%(label)s储备 %(total)s 名，已分配给其他组织 %(given)s 名，"
    "本次最多还可分配 %(left)s 名（填报 %(asked)s 名）。"
)
ERR_RESERVE_BELOW_CHILDREN = "不能低于已向下级分配的%(label)s储备 %(given)s 名（本次 %(asked)s 名）。"
ERR_VILLAGE_MINIMUM = (
    "每个村至少常态化储备 1 名入党积极分子（RES-PLAN，%(notice)s），%(org)s 的储备不能为 0。"
)
ERR_YOUNG_FARMER = (
    "每个村每两年至少发展 1 名青年农民党员（RES-YOUNG-FARMER，%(notice)s）：%(org)s 在 %(first)s 至 %(last)s "
    "尚未发展青年农民党员，%(year)s 年度储量计划应至少安排 1 名。"
)


def _count(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError({field: _(ERR_NEGATIVE)})
    return value


def _young_farmer_provided(org: Org, year: int) -> None:
    """A village's reserve for the last year of a RES-YOUNG-FARMER window plans a young farmer unless one was
    admitted in the window already (as the rule counts admissions, up to today): that year is the window's
    last chance. A window's first year may leave it to the second."""
    first, last = young_farmer_window_of(datetime.date(year, 1, 1), limits())
    if last.year != year or first.year == year:
        return
    today = timezone.localdate()
    if not young_farmers_admitted(org, first, min(last, today), today=today):
        raise ValidationError(
            {
                "young_farmers": _(ERR_YOUNG_FARMER)
                % {
                    "notice": NOTICE_2,
                    "org": org.name,
                    "first": date_cn(first),
                    "last": date_cn(last),
                    "year": year,
                }
            }
        )


@transaction.atomic
def reserve_set(
    *,
    actor,
    org: Org,
    year: int,
    applicants: int,
    activists: int,
    targets: int,
    young_farmers: int = 0,
) -> Reserve:
    """Set `org`'s reserve plan for `year` (RES-PLAN): the applicants, activists and targets it holds, and the
    young farmers it develops. The roles that set quotas set reserves, and a reserve is handed down as the
    quota is: what the orgs planned directly below a reserve hold, stage by stage, adds up to no more than it,
    and no reserve is cut below what it has passed down. A village branch holds at least one activist."""
    if not plan_may_allocate(actor, org):
        raise PermissionDenied(_(ERR_NOT_ALLOWED))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _(ERR_YEAR)})
    numbers = {
        "applicants": _count(applicants, "applicants"),
        "activists": _count(activists, "activists"),
        "targets": _count(targets, "targets"),
    }
    farmers = _count(young_farmers, "young_farmers")
    if org.is_branch and org.category == OrgCategory.VILLAGE and numbers["activists"] < 1:
        raise ValidationError({"activists": _(ERR_VILLAGE_MINIMUM) % {"notice": NOTICE_2, "org": org.name}})
    list(Reserve.objects.select_for_update().filter(year=year).values_list("pk", flat=True))
    parent = reserve_parent(org, year)
    if parent is None and org.kind != OrgKind.DISTRICT_COMMITTEE and org.parent_id is not None:
        raise ValidationError({"applicants": _(ERR_RESERVE_NO_PARENT) % {"org": org.name, "year": year}})
    if parent is not None:
        siblings = [r for r in reserve_children(parent) if r.org_id != org.pk]
        for _stage, attr in RESERVE_STAGES:
            total, given = getattr(parent, attr), sum(getattr(r, attr) for r in siblings)
            if given + numbers[attr] > total:
                raise ValidationError(
                    {
                        attr: _(ERR_RESERVE_OVER_PARENT)
                        % {
                            "parent": parent.org.name,
                            "year": year,
                            "label": RESERVE_LABELS[attr],
                            "total": total,
                            "given": given,
                            "left": max(total - given, 0),
                            "asked": numbers[attr],
                        }
                    }
                )
    if org.is_branch and org.category == OrgCategory.VILLAGE and farmers < 1:
        _young_farmer_provided(org, year)
    existing = Reserve.objects.filter(org=org, year=year).first()
    if existing is not None:
        below = reserve_children(existing)
        for _stage, attr in RESERVE_STAGES:
            given = sum(getattr(r, attr) for r in below)
            if numbers[attr] < given:
                raise ValidationError(
                    {
                        attr: _(ERR_RESERVE_BELOW_CHILDREN)
                        % {"label": RESERVE_LABELS[attr], "given": given, "asked": numbers[attr]}
                    }
                )
    before = (
        {**{attr: getattr(existing, attr) for attr in numbers}, "young_farmers": existing.young_farmers}
        if existing
        else None
    )
    reserve = existing or Reserve(org=org, year=year)
    for attr, n in numbers.items():
        setattr(reserve, attr, n)
    reserve.young_farmers = farmers
    reserve.save()
    audit_record(
        actor=actor,
        action="reserve.set",
        target=reserve,
        org=org,
        data={
            "org": org.code,
            "year": year,
            **numbers,
            "young_farmers": farmers,
            "before": before,
            "parent": parent.org.code if parent else None,
        },
    )
    return reserve


ERR_TAKE_ROLE = "只有本支部书记、组织委员或乡镇党委可以将人员纳入计划。"
ERR_TAKE_CLOSED = "该发展档案已办结，不能纳入计划。"
ERR_TAKE_STAGE = "只有入党申请人、入党积极分子和发展对象可以纳入计划（现为%(stage)s）。"
ERR_TAKE_YEAR = "只能纳入本年度或下一年度的计划（纳入日期 %(date)s，计划年度 %(year)s）。"
ERR_TAKE_TWICE = "%(name)s 已纳入 %(year)s 年度计划。"
STAGE_NAMES = {"probationary": "预备党员", "full": "正式党员", "exited": "已出队"}


def reserve_may_take_in(user, org: Org) -> bool:
    return user is None or bool(user_roles_at(user, org) & set(BRANCH + TOWNSHIP))


@transaction.atomic
def reserve_take_in(*, actor, case: Case, year: int, date: datetime.date) -> ReserveEntry:
    """Take a case into `year`'s plan (纳入计划, notice 二): its branch or township marks a person in the
    pool (applicant, activist or target on `date`, as the rules read the record) for this year or next."""
    case = Case.objects.select_for_update().select_related("person__org").get(pk=case.pk)  # as it stands now
    person = case.person
    if not reserve_may_take_in(actor, person.org):
        raise PermissionDenied(_(ERR_TAKE_ROLE))
    if not isinstance(year, int) or year not in (date.year, date.year + 1):
        raise ValidationError({"year": _(ERR_TAKE_YEAR) % {"date": date.isoformat(), "year": year}})
    if case.closed_on is not None and case.closed_on <= date:
        raise ValidationError({"case": _(ERR_TAKE_CLOSED)})
    (facts,) = case_facts_many([case], as_of=date)
    stage = stage_of(facts)
    if stage not in POOL_STAGES:
        raise ValidationError({"case": _(ERR_TAKE_STAGE) % {"stage": STAGE_NAMES.get(stage, stage)}})
    if ReserveEntry.objects.filter(case=case, year=year).exists():
        raise ValidationError({"case": _(ERR_TAKE_TWICE) % {"name": person.name, "year": year}})
    org = Org.objects.get(code=org_on(facts, date))
    try:
        with transaction.atomic():
            entry = ReserveEntry.objects.create(case=case, year=year, org=org, taken_on=date, taken_by=actor)
    except IntegrityError:
        raise ValidationError({"case": _(ERR_TAKE_TWICE) % {"name": person.name, "year": year}}) from None
    audit_record(
        actor=actor,
        action="reserve.take_in",
        target=entry,
        org=org,
        data={"person": person.pid, "year": year, "date": date.isoformat(), "stage": stage, "org": org.code},
    )
    return entry


@transaction.atomic
def reserve_take_out(*, actor, entry: ReserveEntry) -> None:
    """Take a case out of the year's plan again (the mark goes; the trail keeps both acts)."""
    if not reserve_may_take_in(actor, entry.case.person.org):
        raise PermissionDenied(_(ERR_TAKE_ROLE))
    data = {"person": entry.case.person.pid, "year": entry.year, "org": entry.org.code}
    audit_record(
        actor=actor, action="reserve.take_out", target=entry, org=entry.org, data=data, removed=[entry]
    )
    entry.delete()


ERR_CYCLE_ROLE = {
    CycleStep.REQUEST: "发展党员计划请求由基层党组织书记、组织委员或乡镇党委报送。",
    CycleStep.GUIDE: "指导性计划只能由区委组织部下达。",
    CycleStep.DIVISION: "计划分解只能由乡镇党委组织委员办理。",
}
ERR_CYCLE_ORG = {
    CycleStep.REQUEST: "计划请求由基层党组织报送，区委不报送请求。",
    CycleStep.GUIDE: "指导性计划下达给区委本级或乡镇党委。",
    CycleStep.DIVISION: "计划分解由乡镇党委办理。",
}
ERR_CYCLE_DATE = "日期不能晚于今天（%(today)s）。"
ERR_CYCLE_REQUEST_DATE = "%(year)s 年度计划的请求应在 %(prev)s 年或 %(year)s 年报送（日期 %(date)s）。"
ERR_CYCLE_NUMBER = "请填写请求发展的人数。"
ERR_CYCLE_RESERVE = (
    "报送请求须有储量计划支撑：%(org)s 尚未填报 %(year)s 年度储量计划（RES-CYCLE，%(notice)s）。"
)
ERR_CYCLE_NO_PLAN = "%(org)s %(year)s 年度尚未录入计划数，不能登记为已下达（RES-CYCLE，%(notice)s）。"
ERR_CYCLE_NO_GUIDE = (
    "区委组织部尚未向 %(org)s 下达 %(year)s 年度指导性计划，不能分解（RES-CYCLE，%(notice)s）。"
)
ERR_CYCLE_NOTHING = "%(org)s 尚未向下级分配 %(year)s 年度计划，不能登记为已分解。"


def cycle_months() -> dict[str, int]:
    """The months local practice sets for the cycle (settings): requests, the guiding plan."""
    return {
        CycleStep.REQUEST: settings.FAZHAN_CYCLE_REQUEST_MONTH,
        CycleStep.GUIDE: settings.FAZHAN_CYCLE_GUIDE_MONTH,
    }


def cycle_may_act(user, org: Org, step: str) -> bool:
    if user is None:
        return True
    roles = user_roles_at(user, org)
    if step == CycleStep.GUIDE:
        return bool(roles & set(DISTRICT))
    if step == CycleStep.DIVISION:
        return "township_organizer" in roles
    return bool(roles & set(BRANCH + TOWNSHIP))


@transaction.atomic
def cycle_record(
    *,
    actor,
    org: Org,
    year: int,
    step: str,
    date: datetime.date,
    number: int | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> CycleAct:
    """Record one act of the yearly cycle (RES-CYCLE, notice 一): a base org's request for `year` with its
    number, backed by its reserve plan; the district's guiding plan handed to the district's own level or a
    township, once the plan's quota is in; the township's division, once the guiding plan reached it and
    quotas are passed down. Each act is dated, signed by its actor and written to the trail; recorded again,
    the latest stands."""
    if step not in CycleStep.values:
        raise ValidationError({"step": _("未知的环节。")})
    step = CycleStep(step)
    if not cycle_may_act(actor, org, step):
        raise PermissionDenied(_(ERR_CYCLE_ROLE[step]))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _(ERR_YEAR)})
    today = today or timezone.localdate()
    if date > today:
        raise ValidationError({"date": _(ERR_CYCLE_DATE) % {"today": today.isoformat()}})
    names = {"org": org.name, "year": year}
    if step == CycleStep.REQUEST:
        if org.kind == OrgKind.DISTRICT_COMMITTEE:
            raise ValidationError({"org": _(ERR_CYCLE_ORG[step])})
        if date.year not in (year - 1, year):
            raise ValidationError(
                {"date": _(ERR_CYCLE_REQUEST_DATE) % {**names, "prev": year - 1, "date": date.isoformat()}}
            )
        if number is None:
            raise ValidationError({"number": _(ERR_CYCLE_NUMBER)})
        _count(number, "number")
        if not Reserve.objects.filter(org=org, year=year).exists():
            raise ValidationError({"number": _(ERR_CYCLE_RESERVE) % {**names, "notice": NOTICE_2}})
    elif step == CycleStep.GUIDE:
        if org.kind not in (OrgKind.DISTRICT_COMMITTEE, OrgKind.COMMITTEE) or (
            org.kind == OrgKind.COMMITTEE and org.category != OrgCategory.TOWNSHIP
        ):
            raise ValidationError({"org": _(ERR_CYCLE_ORG[step])})
        plan = Plan.objects.filter(org=org, year=year).first()
        if plan is None:
            raise ValidationError({"number": _(ERR_CYCLE_NO_PLAN) % {**names, "notice": NOTICE_1}})
        number = plan.quota
    else:
        if org.kind != OrgKind.COMMITTEE:
            raise ValidationError({"org": _(ERR_CYCLE_ORG[step])})
        if not CycleAct.objects.filter(org=org, year=year, step=CycleStep.GUIDE).exists():
            raise ValidationError({"step": _(ERR_CYCLE_NO_GUIDE) % {**names, "notice": NOTICE_1}})
        plan = Plan.objects.filter(org=org, year=year).first()
        passed = plan_children(plan) if plan else []
        if not passed:
            raise ValidationError({"step": _(ERR_CYCLE_NOTHING) % names})
        number = sum(p.quota for p in passed)
    note = str(note or "").strip()[:200]
    act, _created = CycleAct.objects.update_or_create(
        org=org, year=year, step=step, defaults={"date": date, "number": number, "note": note, "actor": actor}
    )
    audit_record(
        actor=actor,
        action=f"cycle.{step.value}",
        target=act,
        org=org,
        data={"org": org.code, "year": year, "date": date.isoformat(), "number": number, "note": note},
    )
    return act
