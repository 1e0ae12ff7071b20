"""The numbered-form register: the district receives ranges of serials into stock, issues a numbered
入党志愿书 to a person who passed its pre-review (from stock where the serial was received; PRE-DISTRICT,
FORM-ONE), voids a spoiled or lost one so a new serial can replace it, and takes unused forms back.
Every change is audited; the reconciliation reads the result (prereview.selectors.form_reconcile)."""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import Org, OrgKind
from fazhan.organizations.selectors import org_ancestors
from fazhan.people.models import Person
from fazhan.prereview.models import (
    ACTIVE_FORM_STATUSES,
    FormReceipt,
    FormStatus,
    NumberedForm,
    PrereviewBatch,
    PrereviewItem,
    PrereviewResult,
)
from fazhan.prereview.selectors import batch_candidates, township_passes
from fazhan.procedure.definition import DISTRICT, STEPS_BY_CODE, Anchor, limits
from fazhan.procedure.engine import finding, in_force, refusal_text
from fazhan.procedure.models import StepRecord
from fazhan.procedure.rules.forms import district_pass_on, district_passes, identity_change
from fazhan.procedure.selectors import case_facts, identity_fact
from fazhan.procedure.services import case_record_step

ERR_NOT_DISTRICT = "只有区委组织部审核人可以发放或作废志愿书。"
ERR_NUMBER_TAKEN = "编号 %(n)s 已发放给%(p)s，一人一本、定人定本"
ERR_NUMBER_CLOSED = "编号 %(n)s %(s)s，不能再发放"
ERR_HOLDS_ONE = "该人员已持有有效志愿书 %(n)s；须先作废或登记遗失，再发放新编号"
ERR_NO_PASS = "%(d)s 前没有区委组织部预审合格意见，不能发放编号志愿书"
ERR_NO_CASE = "该人员没有进行中的发展档案。"
ERR_NOT_VOIDABLE = "只有已发放、尚未使用的志愿书可以作废或登记遗失。"
ERR_FUTURE = "日期不能晚于今天。"
ERR_MOVE = "志愿书 %(n)s 现为“%(s)s”，不能%(a)s。"
ERR_IDENTITY = "%(what)s，与区委组织部预审（%(d)s）时不一致：须重新预审后才能发放"

# The life of a numbered form, declared (style.md: a dict of allowed moves per status field): for each status,
# the actions that may leave it and the status each leads to. A serial not yet in the register ("") enters it
# issued; a used, voided, lost or returned form never moves again (FORM-ONE: its serial is not issued twice).
FORM_MOVES: dict[str, dict[str, str]] = {
    "": {"issue": FormStatus.ISSUED},
    FormStatus.IN_STOCK: {"issue": FormStatus.ISSUED, "return": FormStatus.RETURNED},
    FormStatus.ISSUED: {
        "use": FormStatus.USED,
        "void": FormStatus.VOIDED,
        "lose": FormStatus.LOST,
        "return": FormStatus.RETURNED,
    },
    FormStatus.USED: {},
    FormStatus.VOIDED: {},
    FormStatus.LOST: {},
    FormStatus.RETURNED: {},
}
# Who takes each action: the district's reviewer, but for `use`, which the step naming the form takes (the
# step service has checked who may record it).
FORM_ACTORS: dict[str, frozenset[str]] = {
    "issue": frozenset(DISTRICT),
    "void": frozenset(DISTRICT),
    "lose": frozenset(DISTRICT),
    "return": frozenset(DISTRICT),
    "use": frozenset(),
}
FORM_ACTIONS = {
    "issue": _("发放"),
    "use": _("填写使用"),
    "void": _("作废"),
    "lose": _("登记遗失"),
    "return": _("收回"),
}
# The trail's name of each move (kept as they were before the moves were declared).
FORM_EVENTS = {"issue": "form.issue", "use": "form.use", "void": "form.void", "lose": "form.lost"}
FORM_EVENTS["return"] = "form.return"


