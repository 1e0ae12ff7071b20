"""Writes of the training wing: the trainings of those who do the work (notice 六) and each org's
negative list (notice 四). Each takes the actor, refuses what it may not do with a Chinese error naming
the field, writes and records the event in the trail in one transaction. actor=None is the system (the
demo, a data load)."""

import datetime
import decimal
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at, user_scope_q
from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.definition import DISTRICT, TOWNSHIP
from fazhan.training.models import Attendance, NegativeItem, StaffRole, TrainingSession
from fazhan.training.selectors import negative_list_of

ERR_ROLE = "只有乡镇党委组织委员、审批人或区委组织部可以录入本组织及下级组织的业务培训。"
ERR_TOPIC = "请填写培训主题（不超过200字）。"
ERR_DATE_FUTURE = "培训日期不能晚于今天（%(today)s）。"
ERR_DATE_OLD = "培训日期不能早于2000年。"
ERR_HOURS = "学时须大于0且不超过200。"
ERR_NO_ATTENDEE = "请至少填写一名参训人员。"
ERR_UNKNOWN_PERSON = "没有人员编号为 %(pid)s 的人员，或不在您的管辖范围内。"
ERR_TWICE = "%(pid)s 重复填写。"
ERR_ROLE_CHOICE = "参训身份“%(role)s”不正确，应为：党组织书记、培养联系人或入党介绍人。"
ERR_NEG_ROLE = "只有乡镇党委组织委员、审批人或区委组织部可以修改本组织及下级组织的负面清单。"
ERR_NEG_EMPTY = "负面清单至少要有一项；要改用上级组织的清单，请选择“恢复继承”。"
ERR_NEG_LABEL = "第 %(n)d 项内容为空或超过300字。"
ERR_NEG_KEY = "第 %(n)d 项代码“%(key)s”不正确（字母、数字、下划线或连字符，不超过40字，不重复）。"

MANAGING_ROLES = frozenset({*TOWNSHIP, *DISTRICT})
MAX_HOURS = decimal.Decimal(200)


def training_may_manage(user, org: Org) -> bool:
    """Township roles and the district, on their orgs and the orgs below them."""
    return user is None or bool(user_roles_at(user, org) & MANAGING_ROLES)


def _clean_session(*, topic: str, date: datetime.date, hours) -> tuple[str, decimal.Decimal]:
    topic = (topic or "").strip()
    if not topic or len(topic) > 200:
        raise ValidationError({"topic": _(ERR_TOPIC)})
    today = timezone.localdate()
    if not isinstance(date, datetime.date):
        raise ValidationError({"date": _("培训日期格式不正确（YYYY-MM-DD）。")})
    if date > today:
        raise ValidationError({"date": _(ERR_DATE_FUTURE) % {"today": today.isoformat()}})
    if date.year < 2000:
        raise ValidationError({"date": _(ERR_DATE_OLD)})
    try:
        value = decimal.Decimal(str(hours)).quantize(decimal.Decimal("0.1"))
    except (decimal.InvalidOperation, ValueError, TypeError):
        raise ValidationError({"hours": _(ERR_HOURS)}) from None
    if not value.is_finite() or not 0 < value <= MAX_HOURS:
        raise ValidationError({"hours": _(ERR_HOURS)})
    return topic, value


def _clean_attendance(actor, attendance: Iterable[tuple[str, str]]) -> list[tuple[Person, str]]:
    rows = [(str(pid).strip(), str(role).strip()) for pid, role in attendance]
    if not rows:
        raise ValidationError({"attendance": _(ERR_NO_ATTENDEE)})
    seen: set[str] = set()
    for pid, role in rows:
        if not pid.isprintable() or len(pid) > 40:  # never reaches the query (PostgreSQL refuses a NUL)
            raise ValidationError(
                {"attendance": _(ERR_UNKNOWN_PERSON) % {"pid": pid.encode("unicode_escape").decode()}}
            )
        if role not in StaffRole.values:
            raise ValidationError({"attendance": _(ERR_ROLE_CHOICE) % {"role": role}})
        if pid in seen:
            raise ValidationError({"attendance": _(ERR_TWICE) % {"pid": pid}})
        seen.add(pid)
    people = Person.objects.filter(pid__in=seen)
    if actor is not None:
        people = people.filter(user_scope_q(actor, "org__path"))
    found = {p.pid: p for p in people}
    for pid, _role in rows:
        if pid not in found:
            raise ValidationError({"attendance": _(ERR_UNKNOWN_PERSON) % {"pid": pid}})
    return [(found[pid], role) for pid, role in rows]


