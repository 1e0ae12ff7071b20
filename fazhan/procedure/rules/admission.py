"""Rules of the admission stage (procedure.md B.18–28): pre-review, the branch meeting, the committee talk,
approval and its record with the next level.

Who owns which fact (B0.7), beside SEQ-ORDER, which owns every step dated before its prerequisite's record:
- S14 with no passing S13 at all: PRE-REVIEW (a skip). PRE-REVIEW also owns an S14 whose passing pre-reviews
  before it are none of them the township committee's (only the district's, or a body that is no 基层党委).
- S15 with no S14 at all: ACC-PRE-PASS (a skip). ACC-PRE-PASS also owns an S15 that has its S14 but no passing
  S13 on or before the meeting (a form filled in although the review failed or was returned, then a meeting).
- S16 with no S15 at all: ACC-RESOLUTION (a skip: no resolution).
- S17 with no S16 at all: APV-TALK (a skip). APV-TALK also owns an S16 whose talkers are not named or include
  no member of a committee with approval authority (a 基层党委 member or its 组织员).
- S18–S22 with no S17 at all: APV-AUTH (a skip: no approval by a committee with authority).
- Quorum and majority of both meetings (S15, S23): ACC-QUORUM and ACC-MAJORITY. A record that lacks the vote
  counts they read is judged by neither: for S15 that is ACC-RESOLUTION's fact. Impossible arithmetic (more
  votes than present, more present than entitled) is VIO-VOTES'.
- The district's pre-review is PRE-DISTRICT's (section C), not judged here.
A ledger's records (B0.10) hold no reviewer, no vote counts, no special reason and no S16 or S18: what the
rules would find only for that is LEDGER-GAP's.
"""

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import Anchor, limit_months
from fazhan.procedure.engine import CaseFacts, Finding, Rec, check, finding, overdue
from fazhan.procedure.rules.ledger import clock_in_ledger, detail_label, unheld, unheld_reason
from fazhan.procedure.rules.order import skip_findings

COMMITTEE = "committee"  # OrgFacts.kind of a 基层党委 with approval authority (the township committee)
VOTE_KEYS = ("entitled", "present", "for", "against", "abstain")


def _is_committee(facts: CaseFacts, code: Any) -> bool:
    org = facts.orgs.get(code) if isinstance(code, str) else None
    return org is not None and org.kind == COMMITTEE


def _passes(facts: CaseFacts, *, committee: bool = False) -> list[Rec]:
    """The passing pre-reviews (S13), in date order; `committee`: only the township committee's."""
    return [
        r
        for r in facts.all(Anchor.PREREVIEW)
        if r.passed() and (not committee or _is_committee(facts, r.details.get("reviewer")))
    ]


def unknown_reviewer(record: Rec) -> bool:
    """A ledger's pre-review names no reviewer: whose pass it was is unknown (B0.10)."""
    return unheld(record, "reviewer")


def _int(details: Any, key: str) -> int | None:
    value = details.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _meetings(facts: CaseFacts) -> Iterator[Rec]:
    """Every branch meeting that votes on a person: admission (S15) and each conversion round (S23)."""
    return (r for r in facts.records if r.step in (Anchor.BRANCH_MEETING, Anchor.CONVERSION_MEETING))


@check("PRE-REVIEW")
def pre_review(facts: CaseFacts) -> Iterator[Finding]:
    """The 志愿书 (S14) only after a written pass by the 基层党委: no passing pre-review at all is a skip
    (B0.7); passes only after the form are SEQ-ORDER's; passes before it none of which is the committee's
    are reported here — unless one is a ledger's, which names no reviewer (B0.10)."""
    yield from skip_findings(facts, Anchor.PREREVIEW)
    for form in facts.all(Anchor.FORM):
        passes = _passes(facts)
        if not any(r.date <= form.date for r in passes):
            continue  # the skip above, or SEQ-ORDER
        if any(
            r.date <= form.date and (_is_committee(facts, r.details.get("reviewer")) or unknown_reviewer(r))
            for r in passes
        ):
            continue
        committee = _passes(facts, committee=True)
        later = min((r.date for r in committee), default=None)
        yield finding(
            "PRE-REVIEW",
            _("填写入党志愿书前没有基层党委预审合格的书面意见（已有的预审合格意见来自：%(by)s）")
            % {"by": "、".join(sorted({str(r.details.get("reviewer", "")) for r in passes}))},
            step=Anchor.FORM,
            record=form.id,
            earliest=later,
            evidence={
                "form_date": form.date.isoformat(),
                "passes": [
                    {"reviewer": r.details.get("reviewer"), "date": r.date.isoformat()}
                    for r in passes
                    if r.date <= form.date
                ],
            },
        )