def form_may(user, form: NumberedForm, action: str, org: Org | None) -> bool:
    """Whether `user` may take `action` on `form` now (the pages offer only these)."""
    if action not in FORM_MOVES[form.status or ""]:
        return False
    roles = FORM_ACTORS[action]
    return not roles or user is None or (org is not None and bool(user_roles_at(user, org) & roles))


def _form_move(
    *, actor, form: NumberedForm, action: str, org: Org | None, on: datetime.date, data: dict
) -> NumberedForm:
    """The one change of a form's status: allowed by FORM_MOVES from the status it has, by one of
    FORM_ACTORS, dated, saved and in the trail (with the status it left)."""
    was = form.status if form.pk else ""
    if action not in FORM_MOVES[was]:
        status = FormStatus(was).label if was else _("未入库")
        raise ValidationError(
            {"status": _(ERR_MOVE) % {"n": form.number, "s": status, "a": FORM_ACTIONS[action]}}
        )
    roles = FORM_ACTORS[action]
    if roles and actor is not None and (org is None or not user_roles_at(actor, org) & roles):
        raise PermissionDenied(_(ERR_NOT_DISTRICT))
    form.status, form.status_on = FORM_MOVES[was][action], on
    form.save()
    audit_record(
        actor=actor,
        action=FORM_EVENTS[action],
        target=form,
        org=org,
        data={"number": form.number, "was": was, "status": form.status, **data},
    )
    return form


def _check_district(actor, person: Person) -> None:
    if actor is not None and not user_roles_at(actor, person.org) & set(DISTRICT):
        raise PermissionDenied(_(ERR_NOT_DISTRICT))


def _district_of(org: Org) -> Org | None:
    return org_ancestors(org).filter(kind=OrgKind.DISTRICT_COMMITTEE).last()


def _check_district_pass(person: Person, issued_on: datetime.date) -> None:
    """PRE-DISTRICT at issue: the district's pass on or before the issue date (the rule's own check reads the
    same functions over the record, procedure/rules/forms.py)."""
    case = person.cases.filter(closed_on__isnull=True).first()
    if case is None:
        raise ValidationError({"person": _(ERR_NO_CASE)})
    if not (limits().district_prereview and in_force("PRE-DISTRICT", issued_on)):
        return
    facts = case_facts(case)
    if district_pass_on(facts, issued_on) is None:
        later = next((r.date for r in district_passes(facts) if r.date > issued_on), None)
        refused = finding("PRE-DISTRICT", _(ERR_NO_PASS) % {"d": issued_on.isoformat()}, earliest=later)
        raise ValidationError({"issued_on": refusal_text(refused)})
    stored = Person.objects.get(pk=person.pk)  # as stored now, whatever the caller holds
    now = identity_fact(0, stored.name, stored.id_number_key)
    if (changed := identity_change(facts, now, issued_on)) is not None:
        passed, what = changed
        refused = finding("FORM-MATCH", _(ERR_IDENTITY) % {"what": what, "d": passed.date.isoformat()})
        raise ValidationError({"issued_on": refusal_text(refused)})


@transaction.atomic
def form_issue(
    *,
    actor,
    person: Person,
    number: str,
    issued_on: datetime.date,
    replaces: NumberedForm | None = None,
) -> NumberedForm:
    """Issue the numbered form `number` to `person` (FORM-ONE, PRE-DISTRICT), optionally as the replacement
    of a voided or lost one."""
    _check_district(actor, person)
    number = number.strip()
    if not number:
        raise ValidationError({"number": _("必填")})
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _(ERR_FUTURE)})
    form = NumberedForm.objects.select_for_update().filter(number=number).first()
    if form is not None and form.status != FormStatus.IN_STOCK:
        if form.person is None:
            text = _(ERR_NUMBER_CLOSED) % {"n": number, "s": form.get_status_display()}
        else:
            text = _(ERR_NUMBER_TAKEN) % {"n": number, "p": form.person.name}
        taken = finding("FORM-ONE", text)
        raise ValidationError({"number": refusal_text(taken)})
    held = NumberedForm.objects.filter(person=person, status__in=ACTIVE_FORM_STATUSES).first()
    if held is not None:
        raise ValidationError(
            {"number": refusal_text(finding("FORM-ONE", _(ERR_HOLDS_ONE) % {"n": held.number}))}
        )
    _check_district_pass(person, issued_on)
    form = form or NumberedForm(number=number)
    form.person, form.issued_on, form.issued_by = person, issued_on, _district_of(person.org)
    form.replaces = replaces
    return _form_move(
        actor=actor,
        form=form,
        action="issue",
        org=person.org,
        on=issued_on,
        data={
            "person": person.pid,
            "issued_on": issued_on.isoformat(),
            "replaces": getattr(replaces, "number", None),
        },
    )


