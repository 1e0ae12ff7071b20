from ninja import Path, Query, Router

from fazhan.api.schemas import ORG_CODE_PATTERN, OrgOut, responses
from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_get_for_user, org_list_for_user, org_subtree

router = Router(tags=["orgs"])


def org_out(org: Org) -> dict:
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "category": org.category,
        "parent": org.parent.code if org.parent else None,
        "path": org.path,
        "depth": org.depth,
    }


@router.get("", response=responses({200: list[OrgOut]}), summary="组织树（管辖范围内，按路径排序）")
def org_list(request, under: str | None = Query(None, max_length=40, pattern=ORG_CODE_PATTERN)):
    orgs = org_list_for_user(request.user)
    if under:
        orgs = orgs.filter(pk__in=org_subtree(org_get_for_user(request.user, under)))
    return [org_out(o) for o in orgs.select_related("parent").order_by("path")]


@router.get("/{code:code}", response=responses({200: OrgOut}), summary="一个组织")
def org_detail(request, code: str = Path(..., max_length=40, pattern=ORG_CODE_PATTERN)):
    return org_out(org_get_for_user(request.user, code))
