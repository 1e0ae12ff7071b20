"""Plans: the district's guiding plan for a year and the quotas it passes down (PLAN-QUOTA, PLAN-GROUPS).

Binding: the quotas of the orgs planned directly under a plan may not add up to more than that plan's quota,
and no plan may be cut below what it has already passed down. A refusal names the field and the numbers."""

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import Org, OrgKind
from fazhan.plans.models import Plan
from fazhan.plans.selectors import GROUP_KEYS, admissions, plan_children, plan_parent
from fazhan.procedure.definition import DISTRICT, Anchor
from fazhan.procedure.engine import finding, in_force
from fazhan.procedure.rules.counting import org_on
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
