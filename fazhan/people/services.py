import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.services import audit_record
from fazhan.core.pinyin import pinyin_initials
from fazhan.people.choices import FOCUS_TAGS
from fazhan.people.identity import id_number_key, id_number_valid, person_set_identity
from fazhan.people.idnumber import IdNumber, IdNumberError, id_number_parse
from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole, Transfer
from fazhan.people.selectors import person_list_for_user

# Who moves a person between branches: the township's organizer and approver, at both ends (procedure.md B).
TRANSFER_ACTORS = (Role.TOWNSHIP_ORGANIZER, Role.TOWNSHIP_APPROVER)

ERR_ID_TAKEN = "该身份证号已登记在另一人员名下（%(pid)s）。"
# To a user outside the holder's subtrees the check says only that the number is taken: who holds it is
# theirs to know who may see the holder (issue 13: the number oracle).
ERR_ID_REGISTERED = "该身份证号已被登记。如需核实，请联系上级党组织。"
ERR_ID_LOOKUPS = "按身份证号查询过于频繁（每小时最多%(n)d次），请稍后再试。"
ERR_GENDER_MISMATCH = "性别与身份证号不符（身份证号为%(gender)s）。"
ERR_BIRTH_MISMATCH = "出生日期与身份证号不符（身份证号为%(date)s）。"
ERR_MEMBERSHIP_FOLLOWS_CASE = (
    "该人员有发展档案，党员身份、入党日期和转正日期由发展程序（审批、转正）确定，不能直接修改。"
)
ERR_MEMBERSHIP_ROLE = (
    "未经本系统发展的党员，其党员身份、入党日期和转正日期只能由乡镇党委组织委员或审批人登记。"
)
ERR_MEMBERSHIP_REASON = "登记或修改党员身份须说明依据（如组织关系介绍信、党员档案）。"
ERR_JOINED_WITHOUT_STATUS = "不是党员的，不填写入党日期和转正日期。"
ERR_FULL_SINCE_PROBATIONARY = "预备党员没有转正日期。"
ERR_FULL_SINCE_BEFORE = "转正日期不能早于入党日期。"

# A person's membership: for a person with a case it follows from the case (procedure: S17, S24 and the
# outcome of S23); for a member who joined before the record began, import or a township role sets it.
MEMBERSHIP_FIELDS = ("party_status", "joined_on", "full_since")
MEMBERSHIP_ROLES = frozenset({Role.TOWNSHIP_ORGANIZER, Role.TOWNSHIP_APPROVER})

# Fields a person's record holds besides identity; the forms, the importer and the API all pass these.
PERSON_FIELDS = (
    "name",
    "ethnicity",
    "education",
    "occupation",
    "tags",
    "phone",
    "household_place",
    "residence",
    "work_unit",
    "position",
    "native_place",
    "work_started_on",
    "floating",
    "front_line",
    "league_member",
    "org",
    "work_unit_org",
    "planned_departure",
    "party_status",
    "joined_on",
    "full_since",
)
# What the ID number determines, compared by its keyed digest (the trail names the field, never the number).
IDENTITY_FIELDS = ("id_number_key", "gender", "birth_date")


LOOKUP_ACTION = "person.id_lookup"
LOOKUP_REFUSED_ACTION = "person.id_lookup_refused"


def id_number_lookup(*, actor, number: str, exclude_pk: int | None = None) -> Person | None:
    """Who else holds this (normalized) number: the one look-up by number a user's entry makes.

    For a user (not the system: actor None) it is throttled — FAZHAN_ID_LOOKUPS_PER_HOUR in the last hour,
    counted from the trail — and every look-up is in the trail with whether it found someone (a refused one
    too). The events are committed on their own, before the caller's transaction, so a refused entry
    rolling back does not take its look-up out of the trail or the count."""
    key = id_number_key(number)
    if getattr(actor, "pk", None) is None:
        return Person.objects.filter(id_number_key=key).exclude(pk=exclude_pk or 0).first()
    limit = settings.FAZHAN_ID_LOOKUPS_PER_HOUR
    with transaction.atomic():
        made = _lookups_made(actor)
        if made >= limit:
            audit_record(actor=actor, action=LOOKUP_REFUSED_ACTION, data={"limit": limit})
            refused = True
        else:
            holder = Person.objects.filter(id_number_key=key).exclude(pk=exclude_pk or 0).first()
            audit_record(
                actor=actor,
                action=LOOKUP_ACTION,
                org=holder.org if holder else None,
                data={"found": holder is not None, "holder": holder.pid if holder else ""},
            )
            refused = False
    if refused:
        raise ValidationError({"id_number": _(ERR_ID_LOOKUPS) % {"n": limit}})
    return holder