@check("PRE-LEAVE")
def pre_leave(facts: CaseFacts) -> Iterator[Finding]:
    """A planned departure from the unit within 3 months after the committee's pre-review pass: the admission
    should normally stop (Art.19). Reported on that pass; it does not refuse (the committee may go on)."""
    leaving = facts.planned_departure
    committee = _passes(facts, committee=True)
    if leaving is None or not committee:
        return
    review = committee[0]
    months = limit_months("PRE-LEAVE", facts.limits)
    limit = add_months(review.date, months)
    if review.date <= leaving <= limit:
        yield finding(
            "PRE-LEAVE",
            _("预审通过后%(m)d个月内（%(d)s）将离开工作单位，一般不应继续办理接收")
            % {"m": months, "d": leaving.isoformat()},
            step=Anchor.PREREVIEW,
            record=review.id,
            evidence={
                "prereview": review.date.isoformat(),
                "planned_departure": leaving.isoformat(),
                "limit": limit.isoformat(),
            },
        )


@check("ACC-AFTER-PRE")
def acc_after_pre(facts: CaseFacts) -> Iterator[Finding]:
    """[P] The branch meeting within 1 month of the pre-review pass that let the form be issued: the latest
    passing S13 on or before the meeting. Overdue when the month has passed with no meeting (B0.4)."""
    meeting = facts.first(Anchor.BRANCH_MEETING)
    cutoff = meeting.date if meeting else facts.as_of
    before = [r for r in _passes(facts) if r.date <= cutoff]
    if not before:
        return  # no pass before the meeting: ACC-PRE-PASS (or SEQ-ORDER)
    review = before[-1]
    deadline = add_months(review.date, limit_months("ACC-AFTER-PRE", facts.limits))
    evidence = {"prereview": review.date.isoformat(), "deadline": deadline.isoformat()}
    if meeting is not None and meeting.date > deadline:
        yield finding(
            "ACC-AFTER-PRE",
            _("支部大会晚于预审通过后%(m)d个月（应在 %(d)s 前召开）")
            % {"m": facts.limits.meeting_after_prereview_months, "d": deadline.isoformat()},
            step=Anchor.BRANCH_MEETING,
            record=meeting.id,
            evidence={**evidence, "meeting": meeting.date.isoformat()},
        )
    elif meeting is None and overdue(facts, deadline):
        yield finding(
            "ACC-AFTER-PRE",
            _("预审通过已超过%(m)d个月仍未召开支部大会（应在 %(d)s 前召开）")
            % {"m": facts.limits.meeting_after_prereview_months, "d": deadline.isoformat()},
            step=Anchor.BRANCH_MEETING,
            evidence=evidence,
        )


@check("ACC-PRE-PASS")
def acc_pre_pass(facts: CaseFacts) -> Iterator[Finding]:
    """The branch meeting only after a pre-review pass and the 志愿书: no form at all is a skip (B0.7), a form
    only after the meeting SEQ-ORDER's; this rule also reports a meeting that has its form but no passing S13
    before it."""
    yield from skip_findings(facts, Anchor.FORM)
    passes = _passes(facts)
    for meeting in facts.all(Anchor.BRANCH_MEETING):
        if not any(r.date <= meeting.date for r in facts.all(Anchor.FORM)):
            continue  # the skip above, or SEQ-ORDER
        if any(r.date <= meeting.date for r in passes):
            continue
        later = min((r.date for r in passes if r.date > meeting.date), default=None)
        yield finding(
            "ACC-PRE-PASS",
            _("支部大会召开前没有预审合格的记录"),
            step=Anchor.BRANCH_MEETING,
            record=meeting.id,
            earliest=later,
            evidence={
                "meeting": meeting.date.isoformat(),
                "prereviews": [
                    {
                        "reviewer": r.details.get("reviewer"),
                        "result": r.details.get("result"),
                        "date": r.date.isoformat(),
                    }
                    for r in facts.all(Anchor.PREREVIEW)
                    if r.date <= meeting.date
                ],
            },
        )


@check("ACC-QUORUM")
def acc_quorum(facts: CaseFacts) -> Iterator[Finding]:
    """Attending voting members > E/2, E = full members entitled to attend; both meetings (S15, S23)."""
    for meeting in _meetings(facts):
        entitled, present = _int(meeting.details, "entitled"), _int(meeting.details, "present")
        if entitled is None or present is None:
            continue  # ACC-RESOLUTION's fact (S15)
        if 2 * present <= entitled:
            yield finding(
                "ACC-QUORUM",
                _("到会有表决权的党员 %(p)d 人，未超过应到会 %(e)d 人的半数") % {"p": present, "e": entitled},
                step=meeting.step,
                record=meeting.id,
                evidence={"entitled": entitled, "present": present, "date": meeting.date.isoformat()},
            )


