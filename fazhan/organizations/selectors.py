from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from fazhan.core.roles import user_scope_q
from fazhan.organizations.models import Org


def org_subtree(org: Org) -> QuerySet[Org]:
    """The org and everything below it: one query on the materialized path."""
    return Org.objects.filter(path__startswith=org.path)


def org_ancestors(org: Org) -> QuerySet[Org]:
    codes = [c for c in org.path.strip("/").split("/") if c]
    return Org.objects.filter(code__in=codes).order_by("depth")


def org_list_with_counts(orgs: QuerySet[Org]) -> QuerySet[Org]:
    """Orgs with their direct member counts (full and probationary) for the tree browser."""
    return orgs.annotate(
        full_count=Count("persons", filter=Q(persons__party_status="full")),
        probationary_count=Count("persons", filter=Q(persons__party_status="probationary")),
    )


def org_list_for_user(user) -> QuerySet[Org]:
    return Org.objects.filter(user_scope_q(user))


def org_get_for_user(user, code: str) -> Org:
    """The one way to fetch an org: 404 outside the user's subtrees."""
    return get_object_or_404(org_list_for_user(user), code=code)