def _lookups_made(actor) -> int:
    """The look-ups by number `actor` made in the last hour, as the trail counts them: one per entry's
    look-up, and an import's check its own `cost` (id_number_lookups_import)."""

    since = timezone.now() - datetime.timedelta(hours=1)
    made = AuditEvent.objects.filter(actor=actor, action=LOOKUP_ACTION, at__gte=since)
    return sum(int((data or {}).get("cost", 1)) for data in made.values_list("data", flat=True))


def id_number_lookups_import(*, actor, numbers: int, found: int, elsewhere: list[str]) -> None:
    """An import's check looked up `numbers` ID numbers at once (the web preview and the import job), `found`
    of them registered, `elsewhere` the pids of the holders outside the importer's subtrees. It is one
    look-up in the trail (`person.id_lookup`, via import, with those holders for the auditor; never a
    number), costing 1 and 1 more per holder elsewhere: the answers that tell the importer something about
    a record they may not see ("已在其他党组织登记"). Over FAZHAN_ID_LOOKUPS_PER_HOUR in the hour the check
    is refused (ValidationError at id_number, `person.id_lookup_refused` in the trail) and the import names
    no holder. The operator's `fazhan import` (actor None) is neither counted nor refused."""
    if getattr(actor, "pk", None) is None or not numbers:
        return
    limit = settings.FAZHAN_ID_LOOKUPS_PER_HOUR
    cost = 1 + len(elsewhere)
    with transaction.atomic():
        refused = _lookups_made(actor) + cost > limit
        if refused:
            audit_record(actor=actor, action=LOOKUP_REFUSED_ACTION, data={"limit": limit, "via": "import"})
        else:
            audit_record(
                actor=actor,
                action=LOOKUP_ACTION,
                data={
                    "via": "import",
                    "numbers": numbers,
                    "found": found,
                    "elsewhere": sorted(elsewhere),
                    "cost": cost,
                },
            )
    if refused:
        raise ValidationError({"id_number": _(ERR_ID_LOOKUPS) % {"n": limit}})


def _taken_message(actor, holder: Person) -> str:
    """The holder's pid only to who may see the holder (the system, or a user whose subtree holds them)."""
    if getattr(actor, "pk", None) is None or person_list_for_user(actor).filter(pk=holder.pk).exists():
        return _(ERR_ID_TAKEN) % {"pid": holder.pid}
    return _(ERR_ID_REGISTERED)