@check("ACC-MAJORITY")
def acc_majority(facts: CaseFacts) -> Iterator[Finding]:
    """A secret ballot, and for + written_for > E/2: the denominator is E, not the number present; absent full
    members' written opinions count as votes. Both meetings (S15, S23)."""
    for meeting in _meetings(facts):
        details = meeting.details
        if details.get("secret_ballot") is False:
            yield finding(
                "ACC-MAJORITY",
                _("未采取无记名投票方式表决"),
                step=meeting.step,
                record=meeting.id,
                evidence={"secret_ballot": False, "date": meeting.date.isoformat()},
            )
        entitled, votes_for = _int(details, "entitled"), _int(details, "for")
        if entitled is None or votes_for is None:
            continue  # ACC-RESOLUTION's fact (S15)
        written = _int(details, "written_for") or 0
        if 2 * (votes_for + written) <= entitled:
            yield finding(
                "ACC-MAJORITY",
                _("赞成 %(f)d 票（含书面意见 %(w)d 票），未超过应到会有表决权党员 %(e)d 人的半数")
                % {"f": votes_for + written, "w": written, "e": entitled},
                step=meeting.step,
                record=meeting.id,
                evidence={
                    "entitled": entitled,
                    "present": _int(details, "present"),
                    "for": votes_for,
                    "written_for": written,
                    "date": meeting.date.isoformat(),
                },
            )


@check("ACC-ONEBYONE")
def acc_one_by_one(facts: CaseFacts) -> Iterator[Finding]:
    """One discussion and one ballot per target (the admission meeting, S15)."""
    for meeting in facts.all(Anchor.BRANCH_MEETING):
        if meeting.details.get("one_by_one") is False:
            yield finding(
                "ACC-ONEBYONE",
                _("支部大会未逐个讨论、逐个表决"),
                step=Anchor.BRANCH_MEETING,
                record=meeting.id,
                evidence={"one_by_one": False, "date": meeting.date.isoformat()},
            )


@check("ACC-RESOLUTION")
def acc_resolution(facts: CaseFacts) -> Iterator[Finding]:
    """The S15 record is the resolution (B0.8): it must hold E, the number present and the result (the votes
    for, against and abstaining). Live entry requires these keys; imported history may lack them (a ledger's
    always does: B0.10). No meeting at all while the committee's talk (S16) is on record is a skip (B0.7):
    there is no resolution."""
    yield from skip_findings(facts, Anchor.BRANCH_MEETING)
    for meeting in facts.all(Anchor.BRANCH_MEETING):
        missing = [k for k in VOTE_KEYS if _int(meeting.details, k) is None]
        if missing and not all(unheld(meeting, k) for k in missing):
            yield finding(
                "ACC-RESOLUTION",
                _("支部大会决议缺少：%(keys)s") % {"keys": "、".join(detail_label(k) for k in missing)},
                step=Anchor.BRANCH_MEETING,
                record=meeting.id,
                evidence={"missing": missing, "date": meeting.date.isoformat()},
            )


@check("APV-AUTH")
def apv_auth(facts: CaseFacts) -> Iterator[Finding]:
    """The approver is a 党委 with approval authority: here the township committee (kind "committee"); a
    general branch, branch, temporary branch or the district is none. Every decision of the admission (S17)
    and of the conversion (S24, Art.34: the same committee approves) is judged; one that names no approver
    is not. No S17 at all while a step of probation (S18–S22) is on record is a skip (B0.7): no committee
    approved the admission."""
    yield from skip_findings(facts, Anchor.APPROVAL)
    for decision in [*facts.all(Anchor.APPROVAL), *facts.all(Anchor.CONVERSION_APPROVAL)]:
        approver = decision.details.get("approver")
        if not approver or _is_committee(facts, approver):
            continue
        org = facts.orgs.get(approver)
        yield finding(
            "APV-AUTH",
            _("审批组织（%(org)s）不是具有审批权的基层党委") % {"org": approver},
            step=decision.step,
            record=decision.id,
            evidence={"approver": approver, "kind": org.kind if org else None},
        )


