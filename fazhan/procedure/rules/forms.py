"""The numbered 入党志愿书 (procedure.md C, the notice's third point): the district pre-reviews every proposed
member and issues a numbered form only to one who passed (PRE-DISTRICT); one form per person, fixed
(FORM-ONE); the form used at step 14 is the one issued to this person (FORM-MATCH).

FORM-MATCH also holds the person admitted to be the person pre-reviewed: the district's pass keeps the name
and the keyed digest of the ID number it passed (CaseFacts.identities), and an S14 or S15 written about
another name or number than the latest pass before it is refused until a new pre-review passes the person
as they now are. Records that kept no identity (imported history) are not judged on it.

Who owns which fact (B0.7): an S14 naming a form the register does not hold, or holds for someone else, or
holds as voided or lost: FORM-MATCH. A form issued without a district pass on or before its issue date:
PRE-DISTRICT (an S14 without any passing pre-review is SEQ-ORDER's; without the township's, PRE-REVIEW's).
More than one form standing for the person at once: FORM-ONE.
"""

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _

from fazhan.procedure.definition import Anchor
from fazhan.procedure.engine import CaseFacts, Finding, Rec, check, finding, in_force
from fazhan.procedure.rules.ledger import form_unregistered, unheld

DISTRICT = "district_committee"  # OrgFacts.kind of the district committee, whose 组织部 pre-reviews
ACTIVE = ("issued", "used")
# The records that keep who they were about (CaseFacts.identities): the pass, the form, the branch meeting.
IDENTITY_STEPS = (Anchor.PREREVIEW, Anchor.FORM, Anchor.BRANCH_MEETING)


def _form(facts: CaseFacts, number: Any) -> Mapping[str, Any] | None:
    return next((f for f in facts.forms if f["number"] == number), None)


def _own_forms(facts: CaseFacts) -> list[Mapping[str, Any]]:
    return [f for f in facts.forms if f["issued_to"] == facts.person_pid]


def district_passes(facts: CaseFacts) -> list[Rec]:
    """The district's passing pre-reviews (S13 whose reviewer is the district committee)."""
    return [
        r
        for r in facts.all(Anchor.PREREVIEW)
        if r.passed() and getattr(facts.orgs.get(str(r.details.get("reviewer"))), "kind", "") == DISTRICT
    ]


def district_pass_on(facts: CaseFacts, day: datetime.date) -> Rec | None:
    return next((r for r in district_passes(facts) if r.date <= day), None)


def _forms_used(facts: CaseFacts) -> Iterator[tuple[Rec, Mapping[str, Any] | None]]:
    for record in facts.all(Anchor.FORM):
        if in_force("FORM-MATCH", record.date):
            yield record, _form(facts, record.details.get("form_number"))


def identity_passes(facts: CaseFacts) -> list[Rec]:
    """The passes an identity is compared with: the district's where the district pre-reviews, else any."""
    if facts.limits.district_prereview:
        return district_passes(facts)
    return [r for r in facts.all(Anchor.PREREVIEW) if r.passed()]


def identity_change(
    facts: CaseFacts, now: Mapping[str, Any] | None, day: datetime.date
) -> tuple[Rec, str] | None:
    """The latest pass on or before `day` and what differs between the identity it kept and `now` (a
    CaseFacts.identities entry), or None where they agree or either kept none."""
    kept = {e["record"]: e for e in facts.identities}
    passes = [r for r in identity_passes(facts) if r.date <= day]
    then = kept.get(passes[-1].id) if passes else None
    if now is None or then is None:
        return None
    changes = []
    if now["name"] != then["name"]:
        changes.append(_("姓名由“%(a)s”变为“%(b)s”") % {"a": then["name"], "b": now["name"]})
    if now["id_key"] != then["id_key"]:
        changes.append(_("身份证号已变更"))
    return (passes[-1], "，".join(changes)) if changes else None