def person_identity_check(
    *,
    id_number: str,
    gender: str | None = None,
    birth_date: datetime.date | None = None,
    exclude_pk: int | None = None,
    actor=None,
    unchanged_key: str = "",
) -> IdNumber:
    """Parse the ID number and check what was entered beside it; errors are keyed by field. A number the
    person already holds (`unchanged_key`, their digest) is not looked up again."""
    try:
        parsed = id_number_parse(id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    errors: dict[str, str] = {}
    if gender and gender != parsed.gender:
        errors["gender"] = _(ERR_GENDER_MISMATCH) % {"gender": _("男") if parsed.gender == "M" else _("女")}
    if birth_date and birth_date != parsed.birth_date:
        errors["birth_date"] = _(ERR_BIRTH_MISMATCH) % {"date": parsed.birth_date.isoformat()}
    holder = None
    if not unchanged_key or unchanged_key != id_number_key(parsed.number):
        holder = id_number_lookup(actor=actor, number=parsed.number, exclude_pk=exclude_pk)
    if holder is not None:
        errors["id_number"] = _taken_message(actor, holder)
    if errors:
        raise ValidationError(errors)
    return parsed


def person_next_pid() -> str:
    """`P<number>` for persons created in the pages (interchange.md keys)."""
    numbers = Person.objects.filter(pid__regex=r"^P[0-9]+$").annotate(
        n=Cast(Substr("pid", 2), IntegerField())
    )
    top = numbers.aggregate(top=Max("n"))["top"] or 0
    return f"P{top + 1:04d}"


def _person_apply(person: Person, *, data: dict[str, Any], parsed: IdNumber) -> None:
    for field in PERSON_FIELDS:
        if field in data:
            setattr(person, field, data[field])
    unknown = set(person.tags) - set(FOCUS_TAGS)
    if unknown:
        raise ValidationError({"tags": _("未知的重点群体：%(tags)s") % {"tags": "、".join(sorted(unknown))}})
    person_set_identity(person, parsed)
    person.name_initials = pinyin_initials(person.name)
    for field in ("work_unit", "position", "native_place"):
        setattr(person, field, " ".join(str(getattr(person, field) or "").split()))
    _work_started_shape(person)
    _membership_shape(person)
    if not person.org.is_branch and not person.is_member:
        raise ValidationError({"org": _("入党申请人应属于一个党支部。")})


def work_started_error(
    started: datetime.date | None, birth_date: datetime.date | None, *, today: datetime.date | None = None
) -> str | None:
    """What is wrong with a 参加工作时间 beside the person's birth date, or None: the one check the person
    service and the import (which writes persons in bulk, past this service) both apply."""
    if started is None:
        return None
    if started > (today or timezone.localdate()):
        return _("参加工作时间不能晚于今天。")
    if birth_date and started <= birth_date:
        return _("参加工作时间应晚于出生日期。")
    return None


def _work_started_shape(person: Person) -> None:
    error = work_started_error(person.work_started_on, person.birth_date)
    if error:
        raise ValidationError({"work_started_on": error})


def _membership_shape(person: Person) -> None:
    if person.party_status and not person.joined_on:
        raise ValidationError({"joined_on": _("党员须填写入党日期。")})
    if not person.party_status and (person.joined_on or person.full_since):
        raise ValidationError(
            {"joined_on" if person.joined_on else "full_since": _(ERR_JOINED_WITHOUT_STATUS)}
        )
    if person.party_status == "probationary" and person.full_since:
        raise ValidationError({"full_since": _(ERR_FULL_SINCE_PROBATIONARY)})
    if person.full_since and person.joined_on and person.full_since < person.joined_on:
        raise ValidationError({"full_since": _(ERR_FULL_SINCE_BEFORE)})


def _membership_changed(person: Person, before: dict[str, Any]) -> list[str]:
    return [f for f in MEMBERSHIP_FIELDS if getattr(person, f) != before[f]]


def _check_membership(*, actor, person: Person, changed: list[str], reason: str) -> None:
    """Who may set a membership (issue 11, item 4): never anyone for a person with a case (it follows from
    the case); for a member without one, the system (import, demo: actor None) or a township role with
    the reason, which the trail keeps. The refusal names the first field that changed."""
    if not changed:
        return
    if person.pk is not None and person.cases.exists():
        raise ValidationError({f: _(ERR_MEMBERSHIP_FOLLOWS_CASE) for f in changed})
    if actor is None:
        return
    if not user_roles_at(actor, person.org) & MEMBERSHIP_ROLES:
        raise ValidationError({f: _(ERR_MEMBERSHIP_ROLE) for f in changed})
    if not reason.strip():
        raise ValidationError({"membership_reason": _(ERR_MEMBERSHIP_REASON)})


def _membership_data(person: Person, changed: list[str], reason: str) -> dict[str, Any]:
    """What the trail keeps of a membership set by hand: the fields as they now are, and the reason."""
    if not changed:
        return {}
    values = {f: str(getattr(person, f) or "") for f in MEMBERSHIP_FIELDS}
    return {"membership": {**values, "changed": changed, "reason": reason.strip()}}


def person_create(
    *,
    actor,
    id_number: str,
    data: dict[str, Any],
    pid: str | None = None,
    gender: str | None = None,
    birth_date: datetime.date | None = None,
    membership_reason: str = "",
) -> Person:
    """Register a person. A member who joined before the record began is registered with their membership
    only by the system or a township role giving `membership_reason` (_check_membership)."""
    parsed = person_identity_check(id_number=id_number, gender=gender, birth_date=birth_date, actor=actor)
    with transaction.atomic():
        return _person_create(actor, parsed, data=data, pid=pid, membership_reason=membership_reason)


def _person_create(actor, parsed: IdNumber, *, data, pid, membership_reason) -> Person:
    person = Person(pid=pid or person_next_pid())
    before = {f: getattr(person, f) for f in MEMBERSHIP_FIELDS}
    _person_apply(person, data=data, parsed=parsed)
    changed = _membership_changed(person, before)
    _check_membership(actor=actor, person=person, changed=changed, reason=membership_reason)
    person.full_clean(exclude=["id_number_key", "pid"] if pid is None else ["id_number_key"])
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"id_number": _("该身份证号或人员编号已被登记。")}) from None
    audit_record(
        actor=actor,
        action="person.create",
        target=person,
        org=person.org,
        data={"pid": person.pid, **_membership_data(person, changed, membership_reason)},
    )
    return person


