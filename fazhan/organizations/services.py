from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import ALLOWED_PARENT_KINDS, Org


def _org_check_parent(*, kind: str, parent: Org | None) -> None:
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENT_KINDS[kind]:
        raise ValidationError({"parent": _("该类型的组织不能设在此上级组织之下。")})


@transaction.atomic
def org_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    parent: Org | None = None,
    category: str = "",
    election_dates: list[str] | None = None,
) -> Org:
    _org_check_parent(kind=kind, parent=parent)
    org = Org(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        category=category,
        election_dates=election_dates or [],
        path=f"{parent.path if parent else '/'}{code}/",
        depth=(parent.depth + 1) if parent else 0,
    )
    org.full_clean()
    org.save()
    audit_record(actor=actor, action="org.create", target=org, org=org, data={"code": code, "name": name})
    return org


@transaction.atomic
def org_update(*, actor, org: Org, name: str, category: str, election_dates: list[str]) -> Org:
    org.name, org.category, org.election_dates = name, category, election_dates
    org.full_clean()
    org.save(update_fields=["name", "category", "election_dates"])
    audit_record(
        actor=actor, action="org.update", target=org, org=org, data={"name": name, "category": category}
    )
    return org
