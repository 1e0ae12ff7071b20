"""The writers of public notices (公示): publish one, record what the public reports during it, record how a
report was looked into, and close it, giving each candidate its result. Each writes its trail event in the
same transaction; the trail names who was reported on and when, never what was said (the report's text is
personal data and stays on the notice)."""

import datetime
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.auditlog.services import audit_record
from fazhan.core.calendar import Recount, WorkingDays, add_working_days, provisional_years
from fazhan.notices.models import (
    NOTICE_STAGE,
    WITHHOLDING,
    EntryResult,
    FeedbackChannel,
    FeedbackFinding,
    Notice,
    NoticeEntry,
    NoticeFeedback,
    NoticeKind,
    NoticeState,
)
from fazhan.notices.selectors import (
    feedback_is_public,
    notice_label,
    notice_may_publish,
    notice_may_read_public,
    notice_public_open,
)
from fazhan.organizations.models import Org
from fazhan.procedure.definition import limit_count, limits
from fazhan.procedure.engine import finding as rule_finding
from fazhan.procedure.engine import refusal_text
from fazhan.procedure.models import Case
from fazhan.procedure.rules.targets import publicity_days

ERR_ROLE = "只有本支部书记、组织委员或乡镇党委组织委员可以办理公示。"
ERR_NO_CANDIDATE = "请至少选择一名公示对象。"
ERR_OUTSIDE = "%(name)s 不在%(org)s范围内。"
ERR_STAGE = "%(name)s 当前不是%(stage)s，不能列入本次公示。"
ERR_IN_OPEN = "%(name)s 已列入另一份正在进行的同类公示。"
ERR_ENDS_BEFORE = "公示结束日期不能早于开始日期。"
ERR_SHORT = "公示期仅 %(n)d 个工作日（应不少于 %(min)d 个）"
ERR_SHORT_PROVISIONAL = (
    "公示期仅 %(n)d 个工作日（应不少于 %(min)d 个；%(years)s年节假日安排尚未公布，按法定节假日暂计）"
)
ERR_CONTACT = "请写明群众反映意见的方式（电话、地址等）。"
ERR_CLOSED = "这份公示已经办结，不能再登记或修改。"
ERR_FUTURE = "日期不能晚于今天。"
ERR_BEFORE_START = "公示 %(d)s 才开始，此前收到的意见不属于本次公示。"
ERR_ENTRY = "反映对象不在这份公示中。"
ERR_SUMMARY = "请写明反映的内容。"
ERR_VERIFIED = "这条反映已经核实过。"
ERR_VERIFY_BEFORE = "核实日期不能早于收到反映的日期（%(d)s）。"
ERR_VERIFICATION = "请写明核实情况。"
ERR_NOT_ENDED = "公示 %(d)s 结束，期满后才能办结。"
ERR_UNVERIFIED = "还有 %(n)d 条反映没有核实，核实后才能办结。"
ERR_PUBLIC_CLOSED = "本次公示已于 %(d)s 结束，不再受理网上意见；如有情况请按公示所列方式反映。"
ERR_PUBLIC_NOT_YET = "本次公示 %(d)s 开始，届时方可提交意见。"
ERR_PUBLIC_TEXT = "请填写意见内容。"
ERR_PUBLIC_TEXT_LONG = "意见内容不能超过 %(n)d 字（现有 %(m)d 字）。"
ERR_PUBLIC_CONTACT_LONG = "联系方式不能超过 100 字。"
ERR_PUBLIC_RATE = "提交过于频繁，请一小时后再试。"
ERR_PUBLIC_REFUSED = "提交未被受理。"
ERR_PUBLIC_TOWNSHIP = "网上反映的内容只有镇党委组织委员、审批人可以查看和核实。"
STAGE_NAMES: dict[str, str] = {
    NoticeKind.TARGET: "入党积极分子",
    NoticeKind.ADMISSION: "发展对象",
    NoticeKind.CONVERSION: "预备党员",
}


def _check_role(actor, org: Org) -> None:
    if not notice_may_publish(actor, org):
        raise PermissionDenied(_(ERR_ROLE))


def _check_open(notice: Notice) -> None:
    if notice.state != NoticeState.OPEN:
        raise ValidationError(_(ERR_CLOSED))


def _check_past(field: str, day: datetime.date) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _(ERR_FUTURE)})