def person_update(
    *,
    actor,
    person: Person,
    id_number: str,
    data: dict[str, Any],
    gender: str | None = None,
    birth_date: datetime.date | None = None,
    membership_reason: str = "",
) -> Person:
    """Change what is recorded of a person. The trail names every field that changed — the ID number
    among them, by name only — and keeps a membership set by hand with its reason (_check_membership).
    A name or ID number changed after the district's pre-review needs a new one (FORM-MATCH)."""
    parsed = person_identity_check(
        id_number=id_number,
        gender=gender,
        birth_date=birth_date,
        exclude_pk=person.pk,
        actor=actor,
        unchanged_key=person.id_number_key,
    )
    with transaction.atomic():
        return _person_update(actor, person, parsed, data=data, membership_reason=membership_reason)


def _person_update(actor, person: Person, parsed: IdNumber, *, data, membership_reason) -> Person:
    watched = (*PERSON_FIELDS, *IDENTITY_FIELDS)
    before = {f: getattr(person, f) for f in watched}
    _person_apply(person, data=data, parsed=parsed)
    membership = _membership_changed(person, before)
    _check_membership(actor=actor, person=person, changed=membership, reason=membership_reason)
    person.full_clean(exclude=["id_number_key"])
    person.save()
    changed = sorted(
        ("id_number" if f == "id_number_key" else f) for f in watched if getattr(person, f) != before[f]
    )
    audit_record(
        actor=actor,
        action="person.update",
        target=person,
        org=person.org,
        data={"changed": changed, **_membership_data(person, membership, membership_reason)},
    )
    return person


@transaction.atomic
def person_set_roles(*, actor, person: Person, roles: list[str]) -> None:
    person.roles.exclude(role__in=roles).delete()
    for role in roles:
        PersonRole.objects.get_or_create(person=person, role=role)
    audit_record(actor=actor, action="person.roles", target=person, org=person.org, data={"roles": roles})


@transaction.atomic
def kinship_declare(*, actor, a: Person, b: Person, relation: str) -> Kinship:
    if a.pk == b.pk:
        raise ValidationError({"b": _("不能与本人登记亲属关系。")})
    kin, created = Kinship.objects.get_or_create(a=a, b=b, relation=relation)
    if created:
        audit_record(
            actor=actor,
            action="kinship.declare",
            target=kin,
            org=a.org,
            data={"a": a.pid, "b": b.pid, "relation": relation},
        )
    return kin


