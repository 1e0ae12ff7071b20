import enum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from fazhan.accounts.models import EDIT_ROLES
from fazhan.accounts.selectors import user_roles, user_roles_at, user_sees_id_number, user_sees_phone
from fazhan.api.schemas import (
    KEY_PATTERN,
    NO_NUL,
    ORG_CODE_PATTERN,
    CaseStageCode,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    responses,
)
from fazhan.core.masking import mask_id_number, mask_phone
from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_list_for_user
from fazhan.people.models import Person
from fazhan.people.selectors import person_get_for_user, person_list_for_user, person_search
from fazhan.people.services import PERSON_FIELDS, person_create, person_log_personal_access, person_update
from fazhan.procedure.models import Case

router = Router(tags=["persons"])

ERR_ORG = "未知的组织代码，或不在您的管辖范围内。"
ERR_NOT_HERE = "您无权在该组织登记或编辑人员。"
ERR_NULL = "不能为空。"
STAGE_QUERY = Query(None, description="在办发展档案的阶段")
NULLABLE = {"work_unit_org", "planned_departure", "joined_on", "full_since", "work_started_on"}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _open_case_prefetch() -> Prefetch:
    return Prefetch("cases", queryset=Case.objects.filter(closed_on__isnull=True), to_attr="open_cases")


def person_row(person: Person) -> dict:
    open_cases = getattr(person, "open_cases", [])
    return {
        "pid": person.pid,
        "name": person.name,
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "org": person.org.code,
        "org_name": person.org.name,
        "party_status": person.party_status,
        "stage": open_cases[0].stage if open_cases else None,
    }


def person_out(user, person: Person) -> dict:
    """Clear ID number and phone only for the roles that need them, and every clear display logged."""
    sees_id, sees_phone = user_sees_id_number(user, person.org), user_sees_phone(user, person.org)
    shown = [f for f, clear in (("id_number", sees_id), ("phone", sees_phone and person.phone)) if clear]
    if shown:
        person_log_personal_access(actor=user, person=person, fields=shown)
    return {
        **{f: getattr(person, f) for f in PERSON_FIELDS if f not in {"org", "work_unit_org"}},
        "pid": person.pid,
        "id_number": person.id_number if sees_id else mask_id_number(person.id_number),
        "id_number_masked": not sees_id,
        "phone": person.phone if sees_phone else mask_phone(person.phone),
        "phone_masked": not sees_phone,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "org": person.org.code,
        "org_name": person.org.name,
        "work_unit_org": person.work_unit_org.code if person.work_unit_org else None,
        "cases": [
            {
                "id": c.pk,
                "stage": c.stage,
                "opened_on": c.opened_on,
                "closed_on": c.closed_on,
                "exit_reason": c.exit_reason,
            }
            for c in person.cases.order_by("opened_on", "id")
        ],
    }


def _org_in_scope(user, code: str, *, field: str) -> Org:
    org = org_list_for_user(user).filter(code=code).first()
    if org is None:
        raise ValidationError({field: _(ERR_ORG)})
    return org


def _require_editor(user, org: Org) -> None:
    if not user_roles_at(user, org) & EDIT_ROLES:
        raise PermissionDenied(_(ERR_NOT_HERE))


def _person_data(user, sent: dict[str, Any]) -> dict[str, Any]:
    """The service's `data` from the fields a client sent, org codes turned into orgs of the user's scope."""
    nulls = {f: _(ERR_NULL) for f in PERSON_FIELDS if f in sent and sent[f] is None and f not in NULLABLE}
    if nulls:
        raise ValidationError(nulls)
    data = {f: _plain(sent[f]) for f in PERSON_FIELDS if f in sent}
    if "org" in data:
        data["org"] = _org_in_scope(user, data["org"], field="org")
        _require_editor(user, data["org"])
    if data.get("work_unit_org"):
        data["work_unit_org"] = _org_in_scope(user, data["work_unit_org"], field="work_unit_org")
    return data


@router.get("", response=responses({200: PersonPage}), summary="人员列表（可搜索；身份证号、电话一律遮蔽）")
def person_list(
    request,
    q: str = Query("", max_length=40, pattern=NO_NUL, description="姓名、拼音首字母、身份证号后四位或全号"),
    org: str | None = Query(None, max_length=40, pattern=ORG_CODE_PATTERN, description="所在党组织代码"),
    stage: CaseStageCode | None = STAGE_QUERY,  # type: ignore[valid-type]
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    people = person_search(person_list_for_user(request.user), q)
    if org:
        people = people.filter(org__code=org)
    if stage:
        people = people.filter(cases__stage=stage.value, cases__closed_on__isnull=True).distinct()
    page = people.prefetch_related(_open_case_prefetch())[offset : offset + limit]
    return {"count": people.count(), "items": [person_row(p) for p in page]}


@router.post("", response=responses({201: PersonOut}), summary="登记人员（编号自动生成）")
def person_create_op(request, payload: PersonIn):
    if not user_roles(request.user) & EDIT_ROLES:
        raise PermissionDenied(_(ERR_NOT_HERE))
    sent = payload.model_dump()
    person = person_create(
        actor=request.user,
        id_number=payload.id_number,
        data=_person_data(request.user, sent),
        gender=_plain(payload.gender),
        birth_date=payload.birth_date,
        membership_reason=payload.membership_reason,
    )
    return Status(201, person_out(request.user, person))


@router.get(
    "/{key:pid}", response=responses({200: PersonOut}), summary="人员详情（按角色显示原文并记入审计日志）"
)
def person_detail(request, pid: str = Path(..., max_length=40, pattern=KEY_PATTERN)):
    return person_out(request.user, person_get_for_user(request.user, pid))


@router.patch("/{key:pid}", response=responses({200: PersonOut}), summary="修改人员（只改所传字段）")
def person_update_op(request, payload: PersonPatch, pid: str = Path(..., max_length=40, pattern=KEY_PATTERN)):
    person = person_get_for_user(request.user, pid)
    _require_editor(request.user, person.org)
    sent = payload.model_dump(exclude_unset=True)
    data = _person_data(request.user, sent)
    person = person_update(
        actor=request.user,
        person=Person.objects.select_related("org").get(pk=person.pk),
        id_number=sent.get("id_number") or person.id_number,
        data=data,
        gender=_plain(sent.get("gender")),
        birth_date=sent.get("birth_date"),
        membership_reason=sent.get("membership_reason") or "",
    )
    return person_out(request.user, person)
