from django.db.models import Count, Q
from django.shortcuts import render

from fazhan.organizations.selectors import (
    org_ancestors,
    org_get_for_user,
    org_list_for_user,
    org_list_with_counts,
    org_subtree,
)
from fazhan.people.selectors import org_secretaries
from fazhan.procedure.definition import CaseStage


def _with_pipeline(orgs):
    open_cases = Q(persons__cases__closed_on__isnull=True)
    return org_list_with_counts(orgs).annotate(
        candidate_count=Count(
            "persons__cases",
            filter=open_cases
            & Q(persons__cases__stage__in=[CaseStage.APPLICANT, CaseStage.ACTIVIST, CaseStage.TARGET]),
            distinct=True,
        ),
    )


def org_tree(request):
    orgs = list(_with_pipeline(org_list_for_user(request.user)))
    top = min((o.depth for o in orgs), default=0)
    secretaries = org_secretaries(orgs)
    rows = [(o, (o.depth - top), secretaries.get(o.pk, "")) for o in orgs]
    return render(request, "organizations/tree.html", {"rows": rows})


def org_detail(request, code: str):
    org = org_get_for_user(request.user, code)
    children = list(_with_pipeline(org.children.all()))
    subtree = org_subtree(org)
    return render(
        request,
        "organizations/detail.html",
        {
            "org": org,
            "ancestors": [a for a in org_ancestors(org) if a.pk != org.pk],
            "children": children,
            "secretaries": org_secretaries([org, *children]),
            "subtree_count": subtree.count(),
        },
    )