def _identity_findings(facts: CaseFacts) -> Iterator[Finding]:
    kept = {e["record"]: e for e in facts.identities}
    for record in [*facts.all(Anchor.FORM), *facts.all(Anchor.BRANCH_MEETING)]:
        if not in_force("FORM-MATCH", record.date):
            continue
        changed = identity_change(facts, kept.get(record.id), record.date)
        if changed is None:
            continue
        passed, what = changed
        yield finding(
            "FORM-MATCH",
            _("预审通过（%(d)s）后%(what)s，与预审对象不一致；须重新预审")
            % {"d": passed.date.isoformat(), "what": what},
            step=record.step,
            record=record.id,
            evidence={
                "prereview": passed.date.isoformat(),
                "name_then": kept[passed.id]["name"],
                "name_now": kept[record.id]["name"],
                "id_number_changed": kept[passed.id]["id_key"] != kept[record.id]["id_key"],
            },
        )


@check("FORM-MATCH")
def form_match(facts: CaseFacts) -> Iterator[Finding]:
    yield from _identity_findings(facts)
    for record, form in _forms_used(facts):
        number = record.details.get("form_number")
        if form is None and form_unregistered(facts, record):
            continue  # the register is no part of a ledger row: LEDGER-GAP's (B0.10)
        if form is None:
            problem = _("志愿书编号 %(n)s 不在登记簿中") % {"n": number}
        elif form["issued_to"] != facts.person_pid:
            problem = _("志愿书 %(n)s 发放给了另一人员（%(p)s）") % {
                "n": number,
                "p": form["issued_to"] or "—",
            }
        elif form["status"] not in ACTIVE:
            problem = _("志愿书 %(n)s 已作废或遗失（%(s)s）") % {"n": number, "s": form["status"]}
        else:
            continue
        yield finding(
            "FORM-MATCH",
            problem,
            step=Anchor.FORM,
            record=record.id,
            evidence={"form_number": number, "register": dict(form) if form else None},
        )


@check("PRE-DISTRICT")
def pre_district(facts: CaseFacts) -> Iterator[Finding]:
    """The form used at S14 was issued after a district pass (PRE-DISTRICT's own date is the form's issue
    date; a form not in the register is FORM-MATCH's)."""
    if not facts.limits.district_prereview:
        return
    for record, form in _forms_used(facts):
        if form is None or form["issued_to"] != facts.person_pid or not form.get("issued_on"):
            continue
        issued = datetime.date.fromisoformat(str(form["issued_on"]))
        if not in_force("PRE-DISTRICT", issued) or district_pass_on(facts, issued):
            continue
        unnamed = [r for r in facts.all(Anchor.PREREVIEW) if r.passed() and unheld(r, "reviewer")]
        if any(r.date <= issued for r in unnamed):
            continue  # a ledger's pre-review names no reviewer: it may be the district's (B0.10)
        later = next((r.date for r in district_passes(facts)), None)
        yield finding(
            "PRE-DISTRICT",
            _("志愿书 %(n)s 于 %(d)s 发放，此前没有区委组织部预审合格意见")
            % {"n": form["number"], "d": issued.isoformat()},
            step=Anchor.FORM,
            record=record.id,
            evidence={"form_number": form["number"], "issued_on": issued.isoformat(), "district_pass": later},
        )


@check("FORM-ONE")
def form_one(facts: CaseFacts) -> Iterator[Finding]:
    """One form per person, fixed: more than one form standing for the person breaks it; so does the person's
    S14 being recorded while two stand."""
    active = sorted(f["number"] for f in _own_forms(facts) if f["status"] in ACTIVE)
    if len(active) < 2:
        return
    records: list[Rec | None] = [r for r in facts.all(Anchor.FORM) if in_force("FORM-ONE", r.date)] or [None]
    for record in records:
        yield finding(
            "FORM-ONE",
            _("同一人员同时持有多本有效志愿书：%(n)s") % {"n": "、".join(active)},
            step=Anchor.FORM,
            record=record.id if record else None,
            evidence={"active_forms": active},
        )