@transaction.atomic
def form_void(*, actor, form: NumberedForm, reason: str, lost: bool = False) -> NumberedForm:
    """A spoiled form is voided, a lost one recorded as lost, each with its reason; the serial is never
    issued again (FORM-ONE)."""
    form = NumberedForm.objects.select_for_update(of=("self",)).select_related("person__org").get(pk=form.pk)
    action = "lose" if lost else "void"
    if form.person is None or not form_may(None, form, action, None):
        raise ValidationError({"status": _(ERR_NOT_VOIDABLE)})
    _check_district(actor, form.person)
    if not reason.strip():
        raise ValidationError({"void_reason": _("须说明原因。")})
    form.void_reason = reason.strip()
    return _form_move(
        actor=actor,
        form=form,
        action=action,
        org=form.person.org,
        on=timezone.localdate(),
        data={"reason": form.void_reason},
    )


def form_mark_used(*, person: Person, numbers: list[str], actor=None) -> None:
    """The forms named by a recorded step are now used (inside the step's transaction): those issued to
    the person move to used; one already used stays so (a corrected S14 names it again)."""
    for form in NumberedForm.objects.select_for_update().filter(
        person=person, number__in=numbers, status=FormStatus.ISSUED
    ):
        _form_move(actor=actor, form=form, action="use", org=person.org, on=timezone.localdate(), data={})


def form_mark_used_by_step(record: StepRecord) -> None:
    """What a step naming a numbered form (S14's form_number) does to the register once it is written:
    registered with the step service (PrereviewConfig.ready), which imports no wing."""
    specs = STEPS_BY_CODE[record.step].details
    numbers = [v for k, v in record.details.items() if specs[k].kind == "form"]
    if numbers:
        form_mark_used(person=record.case.person, numbers=numbers, actor=record.recorded_by)


ERR_NOT_DISTRICT_ORG = "只有区委组织部审核人可以办理志愿书入库和收回。"
ERR_PREFIX = "编号前缀只能包含字母、数字和 -，最多 30 个字符。"
ERR_RANGE = "终止号须不小于起始号，一次最多入库 %(max)s 本。"
ERR_WIDTH = "序号位数须在 1 至 8 之间，且能容纳终止号 %(last)s。"
ERR_EXISTS = "编号已在登记簿中（%(n)s 本）：%(some)s"
ERR_NOT_RETURNABLE = "只有库存或已发放、尚未使用的志愿书可以收回。"
MAX_RANGE = 5000
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,29}$")


def _check_district_org(actor, org: Org) -> None:
    if actor is not None and not user_roles_at(actor, org) & set(DISTRICT):
        raise PermissionDenied(_(ERR_NOT_DISTRICT_ORG))