def notice_period(kind: str, starts_on: datetime.date, ends_on: datetime.date | None) -> tuple:
    """(ends_on, working days, provisional): the end given, or the day the shortest period ends; a period
    TGT-NOTICE's measure finds too short (rules/targets.publicity_days) is refused, citing the rule for a
    target's."""
    rules = limits()
    least = limit_count("TGT-NOTICE", rules)  # the declared limit (definition.TIME_LIMITS)
    if ends_on is None:
        ends_on, _guessed = add_working_days(starts_on, least)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _(ERR_ENDS_BEFORE)})
    days, enough = publicity_days(starts_on, ends_on, rules)
    if not enough:
        said = {
            "n": days.count,
            "min": least,
            "years": "、".join(map(str, provisional_years(starts_on, ends_on))),
        }
        text = _(ERR_SHORT_PROVISIONAL if days.provisional else ERR_SHORT) % said
        if kind == NoticeKind.TARGET:
            text = refusal_text(rule_finding("TGT-NOTICE", text))
        raise ValidationError({"ends_on": text})
    return ends_on, days.count, days.provisional


def notice_entry_build(notice: Notice, case: Case) -> NoticeEntry:
    """A candidate's entry as the notice shows them (not yet saved): a notice keeps the particulars it was
    published with."""
    person = case.person
    return NoticeEntry(
        notice=notice,
        case=case,
        name=person.name,
        gender=person.get_gender_display(),
        born=f"{person.birth_date.year}.{person.birth_date.month:02d}",
        ethnicity=person.ethnicity,
        education=person.get_education_display(),
        unit=person.org.name,
    )


def _check_candidates(org: Org, kind: str, cases: list[Case]) -> None:
    if not cases:
        raise ValidationError({"cases": _(ERR_NO_CANDIDATE)})
    busy = set(
        NoticeEntry.objects.filter(
            case__in=cases, notice__state=NoticeState.OPEN, notice__kind=kind
        ).values_list("case_id", flat=True)
    )
    for case in cases:
        name = case.person.name
        if not case.person.org.path.startswith(org.path):
            raise ValidationError({"cases": _(ERR_OUTSIDE) % {"name": name, "org": org.name}})
        if case.closed_on is not None or case.stage != NOTICE_STAGE[NoticeKind(kind)]:
            raise ValidationError({"cases": _(ERR_STAGE) % {"name": name, "stage": _(STAGE_NAMES[kind])}})
        if case.pk in busy:
            raise ValidationError({"cases": _(ERR_IN_OPEN) % {"name": name}})


