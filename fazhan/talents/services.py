"""Key talents write: every mark, plan line, link and contact through here, checked by the TAL- rules
(talents/rules.py) whoever calls (the page, `fazhan talents`, the demo), each with its event in the trail."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import Org
from fazhan.people.choices import PartyStatus
from fazhan.people.models import Person
from fazhan.plans.models import Plan
from fazhan.plans.services import plan_may_allocate
from fazhan.talents.models import (
    Contact,
    ContactWay,
    KeyPerson,
    KeyUnit,
    LeaderLink,
    PersonCategory,
    TalentPlan,
    UnitCategory,
)
from fazhan.talents.rules import cite, current, plan_line_fits
from fazhan.talents.selectors import CONTACT_RECORDERS, TALENT_MARKERS

ERR_MARK_ROLE = "只有乡镇党委或区委组织部可以确定、取消重点单位和重点培养对象，确定联系领导干部。"
ERR_CONTACT_ROLE = "只有本支部、乡镇党委或区委组织部可以登记联系服务记录。"
ERR_PLAN_ROLE = "只有区委组织部可以下达本级和乡镇单列计划，乡镇党委组织委员可以向所属支部分配单列计划。"
ERR_CATEGORY = "请选择类别。"
ERR_FUTURE = "日期不能晚于今天（%(today)s）%(cite)s。"
ERR_UNIT_TWICE = "%(org)s 已是重点单位（自 %(since)s 起）%(cite)s。"
ERR_PERSON_TWICE = "%(name)s 已是重点培养对象（自 %(since)s 起）%(cite)s。"
ERR_UNMARK_BEFORE = "取消日期不能早于确定日期 %(since)s %(cite)s。"
ERR_YEAR = "年度须在 2000 至 2100 之间。"
ERR_NEGATIVE = "不能为负数。"
ERR_NO_PLAN = "%(org)s %(year)s 年度尚未下达发展计划，不能单列 %(cite)s。"
ERR_OVER_QUOTA = "单列计划 %(asked)s 名超过 %(org)s %(year)s 年度发展计划数 %(quota)s 名 %(cite)s。"
ERR_LEADER_NOT_FULL = "%(name)s 不是正式党员，不能作为联系领导干部 %(cite)s。"
ERR_LEADER_SELF = "联系领导干部不能是重点培养对象本人 %(cite)s。"
ERR_LEADER_NOT_KEY = "%(name)s 在 %(date)s 尚未确定为重点培养对象 %(cite)s。"
ERR_LEADER_TWICE = "%(leader)s 已在联系 %(name)s %(cite)s。"
ERR_LEADER_NONE = "请选择联系领导干部。"
ERR_LINK_END = "结束日期不能早于联系开始日期 %(start)s %(cite)s。"
ERR_LINK_ENDED = "该联系已于 %(end)s 结束。"
ERR_CONTACT_OUTSIDE = (
    "%(leader)s 在 %(date)s 不是 %(name)s 的联系领导干部（联系自 %(start)s%(end)s）%(cite)s。"
)
ERR_WAY = "请选择联系方式。"
NOTE_MAX = 500


def refusal(message: str, **params: Any) -> SafeString:
    """A refusal's text as the page shows it: the message in Chinese with its values escaped, the rule it
    cites (rules.cite, already HTML) as it is."""
    return mark_safe(_(message) % {name: conditional_escape(value) for name, value in params.items()})


def talent_may_mark(user, org: Org) -> bool:
    return user is None or bool(user_roles_at(user, org) & TALENT_MARKERS)


def talent_may_record_contact(user, org: Org) -> bool:
    return user is None or bool(user_roles_at(user, org) & CONTACT_RECORDERS)


def _not_future(day: datetime.date, today: datetime.date | None, field: str, rule: str) -> None:
    today = today or timezone.localdate()
    if day > today:
        raise ValidationError({field: refusal(ERR_FUTURE, today=today.isoformat(), cite=cite(rule))})


def _note(note: Any, limit: int = 200) -> str:
    return str(note or "").strip()[:limit]


def _mark_begins(category: str, categories, since: datetime.date, today: datetime.date | None) -> None:
    """What marking a key unit or key person asks (TAL-MARK): a category of its kind, a day not after
    today."""
    if category not in categories:
        raise ValidationError({"category": _(ERR_CATEGORY)})
    _not_future(since, today, "since", "TAL-MARK")


def _mark_end(mark: KeyUnit | KeyPerson, *, actor, until: datetime.date, today: datetime.date | None) -> None:
    """End a key unit's or key person's mark on `until`, its last day (TAL-MARK): not after today, not
    before the mark began, once."""
    _not_future(until, today, "until", "TAL-MARK")
    if until < mark.since:
        raise ValidationError({"until": refusal(ERR_UNMARK_BEFORE, since=mark.since, cite=cite("TAL-MARK"))})
    if mark.until is not None:
        raise ValidationError({"until": _(ERR_LINK_ENDED) % {"end": mark.until}})
    mark.until, mark.unmarked_by = until, actor
    mark.save(update_fields=["until", "unmarked_by"])


@transaction.atomic
def key_unit_mark(
    *,
    actor,
    org: Org,
    category: str,
    since: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> KeyUnit:
    """Mark `org` a key unit (重点单位, TAL-MARK): once at a time, from a day not after today."""
    if not talent_may_mark(actor, org):
        raise PermissionDenied(_(ERR_MARK_ROLE))
    _mark_begins(category, UnitCategory.values, since, today)
    list(Org.objects.select_for_update().filter(pk=org.pk))
    existing = KeyUnit.objects.filter(org=org, until__isnull=True).first()
    if existing is not None:
        raise ValidationError(
            {"org": refusal(ERR_UNIT_TWICE, org=org.name, since=existing.since, cite=cite("TAL-MARK"))}
        )
    unit = KeyUnit.objects.create(org=org, category=category, since=since, note=_note(note), marked_by=actor)
    audit_record(
        actor=actor,
        action="talents.unit_mark",
        target=unit,
        org=org,
        data={"org": org.code, "category": category, "since": since.isoformat()},
    )
    return unit


@transaction.atomic
def key_unit_unmark(
    *, actor, unit: KeyUnit, until: datetime.date, today: datetime.date | None = None
) -> KeyUnit:
    unit = KeyUnit.objects.select_for_update().select_related("org").get(pk=unit.pk)
    if not talent_may_mark(actor, unit.org):
        raise PermissionDenied(_(ERR_MARK_ROLE))
    _mark_end(unit, actor=actor, until=until, today=today)
    audit_record(
        actor=actor,
        action="talents.unit_unmark",
        target=unit,
        org=unit.org,
        data={"org": unit.org.code, "until": until.isoformat()},
    )
    return unit


@transaction.atomic
def key_person_mark(
    *,
    actor,
    person: Person,
    category: str,
    since: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> KeyPerson:
    """Mark `person` a key person (重点培养对象, TAL-MARK): once at a time, from a day not after today."""
    person = Person.objects.select_for_update().select_related("org").get(pk=person.pk)
    if not talent_may_mark(actor, person.org):
        raise PermissionDenied(_(ERR_MARK_ROLE))
    _mark_begins(category, PersonCategory.values, since, today)
    existing = KeyPerson.objects.filter(person=person, until__isnull=True).first()
    if existing is not None:
        raise ValidationError(
            {
                "person": refusal(
                    ERR_PERSON_TWICE, name=person.name, since=existing.since, cite=cite("TAL-MARK")
                )
            }
        )
    key = KeyPerson.objects.create(
        person=person, category=category, since=since, note=_note(note), marked_by=actor
    )
    audit_record(
        actor=actor,
        action="talents.person_mark",
        target=key,
        org=person.org,
        data={"person": person.pid, "category": category, "since": since.isoformat()},
    )
    return key


@transaction.atomic
def key_person_unmark(
    *, actor, key: KeyPerson, until: datetime.date, today: datetime.date | None = None
) -> KeyPerson:
    """Unmark a key person from `until` (the last day); their current links end the same day."""
    key = KeyPerson.objects.select_for_update().select_related("person__org").get(pk=key.pk)
    if not talent_may_mark(actor, key.person.org):
        raise PermissionDenied(_(ERR_MARK_ROLE))
    _mark_end(key, actor=actor, until=until, today=today)
    ended = list(key.links.filter(end__isnull=True))
    for link in ended:
        link.end = max(until, link.start)
        link.save(update_fields=["end"])
    audit_record(
        actor=actor,
        action="talents.person_unmark",
        target=key,
        org=key.person.org,
        data={"person": key.person.pid, "until": until.isoformat(), "links_ended": [x.pk for x in ended]},
        seal=ended,
    )
    return key


@transaction.atomic
def talent_plan_set(*, actor, org: Org, year: int, reserved: int) -> TalentPlan:
    """单列计划 (TAL-PLAN): the places of `org`'s quota for `year` reserved for key persons, by the roles that
    set the quota (plans.services.plan_may_allocate), for a plan that exists, never above its quota."""
    if not plan_may_allocate(actor, org):
        raise PermissionDenied(_(ERR_PLAN_ROLE))
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _(ERR_YEAR)})
    if not isinstance(reserved, int) or isinstance(reserved, bool) or reserved < 0:
        raise ValidationError({"reserved": _(ERR_NEGATIVE)})
    plan = Plan.objects.select_for_update().filter(org=org, year=year).first()
    names = {"org": org.name, "year": year, "cite": cite("TAL-PLAN")}
    if plan is None:
        raise ValidationError({"reserved": refusal(ERR_NO_PLAN, **names)})
    if not plan_line_fits(reserved, plan.quota):
        raise ValidationError(
            {"reserved": refusal(ERR_OVER_QUOTA, **names, asked=reserved, quota=plan.quota)}
        )
    existing = TalentPlan.objects.filter(org=org, year=year).first()
    before = existing.reserved if existing else None
    line = existing or TalentPlan(org=org, year=year)
    line.reserved, line.set_by = reserved, actor
    line.save()
    audit_record(
        actor=actor,
        action="talents.plan_set",
        target=line,
        org=org,
        data={"org": org.code, "year": year, "reserved": reserved, "quota": plan.quota, "before": before},
    )
    return line


@transaction.atomic
def leader_assign(
    *, actor, key: KeyPerson, leader: Person, start: datetime.date, today: datetime.date | None = None
) -> LeaderLink:
    """Assign a party leader to a key person from `start` (TAL-LEADER): a full member that day, not the
    person, the person marked that day; one current link per pair (a leader may hold many, a person have
    many: 一对一、多对一)."""
    key = KeyPerson.objects.select_for_update().select_related("person__org").get(pk=key.pk)
    person = key.person
    if not talent_may_mark(actor, person.org):
        raise PermissionDenied(_(ERR_MARK_ROLE))
    _not_future(start, today, "start", "TAL-LEADER")
    rule = cite("TAL-LEADER")
    if leader.pk == person.pk:
        raise ValidationError({"leader": refusal(ERR_LEADER_SELF, cite=rule)})
    full_on = leader.full_since or leader.joined_on
    if leader.party_status != PartyStatus.FULL or (full_on is not None and full_on > start):
        raise ValidationError({"leader": refusal(ERR_LEADER_NOT_FULL, name=leader.name, cite=rule)})
    if not current(key.since, key.until, start):
        raise ValidationError(
            {"start": refusal(ERR_LEADER_NOT_KEY, name=person.name, date=start.isoformat(), cite=rule)}
        )
    if key.links.filter(leader=leader, end__isnull=True).exists():
        raise ValidationError(
            {"leader": refusal(ERR_LEADER_TWICE, leader=leader.name, name=person.name, cite=rule)}
        )
    try:
        with transaction.atomic():
            link = LeaderLink.objects.create(key=key, leader=leader, start=start, assigned_by=actor)
    except IntegrityError:
        raise ValidationError(
            {"leader": refusal(ERR_LEADER_TWICE, leader=leader.name, name=person.name, cite=rule)}
        ) from None
    audit_record(
        actor=actor,
        action="talents.leader_assign",
        target=link,
        org=person.org,
        data={"person": person.pid, "leader": leader.pid, "start": start.isoformat()},
    )
    return link


@transaction.atomic
def leader_release(
    *, actor, link: LeaderLink, end: datetime.date, today: datetime.date | None = None
) -> LeaderLink:
    """End a leader's link on `end` (its last day)."""
    link = LeaderLink.objects.select_for_update().select_related("key__person__org", "leader").get(pk=link.pk)
    if not talent_may_mark(actor, link.key.person.org):
        raise PermissionDenied(_(ERR_MARK_ROLE))
    _not_future(end, today, "end", "TAL-LEADER")
    if link.end is not None:
        raise ValidationError({"end": _(ERR_LINK_ENDED) % {"end": link.end}})
    if end < link.start:
        raise ValidationError({"end": refusal(ERR_LINK_END, start=link.start, cite=cite("TAL-LEADER"))})
    link.end = end
    link.save(update_fields=["end"])
    audit_record(
        actor=actor,
        action="talents.leader_release",
        target=link,
        org=link.key.person.org,
        data={"person": link.key.person.pid, "leader": link.leader.pid, "end": end.isoformat()},
    )
    return link