@transaction.atomic
def form_range_receive(
    *,
    actor,
    org: Org,
    year: int,
    prefix: str,
    first: int,
    last: int,
    received_on: datetime.date,
    width: int = 4,
) -> FormReceipt:
    """Receive the serials prefix+first … prefix+last into stock (e.g. SZQ2018-0001 … SZQ2018-0200). A serial
    already in the register refuses the whole range, naming the serials."""
    _check_district_org(actor, org)
    if org.kind != OrgKind.DISTRICT_COMMITTEE:
        raise ValidationError({"org": _(ERR_NOT_DISTRICT_ORG)})
    prefix = (prefix or "").strip()
    if not _PREFIX.match(prefix):
        raise ValidationError({"prefix": _(ERR_PREFIX)})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度须在 2000 至 2100 之间。")})
    if first < 1:
        raise ValidationError({"first": _("起始号须大于 0。")})
    if last < first or last - first + 1 > MAX_RANGE:
        raise ValidationError({"last": _(ERR_RANGE) % {"max": MAX_RANGE}})
    if not 1 <= width <= 8 or len(str(last)) > width:
        raise ValidationError({"width": _(ERR_WIDTH) % {"last": last}})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _(ERR_FUTURE)})
    receipt = FormReceipt(
        org=org,
        year=year,
        prefix=prefix,
        first=first,
        last=last,
        width=width,
        received_on=received_on,
        received_by=actor if getattr(actor, "pk", None) else None,
    )
    numbers = [receipt.number(n) for n in range(first, last + 1)]
    taken = sorted(NumberedForm.objects.filter(number__in=numbers).values_list("number", flat=True))
    if taken:
        some = "、".join(taken[:5]) + ("…" if len(taken) > 5 else "")
        raise ValidationError({"first": _(ERR_EXISTS) % {"n": len(taken), "some": some}})
    receipt.save()
    forms = NumberedForm.objects.bulk_create(
        NumberedForm(number=receipt.number(n), serial=n, receipt=receipt, status_on=received_on)
        for n in range(first, last + 1)
    )
    audit_record(
        actor=actor,
        action="form.receive",
        target=receipt,
        org=org,
        data={
            "year": year,
            "first": numbers[0],
            "last": numbers[-1],
            "count": len(numbers),
            "received_on": received_on.isoformat(),
        },
        seal=forms,
    )
    return receipt


def _form_org(form: NumberedForm) -> Org | None:
    if form.person is not None:
        return form.person.org
    return form.receipt.org if form.receipt is not None else form.issued_by


@transaction.atomic
def form_return(
    *, actor, form: NumberedForm, reason: str, returned_on: datetime.date | None = None
) -> NumberedForm:
    """An unused form comes back: from stock (returned to the issuing authority) or from a holder who will
    not fill it in. The serial is never issued again; the holder may be issued a new one (FORM-ONE)."""
    form = (
        NumberedForm.objects.select_for_update(of=("self",))
        .select_related("person__org", "receipt__org", "issued_by")
        .get(pk=form.pk)
    )
    org = _form_org(form)
    if org is None:
        raise PermissionDenied(_(ERR_NOT_DISTRICT_ORG))
    _check_district_org(actor, org)
    if not form_may(None, form, "return", None):
        raise ValidationError({"status": _(ERR_NOT_RETURNABLE)})
    if not (reason or "").strip():
        raise ValidationError({"void_reason": _("须说明原因。")})
    returned_on = returned_on or timezone.localdate()
    if returned_on > timezone.localdate():
        raise ValidationError({"returned_on": _(ERR_FUTURE)})
    form.void_reason = reason.strip()
    return _form_move(
        actor=actor,
        form=form,
        action="return",
        org=org,
        on=returned_on,
        data={
            "person": getattr(form.person, "pid", None),
            "reason": form.void_reason,
            "returned_on": returned_on.isoformat(),
        },
    )


# --- pre-review batches ------------------------------------------------------------------------------------

ERR_NOT_TOWNSHIP = "只有乡镇党委组织委员可以报送预审批次。"
ERR_NOT_COMMITTEE = "预审批次由基层党委（乡镇党委）报送。"
ERR_NO_CASES = "请至少选择一名发展对象。"
ERR_NOT_CANDIDATE = (
    "%(p)s 不能报送：须已有支部委员会审查和本级党委预审合格，尚无区委组织部预审结果，且不在待审批次中。"
)
ERR_BEFORE_PASS = "报送日期不能早于 %(p)s 的党委预审日期 %(d)s。"
ERR_DECIDED = "该人员已有区委组织部预审结果。"
ERR_RESULT = "预审结果须为合格、不合格或退回。"
ERR_REASON_NEEDED = "不合格或退回须写明意见。"
ERR_BEFORE_BATCH = "预审日期不能早于报送日期 %(d)s。"
ERR_NOT_DISTRICT_REVIEWER = "只有区委组织部审核人可以录入预审结果。"