@transaction.atomic
def notice_publish(
    *,
    actor,
    org: Org,
    kind: str,
    cases: list[Case],
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    contact: str,
) -> Notice:
    """Publish a notice of `kind` by `org` naming these cases, from `starts_on` for at least the setting's
    working days (to `ends_on`, or as short as allowed)."""
    _check_role(actor, org)
    if kind not in NoticeKind.values:
        raise ValidationError({"kind": _("未知的公示事项。")})
    contact = (contact or "").strip()
    if not contact:
        raise ValidationError({"contact": _(ERR_CONTACT)})
    ends_on, days, provisional = notice_period(kind, starts_on, ends_on)
    cases = list(
        Case.objects.select_for_update().filter(pk__in=[c.pk for c in cases]).select_related("person__org")
    )
    _check_candidates(org, kind, cases)
    notice = Notice.objects.create(
        org=org,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        working_days=days,
        provisional=provisional,
        contact=contact[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    entries = NoticeEntry.objects.bulk_create(
        [notice_entry_build(notice, c) for c in sorted(cases, key=lambda c: c.person.pid)]
    )
    audit_record(
        actor=actor,
        action="notice.publish",
        target=notice,
        seal=entries,
        org=org,
        data={
            "kind": kind,
            "from": starts_on.isoformat(),
            "to": ends_on.isoformat(),
            "working_days": days,
            "provisional": provisional,
            "persons": [e.case.person.pid for e in entries],
        },
    )
    return notice


def _locked(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().select_related("org").get(pk=notice.pk)


@transaction.atomic
def notice_feedback_record(
    *,
    actor,
    notice: Notice,
    received_on: datetime.date,
    channel: str,
    summary: str,
    entry: NoticeEntry | None = None,
) -> NoticeFeedback:
    """What someone reported about the notice (about one candidate, or about it in general). A report that
    arrives after the period is recorded all the same, and shown as late."""
    notice = _locked(notice)
    _check_role(actor, notice.org)
    _check_open(notice)
    _check_past("received_on", received_on)
    if received_on < notice.starts_on:
        raise ValidationError({"received_on": _(ERR_BEFORE_START) % {"d": notice.starts_on.isoformat()}})
    if channel not in FeedbackChannel.values or channel == FeedbackChannel.PUBLIC:
        # 网上公示页 is what the public sent on the page itself (notice_public_submit), never typed in
        raise ValidationError({"channel": _("未知的反映方式。")})
    if entry is not None and entry.notice_id != notice.pk:
        raise ValidationError({"entry": _(ERR_ENTRY)})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _(ERR_SUMMARY)})
    feedback = NoticeFeedback.objects.create(
        notice=notice,
        entry=entry,
        received_on=received_on,
        channel=channel,
        summary=summary,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="notice.feedback",
        target=notice,
        seal=[feedback],
        org=notice.org,
        data={
            "feedback": feedback.pk,
            "person": entry.case.person.pid if entry else None,
            "received_on": received_on.isoformat(),
            "channel": channel,
        },
    )
    return feedback


@transaction.atomic
def notice_feedback_verify(
    *, actor, feedback: NoticeFeedback, finding: str, verification: str, verified_on: datetime.date
) -> NoticeFeedback:
    """How a report was looked into: what was found, and whether it holds."""
    notice = _locked(feedback.notice)
    _check_role(actor, notice.org)
    _check_open(notice)
    feedback = NoticeFeedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback_is_public(feedback) and not notice_may_read_public(actor, notice.org):
        raise PermissionDenied(_(ERR_PUBLIC_TOWNSHIP))
    if feedback.finding:
        raise ValidationError(_(ERR_VERIFIED))
    if finding not in FeedbackFinding.values:
        raise ValidationError({"finding": _("请选择核实结论。")})
    verification = (verification or "").strip()
    if not verification:
        raise ValidationError({"verification": _(ERR_VERIFICATION)})
    _check_past("verified_on", verified_on)
    if verified_on < feedback.received_on:
        raise ValidationError({"verified_on": _(ERR_VERIFY_BEFORE) % {"d": feedback.received_on.isoformat()}})
    feedback.finding, feedback.verification, feedback.verified_on = finding, verification, verified_on
    feedback.verified_by = actor if getattr(actor, "pk", None) else None
    feedback.save(update_fields=["finding", "verification", "verified_on", "verified_by"])
    audit_record(
        actor=actor,
        action="notice.verify",
        target=notice,
        seal=[feedback],
        org=notice.org,
        data={"feedback": feedback.pk, "finding": finding, "verified_on": verified_on.isoformat()},
    )
    return feedback


def notice_conclusion(notice: Notice, feedback: list[NoticeFeedback], withheld: list[NoticeEntry]) -> str:
    """The result as the closed notice states it."""
    if not feedback:
        return _("公示期满，未收到意见反映。")
    counts = {label: sum(f.finding == value for f in feedback) for value, label in FeedbackFinding.choices}
    said = "，".join(f"{label} {n} 件" for label, n in counts.items() if n)
    text = _("公示期间收到意见反映 %(n)d 件，经核实：%(said)s。") % {"n": len(feedback), "said": said}
    if withheld:
        text += _("%(names)s 暂缓。") % {"names": "、".join(e.name for e in withheld)}
    return text


@transaction.atomic
def notice_close(*, actor, notice: Notice, closed_on: datetime.date) -> Notice:
    """Close a notice whose period has ended and whose every report has been looked into: each candidate
    passes, or is withheld when a report about them was found true, even in part."""
    notice = _locked(notice)
    _check_role(actor, notice.org)
    _check_open(notice)
    _check_past("closed_on", closed_on)
    if closed_on <= notice.ends_on:
        raise ValidationError({"closed_on": _(ERR_NOT_ENDED) % {"d": notice.ends_on.isoformat()}})
    feedback = list(notice.feedback.all())
    unverified = [f for f in feedback if not f.finding]
    if unverified:
        raise ValidationError({"closed_on": _(ERR_UNVERIFIED) % {"n": len(unverified)}})
    held = {f.entry_id for f in feedback if f.finding in WITHHOLDING and f.entry_id}
    entries = list(notice.entries.select_related("case__person").order_by("pk"))
    for e in entries:
        e.result = EntryResult.WITHHELD if e.pk in held else EntryResult.PASSED
    NoticeEntry.objects.bulk_update(entries, ["result"])
    notice.state, notice.closed_on = NoticeState.CLOSED, closed_on
    notice.conclusion = notice_conclusion(notice, feedback, [e for e in entries if e.pk in held])
    notice.save(update_fields=["state", "closed_on", "conclusion"])
    audit_record(
        actor=actor,
        action="notice.close",
        target=notice,
        seal=entries,
        org=notice.org,
        data={
            "closed_on": closed_on.isoformat(),
            "passed": [e.case.person.pid for e in entries if e.result == EntryResult.PASSED],
            "withheld": [e.case.person.pid for e in entries if e.result == EntryResult.WITHHELD],
        },
    )
    return notice


@transaction.atomic
def notice_recount_year(*, actor, year: int) -> list[Recount]:
    """After `year`'s arrangement is loaded (core.calendar calls this), count again the working days of the
    open notices whose period falls in that year, each change in the trail: what each now counts, and which
    now falls short of TGT-NOTICE's minimum. A closed notice keeps what it published."""
    rules = limits()
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    notices = (
        Notice.objects.select_for_update()
        .select_related("org")
        .filter(state=NoticeState.OPEN, starts_on__lte=last, ends_on__gte=first)
        .order_by("starts_on", "pk")
    )
    recounts = []
    for notice in notices:
        before = WorkingDays(notice.working_days, notice.provisional)
        after, enough = publicity_days(notice.starts_on, notice.ends_on, rules)
        if after != before:
            notice.working_days, notice.provisional = after.count, after.provisional
            notice.save(update_fields=["working_days", "provisional"])
            audit_record(
                actor=actor,
                action="notice.recount",
                target=notice,
                org=notice.org,
                data={
                    "year": year,
                    "working_days": [before.count, after.count],
                    "provisional": [before.provisional, after.provisional],
                    "enough": enough,
                },
            )
        recounts.append(
            Recount(
                label=notice_label(notice),
                before=before,
                after=after,
                needed=limit_count("TGT-NOTICE", rules),
                url=reverse("notices:detail", args=[notice.pk]),
            )
        )
    return recounts


# --- the public's voice (issue 15): opinions sent on a notice's public page, and what they hold back -------


def _rate_key(address: str) -> str:
    """The counter of one address in this hour: the address itself is not kept, only a keyed digest of it."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]
    return f"fazhan:public-opinion:{int(time.time() // 3600)}:{digest}"


def _rate_spend(key: str) -> None:
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: this hour's first
        cache.set(key, 1, timeout=3600)


def notice_public_submit(
    *,
    notice: Notice,
    text: str,
    address: str,
    contact: str = "",
    entry: NoticeEntry | None = None,
    honeypot: str = "",
) -> NoticeFeedback:
    """An opinion someone sent on the notice's public page, without an account: stored as the notice's
    feedback (channel 网上公示页) to be looked into like any report. Refused, storing nothing, outside the
    period, past the setting's opinions per address and hour, or when the honeypot field (hidden from people,
    filled by robots) holds anything. Nothing about the sender is required; the address only counts.

    The counts are in the database cache (settings.CACHES), so a robot's count is spent outside the
    transaction that stores an opinion: refusing it rolls nothing of it back."""
    key = _rate_key(address)
    if (cache.get(key) or 0) >= settings.FAZHAN_PUBLIC_OPINIONS_PER_HOUR:
        raise ValidationError(_(ERR_PUBLIC_RATE))
    if honeypot:
        _rate_spend(key)
        raise ValidationError(_(ERR_PUBLIC_REFUSED))
    return _public_opinion_store(notice=notice, text=text, contact=contact, entry=entry, key=key)


@transaction.atomic
def _public_opinion_store(
    *, notice: Notice, text: str, contact: str, entry: NoticeEntry | None, key: str
) -> NoticeFeedback:
    """The opinion checked and stored, with its count spent in the same transaction."""
    notice = _locked(notice)
    today = timezone.localdate()
    if today < notice.starts_on:
        raise ValidationError(_(ERR_PUBLIC_NOT_YET) % {"d": notice.starts_on.isoformat()})
    if not notice_public_open(notice, today=today):
        raise ValidationError(_(ERR_PUBLIC_CLOSED) % {"d": notice.ends_on.isoformat()})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _(ERR_PUBLIC_TEXT)})
    most = settings.FAZHAN_PUBLIC_OPINION_MAX_CHARS
    if len(text) > most:
        raise ValidationError({"text": _(ERR_PUBLIC_TEXT_LONG) % {"n": most, "m": len(text)}})
    contact = (contact or "").strip()
    if len(contact) > 100:
        raise ValidationError({"contact": _(ERR_PUBLIC_CONTACT_LONG)})
    if entry is not None and entry.notice_id != notice.pk:
        raise ValidationError({"entry": _(ERR_ENTRY)})
    feedback = NoticeFeedback.objects.create(
        notice=notice,
        entry=entry,
        received_on=today,
        channel=FeedbackChannel.PUBLIC,
        summary=text,
        contact=contact,
        recorded_by=None,
    )
    _rate_spend(key)
    audit_record(
        actor=None,
        action="notice.public_feedback",
        target=notice,
        seal=[feedback],
        org=notice.org,
        data={
            "feedback": feedback.pk,
            "person": entry.case.person.pid if entry else None,
            "received_on": today.isoformat(),
        },
    )
    return feedback
