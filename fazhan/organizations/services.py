import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fazhan.auditlog.services import audit_record
from fazhan.core.roles import user_is_secadmin, user_is_sysadmin
from fazhan.organizations.models import ALLOWED_PARENT_KINDS, Org

ERR_TERM_CHANGE_ACTOR = "只有系统管理员或安全管理员可以登记换届。"

# What else a 换届 ends, registered by the apps that keep it (accounts: the officers' roles). Each hook is
# called inside the 换届's transaction as hook(actor=, org=, last_day=) and answers how many roles it ended.
TermChangeHook = Callable[..., int]
_term_change_hooks: list[TermChangeHook] = []


def term_change_hook_register(hook: TermChangeHook) -> None:
    if hook not in _term_change_hooks:
        _term_change_hooks.append(hook)


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


@transaction.atomic
def org_term_change(*, actor, org: Org, on: datetime.date) -> int:
    """An org's 换届 on `on`: the date joins its election dates, and what the registered hooks keep for the
    org's officers (their roles) ends the day before, so the new officers are granted afresh. Returns how many
    roles ended. The org knows no accounts: accounts registers its hook (AccountsConfig.ready)."""
    if actor is not None and not (user_is_sysadmin(actor) or user_is_secadmin(actor)):
        raise PermissionDenied(_(ERR_TERM_CHANGE_ACTOR))
    org = Org.objects.select_for_update().get(pk=org.pk)
    org.election_dates = sorted({*map(str, org.election_dates or []), on.isoformat()})
    org.save(update_fields=["election_dates"])
    last_day = on - datetime.timedelta(days=1)
    ended = sum(hook(actor=actor, org=org, last_day=last_day) for hook in _term_change_hooks)
    audit_record(
        actor=actor,
        action="org.term_change",
        target=org,
        org=org,
        data={"on": on.isoformat(), "ended": ended},
    )
    return ended