def _attendance_gone(session: TrainingSession) -> list[tuple[str, int]]:
    """The session's attendance rows, as the trail names them, about to be replaced or deleted."""
    return [("training.attendance", pk) for pk in session.attendance.values_list("pk", flat=True)]


def _attendance_of(session: TrainingSession) -> list[list[str]]:
    return [list(row) for row in sorted(session.attendance.values_list("person__pid", "role"))]


def _attendance_put(session: TrainingSession, people: list[tuple[Person, str]]) -> list[Attendance]:
    """The session's attendance replaced by `people` (person, role): the rows written, for the trail to seal
    (the rows it had go with `_attendance_gone`, named before)."""
    session.attendance.all().delete()
    return Attendance.objects.bulk_create(
        Attendance(session=session, person=p, role=role) for p, role in people
    )


@transaction.atomic
def session_create(
    *,
    actor,
    org: Org,
    topic: str,
    date: datetime.date,
    hours,
    attendance: Sequence[tuple[str, str]],
) -> TrainingSession:
    """Record a training held by `org`, with who attended it as what (pid, role)."""
    if not training_may_manage(actor, org):
        raise PermissionDenied(_(ERR_ROLE))
    topic, value = _clean_session(topic=topic, date=date, hours=hours)
    people = _clean_attendance(actor, attendance)
    session = TrainingSession.objects.create(org=org, topic=topic, date=date, hours=value, created_by=actor)
    attended = _attendance_put(session, people)
    audit_record(
        actor=actor,
        action="training.session_create",
        target=session,
        seal=attended,
        org=org,
        data={
            "org": org.code,
            "topic": topic,
            "date": date.isoformat(),
            "hours": str(value),
            "attendance": [[p.pid, role] for p, role in people],
        },
    )
    return session