@check("APV-TALK")
def apv_talk(facts: CaseFacts) -> Iterator[Finding]:
    """The committee's talk (S16) is held by a member of a committee with approval authority (a 党委委员 or
    its 组织员): at least one talker must belong to a kind "committee" org. A talk that names no talker
    does not show it. No talk at all while the approval (S17) is on record is a skip (B0.7); a talk only
    after the approval SEQ-ORDER's."""
    yield from skip_findings(facts, Anchor.COMMITTEE_TALK)
    for talk in facts.all(Anchor.COMMITTEE_TALK):
        talkers = talk.details.get("talkers") or []
        orgs = {pid: facts.members[pid].org_code if pid in facts.members else None for pid in talkers}
        if any(_is_committee(facts, code) for code in orgs.values()):
            continue
        yield finding(
            "APV-TALK",
            _("上级党委谈话未记录谈话人") if not talkers else _("谈话人不是上级党委委员或组织员"),
            step=Anchor.COMMITTEE_TALK,
            record=talk.id,
            evidence={"talkers": orgs, "date": talk.date.isoformat()},
        )


@check("APV-TIME")
def apv_time(facts: CaseFacts) -> Iterator[Finding]:
    """Approval (the first approving S17) within 3 months of the branch meeting; up to 6 months with a
    recorded special reason (ERROR without one); never later (BLOCK). No decision yet: overdue by the
    same limits."""
    meeting = facts.first(Anchor.BRANCH_MEETING)
    if meeting is None:
        return
    limits = facts.limits
    normal = add_months(meeting.date, limit_months("APV-TIME", limits))
    special = add_months(meeting.date, limits.approval_special_months)
    evidence: dict[str, Any] = {
        "meeting": meeting.date.isoformat(),
        "deadline": normal.isoformat(),
        "special_deadline": special.isoformat(),
    }
    approval = facts.first(Anchor.APPROVAL)
    if approval is not None:
        reason = str(approval.details.get("special_reason") or "").strip()
        evidence = {**evidence, "approval": approval.date.isoformat(), "special_reason": reason}
        if approval.date > special:
            yield finding(
                "APV-TIME",
                _("审批距支部大会超过%(m)d个月（最迟 %(d)s）")
                % {"m": limits.approval_special_months, "d": special},
                step=Anchor.APPROVAL,
                record=approval.id,
                evidence=evidence,
            )
        elif approval.date > normal and not reason and not unheld_reason(facts, approval):
            yield finding(
                "APV-TIME",
                _("审批距支部大会超过%(m)d个月（%(d)s 前），且未记录特殊原因")
                % {"m": limits.approval_months, "d": normal},
                severity="ERROR",
                step=Anchor.APPROVAL,
                record=approval.id,
                evidence=evidence,
            )
    elif not facts.all(Anchor.APPROVAL):  # a rejection is a decision: the clock stops
        yield from _apv_overdue(facts, normal, special, evidence)


def _apv_overdue(
    facts: CaseFacts, normal: datetime.date, special: datetime.date, evidence: dict[str, Any]
) -> Iterator[Finding]:
    limits = facts.limits
    if overdue(facts, special):
        yield finding(
            "APV-TIME",
            _("支部大会后已超过%(m)d个月仍未审批（最迟 %(d)s）")
            % {"m": limits.approval_special_months, "d": special},
            step=Anchor.APPROVAL,
            evidence=evidence,
        )
    elif overdue(facts, normal):
        yield finding(
            "APV-TIME",
            _("支部大会后已超过%(m)d个月仍未审批（应在 %(d)s 前）")
            % {"m": limits.approval_months, "d": normal},
            severity="ERROR",
            step=Anchor.APPROVAL,
            evidence=evidence,
        )


@check("APV-FILE")
def apv_file(facts: CaseFacts) -> Iterator[Finding]:
    """The record with the next-level organization department (S18) made promptly after the approval; a
    migrated ledger holds no S18, so a deadline that passed within its time is LEDGER-GAP's (B0.10)."""
    approval = facts.first(Anchor.APPROVAL)
    if approval is None:
        return
    deadline = add_months(approval.date, limit_months("APV-FILE", facts.limits))
    filing = facts.first(Anchor.APPROVAL_FILING)
    evidence = {"approval": approval.date.isoformat(), "deadline": deadline.isoformat()}
    if filing is not None and filing.date > deadline:
        yield finding(
            "APV-FILE",
            _("审批后未及时报再上一级组织部门备案（应在 %(d)s 前）") % {"d": deadline},
            step=Anchor.APPROVAL_FILING,
            record=filing.id,
            evidence={**evidence, "filing": filing.date.isoformat()},
        )
    elif (
        filing is None
        and overdue(facts, deadline)
        and not clock_in_ledger(facts, Anchor.APPROVAL_FILING, deadline)
    ):
        yield finding(
            "APV-FILE",
            _("审批已超过%(m)d个月仍未报再上一级组织部门备案（应在 %(d)s 前）")
            % {"m": facts.limits.promptly_months, "d": deadline},
            step=Anchor.APPROVAL_FILING,
            evidence=evidence,
        )