@transaction.atomic
def prereview_batch_submit(
    *, actor, township: Org, cases: list, submitted_on: datetime.date, note: str = ""
) -> PrereviewBatch:
    """A township organizer sends development targets to the district for its pre-review (PRE-DISTRICT):
    each must have the branch committee's review (S12) and the township's pass (S13), no district result
    yet, and not be waiting in another batch."""
    if actor is not None and "township_organizer" not in user_roles_at(actor, township):
        raise PermissionDenied(_(ERR_NOT_TOWNSHIP))
    if township.kind != OrgKind.COMMITTEE:
        raise ValidationError({"township": _(ERR_NOT_COMMITTEE)})
    if submitted_on > timezone.localdate():
        raise ValidationError({"submitted_on": _(ERR_FUTURE)})
    if not cases:
        raise ValidationError({"cases": _(ERR_NO_CASES)})
    ready = {case.pk: facts for case, facts in batch_candidates(township, today=timezone.localdate())}
    for case in cases:
        if case.pk not in ready:
            raise ValidationError({"cases": _(ERR_NOT_CANDIDATE) % {"p": str(case.person)}})
        passed = township_passes(ready[case.pk])[0].date
        if submitted_on < passed:
            raise ValidationError(
                {"submitted_on": _(ERR_BEFORE_PASS) % {"p": str(case.person), "d": passed.isoformat()}}
            )
    batch = PrereviewBatch.objects.create(
        township=township,
        submitted_on=submitted_on,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        note=(note or "").strip(),
    )
    PrereviewItem.objects.bulk_create(PrereviewItem(batch=batch, case=case) for case in cases)
    audit_record(
        actor=actor,
        action="prereview.submit",
        target=batch,
        org=township,
        data={
            "township": township.code,
            "submitted_on": submitted_on.isoformat(),
            "persons": [case.person.pid for case in cases],
        },
    )
    return batch


@transaction.atomic
def prereview_item_decide(
    *, actor, item: PrereviewItem, result: str, reason: str, decided_on: datetime.date
) -> PrereviewItem:
    """The district's written result for one person of a batch, recorded as the person's step S13 with the
    district as reviewer — through the one service that records a step, so its rules apply (a closed case
    takes none)."""
    item = (
        PrereviewItem.objects.select_for_update(of=("self",))
        .select_related("batch__township", "case__person__org")
        .get(pk=item.pk)
    )
    township = item.batch.township
    if actor is not None and not user_roles_at(actor, township) & set(DISTRICT):
        raise PermissionDenied(_(ERR_NOT_DISTRICT_REVIEWER))
    if item.result:
        raise ValidationError({"result": _(ERR_DECIDED)})
    if result not in PrereviewResult.values:
        raise ValidationError({"result": _(ERR_RESULT)})
    reason = (reason or "").strip()
    if result != PrereviewResult.PASS and not reason:
        raise ValidationError({"reason": _(ERR_REASON_NEEDED)})
    if decided_on < item.batch.submitted_on:
        raise ValidationError(
            {"decided_on": _(ERR_BEFORE_BATCH) % {"d": item.batch.submitted_on.isoformat()}}
        )
    district = _district_of(township)
    if district is None:
        raise ValidationError({"result": _(ERR_NOT_DISTRICT_REVIEWER)})
    details = {"reviewer": district.code, "result": result}
    if reason:
        details["reason"] = reason
    try:
        record = case_record_step(
            actor=actor, case=item.case, step=Anchor.PREREVIEW, date=decided_on, details=details
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "date" in exc.error_dict:
            exc.error_dict["decided_on"] = exc.error_dict.pop("date")
        raise
    item.result, item.reason, item.decided_on, item.record = result, reason, decided_on, record
    item.save(update_fields=["result", "reason", "decided_on", "record"])
    audit_record(
        actor=actor,
        action="prereview.decide",
        target=item,
        org=item.case.person.org,
        data={
            "batch": item.batch_id,
            "person": item.case.person.pid,
            "result": result,
            "reason": reason,
            "decided_on": decided_on.isoformat(),
            "record": record.pk,
        },
    )
    return item