@transaction.atomic
def session_set_attendance(
    *, actor, session: TrainingSession, attendance: Sequence[tuple[str, str]]
) -> TrainingSession:
    """Replace a session's attendance list (a name left out at first, a role written wrongly)."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if not training_may_manage(actor, session.org):
        raise PermissionDenied(_(ERR_ROLE))
    people = _clean_attendance(actor, attendance)
    before = _attendance_of(session)
    gone = _attendance_gone(session)
    attended = _attendance_put(session, people)
    audit_record(
        actor=actor,
        action="training.attendance_set",
        target=session,
        seal=attended,
        removed=gone,
        org=session.org,
        data={
            "org": session.org.code,
            "before": before,
            "attendance": [[p.pid, role] for p, role in people],
        },
    )
    return session


@transaction.atomic
def session_update(
    *,
    actor,
    session: TrainingSession,
    topic: str,
    date: datetime.date,
    hours,
    attendance: Sequence[tuple[str, str]],
) -> TrainingSession:
    """Correct a session as entered (its topic, date, hours and who attended as what); its org stays. The
    event keeps what it said before."""
    session = TrainingSession.objects.select_for_update().select_related("org").get(pk=session.pk)
    if not training_may_manage(actor, session.org):
        raise PermissionDenied(_(ERR_ROLE))
    topic, value = _clean_session(topic=topic, date=date, hours=hours)
    people = _clean_attendance(actor, attendance)
    before = {
        "topic": session.topic,
        "date": session.date.isoformat(),
        "hours": str(session.hours),
        "attendance": _attendance_of(session),
    }
    gone = _attendance_gone(session)
    session.topic, session.date, session.hours = topic, date, value
    session.save(update_fields=["topic", "date", "hours"])
    attended = _attendance_put(session, people)
    audit_record(
        actor=actor,
        action="training.session_update",
        target=session,
        seal=attended,
        removed=gone,
        org=session.org,
        data={
            "org": session.org.code,
            "before": before,
            "topic": topic,
            "date": date.isoformat(),
            "hours": str(value),
            "attendance": [[p.pid, role] for p, role in people],
        },
    )
    return session


@transaction.atomic
def session_delete(*, actor, session: TrainingSession) -> None:
    """Delete a session entered by mistake, with its attendance: the event keeps all it said and seals its
    rows as gone, so the trail verifies after it. Those who attended only it count as untrained again."""
    session = TrainingSession.objects.select_for_update().select_related("org").get(pk=session.pk)
    if not training_may_manage(actor, session.org):
        raise PermissionDenied(_(ERR_ROLE))
    audit_record(
        actor=actor,
        action="training.session_delete",
        target=session,
        removed=[session, *_attendance_gone(session)],
        org=session.org,
        data={
            "org": session.org.code,
            "topic": session.topic,
            "date": session.date.isoformat(),
            "hours": str(session.hours),
            "attendance": _attendance_of(session),
        },
    )
    session.attendance.all().delete()
    session.delete()


# --- the negative list -------------------------------------------------------------------------------------


def _clean_items(items: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    if not items:
        raise ValidationError({"items": _(ERR_NEG_EMPTY)})
    out: list[tuple[str, str]] = []
    keys: set[str] = set()
    for n, (key, label) in enumerate(items, start=1):
        key, label = (key or "").strip(), (label or "").strip()
        if not label or len(label) > 300:
            raise ValidationError({"items": _(ERR_NEG_LABEL) % {"n": n}})
        bare = key.replace("_", "").replace("-", "")
        valid = key and len(key) <= 40 and bare.isascii() and bare.isalnum()
        if not valid or key in keys:
            raise ValidationError({"items": _(ERR_NEG_KEY) % {"n": n, "key": key}})
        keys.add(key)
        out.append((key, label))
    return out


def _negative_items_gone(org: Org) -> list[tuple[str, int]]:
    """The rows of `org`'s own list, as the trail names them, about to be replaced or dropped."""
    return [
        ("training.negativeitem", pk)
        for pk in NegativeItem.objects.filter(org=org).values_list("pk", flat=True)
    ]


@transaction.atomic
def negative_list_set(*, actor, org: Org, items: Sequence[tuple[str, str]]) -> None:
    """Give `org` a negative list of its own (key, label in order); the orgs below it inherit it."""
    if not training_may_manage(actor, org):
        raise PermissionDenied(_(ERR_NEG_ROLE))
    clean = _clean_items(items)
    before = negative_list_of(org)
    gone = _negative_items_gone(org)
    NegativeItem.objects.filter(org=org).delete()
    written = NegativeItem.objects.bulk_create(
        NegativeItem(org=org, key=key, label=label, position=n) for n, (key, label) in enumerate(clean)
    )
    audit_record(
        actor=actor,
        action="training.negative_list_set",
        seal=written,
        removed=gone,
        org=org,
        data={
            "org": org.code,
            "before": [list(i) for i in before.items],
            "before_from": before.source.code if before.source else "",
            "items": [list(i) for i in clean],
        },
    )


@transaction.atomic
def negative_list_inherit(*, actor, org: Org) -> None:
    """Drop `org`'s own list: it uses its nearest ancestor's again (or the notice's)."""
    if not training_may_manage(actor, org):
        raise PermissionDenied(_(ERR_NEG_ROLE))
    own = list(NegativeItem.objects.filter(org=org).values_list("key", "label"))
    if not own:
        return
    gone = _negative_items_gone(org)
    NegativeItem.objects.filter(org=org).delete()
    audit_record(
        actor=actor,
        action="training.negative_list_inherit",
        removed=gone,
        org=org,
        data={"org": org.code, "before": [list(i) for i in own]},
    )