@transaction.atomic
def contact_record(
    *,
    actor,
    link: LeaderLink,
    date: datetime.date,
    way: str,
    note: str = "",
    today: datetime.date | None = None,
) -> Contact:
    """A leader's contact with a key person (TAL-CONTACT): dated within the link, not after today."""
    link = LeaderLink.objects.select_related("key__person__org", "leader").get(pk=link.pk)
    person = link.key.person
    if not talent_may_record_contact(actor, person.org):
        raise PermissionDenied(_(ERR_CONTACT_ROLE))
    if way not in ContactWay.values:
        raise ValidationError({"way": _(ERR_WAY)})
    _not_future(date, today, "date", "TAL-CONTACT")
    if not current(link.start, link.end, date):
        raise ValidationError(
            {
                "date": refusal(
                    ERR_CONTACT_OUTSIDE,
                    leader=link.leader.name,
                    name=person.name,
                    date=date.isoformat(),
                    start=link.start.isoformat(),
                    end=f" 至 {link.end.isoformat()}" if link.end else " 起",
                    cite=cite("TAL-CONTACT"),
                )
            }
        )
    contact = Contact.objects.create(
        link=link, date=date, way=way, note=_note(note, NOTE_MAX), recorded_by=actor
    )
    audit_record(
        actor=actor,
        action="talents.contact",
        target=contact,
        org=person.org,
        data={"person": person.pid, "leader": link.leader.pid, "date": date.isoformat(), "way": way},
    )
    return contact


@transaction.atomic
def leaders_assign(
    *, actor, key: KeyPerson, leaders: list[Person], start: datetime.date, today: datetime.date | None = None
) -> list[LeaderLink]:
    """Several leaders assigned to one key person at once (多对一): all of them or none."""
    if not leaders:
        raise ValidationError({"leader": _(ERR_LEADER_NONE)})
    return [leader_assign(actor=actor, key=key, leader=p, start=start, today=today) for p in leaders]
