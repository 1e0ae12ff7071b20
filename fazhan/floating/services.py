"""Writes of the floating registers (notice 五): opening a record of flowing out or in, and closing it when
the person returns or moves on. Each write checks the actor's role on the keeping org (the branch or township
that keeps the person), validates every field with a Chinese error naming it, and records its event in the
trail in the same transaction."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.models import EDIT_ROLES
from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.core.dates import date_cn
from fazhan.floating.models import Direction, FloatingRecord
from fazhan.organizations.models import Org, OrgCategory
from fazhan.people.models import Person

ERR_ROLE = "只有所在党支部书记、组织委员或乡镇党委组织委员可以登记流动情况。"
ERR_DIRECTION = "流向须为“流出”或“流入”。"
ERR_PLACE = "请填写流入地或流出地（不超过 200 字）。"
ERR_DATE = "请填写有效日期。"
ERR_FUTURE = "日期不能晚于今天（%(today)s）。"
ERR_OPEN = "%(name)s 已有一条未结束的流动登记（自 %(since)s 起），请先登记返回或结束。"
ERR_FLOATING_ORG = "流出人员的对方党组织须为本区的流动党员党组织（%(name)s 不是）。"
ERR_SAME_ORG = "对方党组织不能是本人所在的党组织。"
ERR_OTHER_NAME = "区外党组织名称不超过 120 字。"
ERR_CONTACT = "联系方式不超过 40 字。"
ERR_MIGRANT = "农民工标记只用于流入人员。"
ERR_CLOSED = "这条流动登记已于 %(until)s 结束。"
ERR_UNTIL = "结束日期不能早于流动开始日期（%(since)s）。"
ERR_NOTE = "说明不超过 200 字。"


def floating_may_register(user, org: Org) -> bool:
    return user is None or bool(user_roles_at(user, org) & EDIT_ROLES)


def _day(value: Any, field: str) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError({field: _(ERR_DATE)})
    today = timezone.localdate()
    if value > today:
        raise ValidationError({field: _(ERR_FUTURE) % {"today": date_cn(today)}})
    return value


def _text(value: Any, field: str, limit: int, error: str, *, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if (value is not None and not isinstance(value, str)) or len(text) > limit or (required and not text):
        raise ValidationError({field: _(error)})
    return text


@transaction.atomic
def floating_record_open(
    *,
    actor,
    person: Person,
    direction: str,
    place: str,
    since: datetime.date,
    other_org: Org | None = None,
    other_org_name: str = "",
    contact: str = "",
    migrant_worker: bool = False,
) -> FloatingRecord:
    """Register that `person` flowed out (to `place`, the floating-member org there if any) or in (from
    `place`, their home org: `other_org` in the district or `other_org_name` outside it) on `since`. The
    record is kept by the person's org; one open record per person."""
    person = Person.objects.select_for_update().select_related("org").get(pk=person.pk)
    if not floating_may_register(actor, person.org):
        raise PermissionDenied(_(ERR_ROLE))
    if direction not in Direction.values:
        raise ValidationError({"direction": _(ERR_DIRECTION)})
    place = _text(place, "place", 200, ERR_PLACE, required=True)
    since = _day(since, "since")
    other_org_name = _text(other_org_name, "other_org_name", 120, ERR_OTHER_NAME)
    contact = _text(contact, "contact", 40, ERR_CONTACT)
    if other_org is not None and other_org.pk == person.org_id:
        raise ValidationError({"other_org": _(ERR_SAME_ORG)})
    if direction == Direction.OUT and other_org is not None and other_org.category != OrgCategory.FLOATING:
        raise ValidationError({"other_org": _(ERR_FLOATING_ORG) % {"name": other_org.name}})
    if migrant_worker is not False and (migrant_worker is not True or direction != Direction.IN):
        raise ValidationError({"migrant_worker": _(ERR_MIGRANT)})
    if other_org is not None:
        other_org_name = ""  # the org in the tree names itself
    current = FloatingRecord.objects.filter(person=person, until__isnull=True).first()
    if current is not None:
        raise ValidationError(
            {"person": _(ERR_OPEN) % {"name": person.name, "since": date_cn(current.since)}}
        )
    try:
        with transaction.atomic():
            record = FloatingRecord.objects.create(
                person=person,
                direction=direction,
                org=person.org,
                place=place,
                other_org=other_org,
                other_org_name=other_org_name,
                contact=contact,
                migrant_worker=migrant_worker,
                since=since,
            )
    except IntegrityError:
        raise ValidationError(
            {"person": _(ERR_OPEN) % {"name": person.name, "since": date_cn(since)}}
        ) from None
    audit_record(
        actor=actor,
        action=f"floating.{direction}",
        target=record,
        org=person.org,
        data={
            "person": person.pid,
            "since": since.isoformat(),
            "place": place,
            "other_org": other_org.code if other_org else other_org_name,
            "migrant_worker": migrant_worker,
        },
    )
    return record


@transaction.atomic
def floating_record_close(
    *, actor, record: FloatingRecord, until: datetime.date, note: str = ""
) -> FloatingRecord:
    """End a record on `until`: the person returned (an outflow) or left again (an inflow)."""
    record = FloatingRecord.objects.select_for_update().select_related("org", "person").get(pk=record.pk)
    if not floating_may_register(actor, record.org):
        raise PermissionDenied(_(ERR_ROLE))
    if record.until is not None:
        raise ValidationError({"until": _(ERR_CLOSED) % {"until": date_cn(record.until)}})
    until = _day(until, "until")
    if until < record.since:
        raise ValidationError({"until": _(ERR_UNTIL) % {"since": date_cn(record.since)}})
    record.until = until
    record.close_note = _text(note, "note", 200, ERR_NOTE)
    record.save(update_fields=["until", "close_note"])
    audit_record(
        actor=actor,
        action="floating.close",
        target=record,
        org=record.org,
        data={"person": record.person.pid, "until": until.isoformat(), "note": record.close_note},
    )
    return record
