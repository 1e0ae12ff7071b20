"""Rules of the activist stage (procedure.md B.6–11)."""

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import Anchor, limit_months
from fazhan.procedure.engine import CaseFacts, Finding, check, finding
from fazhan.procedure.rules.ledger import unheld, window_in_ledger
from fazhan.procedure.rules.order import skip_findings
from fazhan.procedure.rules.windows import empty_windows


@check("ACT-PRE")
def act_pre(facts: CaseFacts) -> Iterator[Finding]:
    """A recommendation and a decision by the branch committee — or by the branch meeting where the branch
    is too small to have a committee (支部工作条例 Art.20). [P] The talk came before the decision. No S03 at
    all while its filing (S04) or the contacts (S05) are on record is a skip (B0.7)."""
    yield from skip_findings(facts, Anchor.ACTIVIST)
    talk = facts.first(Anchor.TALK)
    has_committee = facts.branch.full_members >= facts.limits.committee_min_full_members
    for record in facts.all(Anchor.ACTIVIST):
        method, body = record.details.get("method"), record.details.get("decided_by")
        evidence = {"method": method, "decided_by": body, "full_members": facts.branch.full_members}
        if not method and not unheld(record, "method"):
            yield finding(
                "ACT-PRE",
                _("没有推荐方式的记录（党员推荐、群团组织推优或其他）"),
                step=Anchor.ACTIVIST,
                record=record.id,
                evidence=evidence,
            )
        if not body:
            if not unheld(record, "decided_by"):  # a ledger row holds no deciding body (B0.10)
                yield finding(
                    "ACT-PRE",
                    _("没有确定积极分子的会议记录（支委会或支部大会）"),
                    step=Anchor.ACTIVIST,
                    record=record.id,
                    evidence=evidence,
                )
        elif body == "branch_meeting" and has_committee:
            yield finding(
                "ACT-PRE",
                _("设有支委会的支部应由支委会确定积极分子"),
                step=Anchor.ACTIVIST,
                record=record.id,
                evidence=evidence,
            )
        if talk is not None and record.date <= talk.date:
            yield finding(
                "ACT-PRE",
                _("确定积极分子应在谈话之后（谈话日期 %(d)s）") % {"d": talk.date},
                severity="ERROR",
                step=Anchor.ACTIVIST,
                record=record.id,
                evidence={"talk": talk.date.isoformat(), "activist": record.date.isoformat()},
            )


@check("ACT-GAP")
def act_gap(facts: CaseFacts) -> Iterator[Finding]:
    application, activist = facts.first(Anchor.APPLICATION), facts.first(Anchor.ACTIVIST)
    if application is None or activist is None:
        return
    earliest = add_months(application.date, limit_months("ACT-GAP", facts.limits))
    if activist.date < earliest:
        yield finding(
            "ACT-GAP",
            _("递交申请不满%(n)d个月即确定为积极分子") % {"n": limit_months("ACT-GAP", facts.limits)},
            step=Anchor.ACTIVIST,
            record=activist.id,
            earliest=earliest,
            evidence={"application": application.date.isoformat(), "activist": activist.date.isoformat()},
        )


@check("ACT-FILE")
def act_file(facts: CaseFacts) -> Iterator[Finding]:
    """The record (备案) is made with a committee above the branch; none while the target is decided (S07) is
    a skip (B0.7)."""
    yield from skip_findings(facts, Anchor.ACTIVIST_FILING)
    for record in facts.all(Anchor.ACTIVIST_FILING):
        code = record.details.get("filed_with")
        org = facts.orgs.get(code) if code else None
        if (
            org is None
            or org.kind not in ("committee", "district_committee")
            or not org.is_above(facts.branch)
        ):
            yield finding(
                "ACT-FILE",
                _("积极分子应报上级党委备案（备案单位：%(o)s）") % {"o": code or _("未填写")},
                step=Anchor.ACTIVIST_FILING,
                record=record.id,
                evidence={"filed_with": code, "branch": facts.branch.code},
            )


@check("ACT-CONTACT")
def act_contact(facts: CaseFacts) -> Iterator[Finding]:
    """1 to 2 contacts, each a full member on the assignment date; none assigned while the cultivation (S06)
    is on record is a skip (B0.7)."""
    yield from skip_findings(facts, Anchor.CONTACTS)
    low, high = facts.limits.contacts_min, facts.limits.contacts_max
    for record in facts.all(Anchor.CONTACTS):
        contacts = record.details.get("contacts") or []
        if not low <= len(contacts) <= high:
            yield finding(
                "ACT-CONTACT",
                _("培养联系人应为%(low)d至%(high)d名（现为%(n)d名）")
                % {"low": low, "high": high, "n": len(contacts)},
                step=Anchor.CONTACTS,
                record=record.id,
                evidence={"contacts": contacts},
            )
        for pid in contacts:
            member = facts.members.get(pid)
            if member is None or not member.full_member_on(record.date):
                yield finding(
                    "ACT-CONTACT",
                    _("培养联系人 %(p)s 在指定之日不是正式党员") % {"p": pid},
                    step=Anchor.CONTACTS,
                    record=record.id,
                    evidence={"contact": pid, "date": record.date.isoformat()},
                )


def empty_cultivation_windows(facts: CaseFacts) -> Iterator[tuple[str, datetime.date, datetime.date]]:
    """(kind, first day, last day) of every window from the activist date to the target date (or the as-of
    date) holding no cultivation record (S06) of its kind: examinations by the half year, thought reports
    by the quarter."""
    activist = facts.first(Anchor.ACTIVIST)
    if activist is None:
        return
    target = facts.first(Anchor.TARGET)
    end = target.date if target else facts.as_of
    records = list(facts.all(Anchor.CULTIVATION))
    limits = facts.limits
    for kind, months in (
        ("examination", limit_months("ACT-HALFYEAR", limits)),
        ("thought_report", limit_months("ACT-REPORT", limits)),
    ):
        for first, last in empty_windows(records, kind=kind, start=activist.date, end=end, months=months):
            yield kind, first, last


def _windows(facts: CaseFacts, rule: str, kind: str, message: str) -> Iterator[Finding]:
    """The rule's empty windows; one that ran within a migrated ledger's time, which cannot hold S06, is
    LEDGER-GAP's (B0.10)."""
    target = facts.first(Anchor.TARGET)
    for of_kind, first, last in empty_cultivation_windows(facts):
        if of_kind != kind or window_in_ledger(facts, Anchor.CULTIVATION, last):
            continue
        yield finding(
            rule,
            message % {"from": first, "to": last},
            step=Anchor.CULTIVATION,
            record=target.id if target else None,
            evidence={"window": [first.isoformat(), last.isoformat()]},
        )


@check("ACT-HALFYEAR")
def act_halfyear(facts: CaseFacts) -> Iterator[Finding]:
    """An examination in every half year from the activist date to the target date. No cultivation record
    (S06) at all while the target is decided (S07) is a skip (B0.7): reported as that, not window by
    window."""
    skipped = list(skip_findings(facts, Anchor.CULTIVATION))
    yield from skipped
    if skipped:
        return
    yield from _windows(
        facts, "ACT-HALFYEAR", "examination", _("%(from)s 至 %(to)s 的半年内没有支部考察记录")
    )


@check("ACT-REPORT")
def act_report(facts: CaseFacts) -> Iterator[Finding]:
    yield from _windows(facts, "ACT-REPORT", "thought_report", _("%(from)s 至 %(to)s 的季度内没有思想汇报"))
