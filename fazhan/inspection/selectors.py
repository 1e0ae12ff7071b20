"""The scoped readers of the inspection: runs and findings a user may see (404 outside their subtree)."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from fazhan.accounts.selectors import user_assignments, user_case_paths, user_scope_q
from fazhan.inspection.models import Finding, InspectionRun
from fazhan.inspection.services import RUN_ROLES
from fazhan.organizations.models import Org


def run_list_for_user(user) -> QuerySet[InspectionRun]:
    """Runs over the user's subtree or over an org above it (a branch secretary sees the township's runs,
    and in them the findings of their own branch only: run_findings)."""
    above = [p for path in user_case_paths(user) for p in ancestor_paths(path)]
    return InspectionRun.objects.filter(
        user_scope_q(user, "org__path") | Q(org__path__in=above)
    ).select_related("org", "started_by")


def ancestor_paths(path: str) -> list[str]:
    codes = [c for c in path.strip("/").split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def run_get_for_user(user, pk: int) -> InspectionRun:
    return get_object_or_404(run_list_for_user(user), pk=pk)


def finding_get_for_user(user, pk: int) -> Finding:
    qs = Finding.objects.filter(user_scope_q(user, "org__path")).select_related(
        "org", "person", "record", "first_run", "last_run", "closed_run", "assignee", "correction"
    )
    return get_object_or_404(qs, pk=pk)


def run_orgs_for_user(user) -> QuerySet[Org]:
    """The orgs whose subtree the user may inspect: under an assignment with a run role."""
    paths = sorted({a.org.path for a in user_assignments(user) if a.role in RUN_ROLES})
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return Org.objects.filter(q).order_by("path")


def run_findings(run: InspectionRun, *, user, filters: dict[str, str] | None = None) -> QuerySet[Finding]:
    """The findings a run made, inside the user's scope (every one for None: the command line, which the
    operator of the server runs), narrowed by rule, severity, org, status."""
    qs = Finding.objects.filter(org__path__startswith=run.org.path)
    if user is not None:
        qs = qs.filter(user_scope_q(user, "org__path"))
    if run.tracks:
        qs = qs.filter(first_run__tracks=True, first_run_id__lte=run.pk, last_run_id__gte=run.pk)
    else:
        qs = qs.filter(first_run=run)
    f = filters or {}
    if f.get("rule"):
        qs = qs.filter(rule=f["rule"])
    if f.get("severity"):
        qs = qs.filter(severity=f["severity"])
    if f.get("org"):
        qs = qs.filter(org__path__contains=f"/{f['org']}/")
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    return qs.select_related("org", "person").order_by("org__path", "rule", "person__pid", "id")


def findings_by_rule(qs: QuerySet[Finding]) -> list[Any]:
    return list(qs.order_by().values("rule", "severity").annotate(n=Count("id")).order_by("rule", "severity"))


def findings_by_org(qs: QuerySet[Finding]) -> list[Any]:
    return list(
        qs.order_by()
        .values("org__code", "org__name", "org__path")
        .annotate(n=Count("id"))
        .order_by("org__path")
    )