@transaction.atomic
def discipline_record(
    *,
    actor,
    person: Person,
    kind: str,
    date_from: datetime.date,
    date_to: datetime.date | None = None,
    rights_restored_on: datetime.date | None = None,
    note: str = "",
) -> DisciplineRecord:
    if date_to and date_to < date_from:
        raise ValidationError({"date_to": _("结束日期不能早于开始日期。")})
    record = DisciplineRecord(
        person=person,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        rights_restored_on=rights_restored_on,
        note=note,
    )
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        action="discipline.record",
        target=record,
        org=person.org,
        data={"person": person.pid, "kind": kind, "from": date_from.isoformat()},
    )
    return record


ERR_TRANSFER_SAME = "转入组织与现所在组织相同。"
ERR_TRANSFER_KIND = "只能转入党支部。"
ERR_TRANSFER_SCOPE = "只有同时管辖转出和转入组织的镇党委可以办理转接。"
ERR_TRANSFER_DATE = "转接日期不能晚于今天，也不能早于上一次转接（%(d)s）。"


@transaction.atomic
def person_transfer(
    *, actor, person: Person, to_org, date: datetime.date, materials_transferred: bool
) -> Transfer:
    """Move a person to another branch. The case goes on; with the materials transferred its cultivation
    clock keeps counting (Art.12), without them it starts again at the move (TGT-1YEAR)."""
    person = Person.objects.select_for_update().select_related("org").get(pk=person.pk)
    if to_org.pk == person.org_id:
        raise ValidationError({"to_org": _(ERR_TRANSFER_SAME)})
    if not to_org.is_branch:
        raise ValidationError({"to_org": _(ERR_TRANSFER_KIND)})
    if actor is not None and not all(
        user_roles_at(actor, org) & set(TRANSFER_ACTORS) for org in (person.org, to_org)
    ):
        raise PermissionDenied(_(ERR_TRANSFER_SCOPE))
    last = person.transfers.order_by("-date").first()
    if date > timezone.localdate() or (last is not None and date <= last.date):
        raise ValidationError({"date": _(ERR_TRANSFER_DATE) % {"d": last.date.isoformat() if last else "—"}})
    transfer = Transfer.objects.create(
        person=person,
        date=date,
        from_org=person.org,
        to_org=to_org,
        materials_transferred=materials_transferred,
    )
    person.org = to_org
    person.save(update_fields=["org"])
    audit_record(
        actor=actor,
        action="person.transfer",
        target=transfer,
        org=to_org,
        data={
            "person": person.pid,
            "from": transfer.from_org.code,
            "to": to_org.code,
            "date": date.isoformat(),
            "materials_transferred": materials_transferred,
        },
        seal=[person],
    )
    return transfer


def person_log_personal_access(*, actor, person: Person, fields: list[str]) -> None:
    """Every display of an unmasked ID number or phone is logged (product.md, Standards)."""
    audit_record(
        actor=actor,
        action="person.personal_data_viewed",
        target=person,
        org=person.org,
        data={"fields": fields},
    )


def person_recheck_id_numbers(*, actor=None, chunk: int = 2000) -> tuple[int, list[str]]:
    """Judge every stored ID number again by procedure.md F (people.identity.id_number_valid) and store the
    verdicts that changed: what the whole-tree inspection reads for ELIG-NAT, so a change to F (or to the
    library behind it) reaches the inspection. Every number is decrypted once, so the pass is one event of
    the trail. Returns the number of persons read and the pids whose verdict changed."""
    changed: dict[bool, list[int]] = {True: [], False: []}
    pids: list[str] = []
    read = 0
    for pk, pid, number, stored in (
        Person.objects.order_by("pk")
        .values_list("pk", "pid", "id_number", "id_number_valid")
        .iterator(chunk_size=chunk)
    ):
        read += 1
        valid = id_number_valid(number)
        if valid != stored:
            changed[valid].append(pk)
            pids.append(pid)
    with transaction.atomic():
        for valid, pks in changed.items():
            for lo in range(0, len(pks), chunk):
                Person.objects.filter(pk__in=pks[lo : lo + chunk]).update(id_number_valid=valid)
        audit_record(
            actor=actor,
            action="person.recheck_id_numbers",
            data={"read": read, "now_valid": len(changed[True]), "now_invalid": len(changed[False])},
            seal=[("people.person", pk) for pks in changed.values() for pk in pks],
        )
    return read, pids
