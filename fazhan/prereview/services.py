"""The numbered-form register, as much as the procedure needs: the district issues a numbered 入党志愿书 to a
person who passed its pre-review, and voids a spoiled or lost one so a new serial can replace it. Ranges,
stock and reconciliation come with the full register."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.organizations.models import Org, OrgKind
from fazhan.organizations.selectors import org_ancestors
from fazhan.people.models import Person
from fazhan.prereview.models import ACTIVE_FORM_STATUSES, FormStatus, NumberedForm
from fazhan.procedure.definition import DISTRICT, limits
from fazhan.procedure.engine import finding, in_force, refusal_text
from fazhan.procedure.rules.forms import district_pass_on, district_passes
from fazhan.procedure.selectors import case_facts

ERR_NOT_DISTRICT = "只有区委组织部审核人可以发放或作废志愿书。"
ERR_NUMBER_TAKEN = "编号 %(n)s 已发放给%(p)s，一人一本、定人定本"
ERR_HOLDS_ONE = "该人员已持有有效志愿书 %(n)s；须先作废或登记遗失，再发放新编号"
ERR_NO_PASS = "%(d)s 前没有区委组织部预审合格意见，不能发放编号志愿书"
ERR_NO_CASE = "该人员没有进行中的发展档案。"
ERR_NOT_VOIDABLE = "只有已发放、尚未使用的志愿书可以作废或登记遗失。"
ERR_FUTURE = "日期不能晚于今天。"


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
        holder = form.person.name if form.person else "—"
        taken = finding("FORM-ONE", _(ERR_NUMBER_TAKEN) % {"n": number, "p": holder})
        raise ValidationError({"number": refusal_text(taken)})
    held = NumberedForm.objects.filter(person=person, status__in=ACTIVE_FORM_STATUSES).first()
    if held is not None:
        raise ValidationError(
            {"number": refusal_text(finding("FORM-ONE", _(ERR_HOLDS_ONE) % {"n": held.number}))}
        )
    _check_district_pass(person, issued_on)
    form = form or NumberedForm(number=number)
    form.person, form.issued_on, form.issued_by = person, issued_on, _district_of(person.org)
    form.status, form.replaces = FormStatus.ISSUED, replaces
    form.save()
    audit_record(
        actor=actor,
        action="form.issue",
        target=form,
        org=person.org,
        data={
            "number": number,
            "person": person.pid,
            "issued_on": issued_on.isoformat(),
            "replaces": getattr(replaces, "number", None),
        },
    )
    return form


@transaction.atomic
def form_void(*, actor, form: NumberedForm, reason: str, lost: bool = False) -> NumberedForm:
    """A spoiled form is voided, a lost one recorded as lost, each with its reason; the serial is never
    issued again (FORM-ONE)."""
    form = NumberedForm.objects.select_for_update(of=("self",)).select_related("person__org").get(pk=form.pk)
    if form.person is None or form.status != FormStatus.ISSUED:
        raise ValidationError({"status": _(ERR_NOT_VOIDABLE)})
    _check_district(actor, form.person)
    if not reason.strip():
        raise ValidationError({"void_reason": _("须说明原因。")})
    form.status = FormStatus.LOST if lost else FormStatus.VOIDED
    form.void_reason = reason.strip()
    form.save(update_fields=["status", "void_reason"])
    audit_record(
        actor=actor,
        action="form.lost" if lost else "form.void",
        target=form,
        org=form.person.org,
        data={"number": form.number, "reason": form.void_reason},
    )
    return form


def form_mark_used(*, person: Person, numbers: list[str]) -> None:
    """The form named by a recorded step is now used (called inside the step's transaction)."""
    NumberedForm.objects.filter(person=person, number__in=numbers, status=FormStatus.ISSUED).update(
        status=FormStatus.USED
    )
