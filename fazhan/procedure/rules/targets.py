"""Rules of the development-target stage (procedure.md B.12–17) and the notice's negative list (C)."""

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from fazhan.core.calendar import WorkingDays, add_months, working_days_between
from fazhan.procedure.definition import Anchor, Limits, limit_count, limit_months
from fazhan.procedure.engine import CaseFacts, Finding, Rec, check, finding, in_force
from fazhan.procedure.rules.ledger import unheld
from fazhan.procedure.rules.order import skip_findings

OPINIONS = ("party_group", "contacts", "members", "public")


def cultivation_start(facts: CaseFacts) -> datetime.date | None:
    """The activist date; a transfer without the materials restarts the clock there (Art.12)."""
    activist = facts.first(Anchor.ACTIVIST)
    if activist is None:
        return None
    start = activist.date
    for transfer in facts.transfers:
        moved = datetime.date.fromisoformat(str(transfer["date"]))
        if moved > start and not transfer.get("materials_transferred", False):
            start = moved
    return start


@check("TGT-1YEAR")
def tgt_1year(facts: CaseFacts) -> Iterator[Finding]:
    start = cultivation_start(facts)
    target = facts.first(Anchor.TARGET)
    if start is None or target is None:
        return
    earliest = add_months(start, limit_months("TGT-1YEAR", facts.limits))
    if target.date < earliest:
        yield finding(
            "TGT-1YEAR",
            _("培养考察不满一年（自 %(s)s 起）") % {"s": start},
            step=Anchor.TARGET,
            record=target.id,
            earliest=earliest,
            evidence={"activist": start.isoformat(), "target": target.date.isoformat()},
        )


@check("TGT-OPINION")
def tgt_opinion(facts: CaseFacts) -> Iterator[Finding]:
    """Opinions of the party group, the contacts, the members and the public heard before the 支委会 decides;
    [P] the committee's agreement with the record (S08 agreed). No decision (S07) while its record (S08) is on
    file, or no record (S08) while the introducers, the political review or the training (S09–S11) are: a skip
    (B0.7). A ledger's S07 holds no opinions (B0.10)."""
    yield from skip_findings(facts, Anchor.TARGET)
    yield from skip_findings(facts, Anchor.TARGET_FILING)
    for record in facts.all(Anchor.TARGET):
        missing = [o for o in OPINIONS if o not in (record.details.get("opinions_heard") or [])]
        if missing and not unheld(record, "opinions_heard"):
            yield finding(
                "TGT-OPINION",
                _("确定发展对象前未听取以下意见：%(m)s") % {"m": "、".join(missing)},
                step=Anchor.TARGET,
                record=record.id,
                evidence={"missing": missing},
            )
    for record in facts.all(Anchor.TARGET_FILING):
        if record.details.get("agreed") is False:
            yield finding(
                "TGT-OPINION",
                _("上级党委未同意确定该发展对象"),
                severity="ERROR",
                step=Anchor.TARGET_FILING,
                record=record.id,
                evidence={"agreed": False},
            )


def publicity_days(first: datetime.date, last: datetime.date, limits: Limits) -> tuple[WorkingDays, bool]:
    """TGT-NOTICE's measure of a 公示 from `first` to `last`: its working days (make-up workdays counted,
    inclusive) and whether they are enough. The notices app holds a notice's period to the same measure."""
    days = working_days_between(first, last)
    return days, days.count >= limit_count("TGT-NOTICE", limits)


@check("TGT-NOTICE")
def tgt_notice(facts: CaseFacts) -> Iterator[Finding]:
    """[P] A 公示 of at least 5 working days (make-up workdays counted), ended before the record request."""
    target, filing = facts.first(Anchor.TARGET), facts.first(Anchor.TARGET_FILING)
    if target is None:
        return
    start, end = target.details.get("publicity_from"), target.details.get("publicity_to")
    if not (start and end):
        if not (unheld(target, "publicity_from") and unheld(target, "publicity_to")):  # a ledger's: B0.10
            yield finding("TGT-NOTICE", _("没有公示记录"), step=Anchor.TARGET, record=target.id)
        return
    first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    days, enough = publicity_days(first, last, facts.limits)
    evidence = {"from": start, "to": end, "working_days": days.count, "provisional": days.provisional}
    if not enough:
        yield finding(
            "TGT-NOTICE",
            _("公示仅 %(n)d 个工作日（应不少于 %(min)d 个）")
            % {"n": days.count, "min": limit_count("TGT-NOTICE", facts.limits)},
            step=Anchor.TARGET,
            record=target.id,
            evidence=evidence,
        )
    if filing is not None and last >= filing.date:
        yield finding(
            "TGT-NOTICE",
            _("公示在报上级党委备案时尚未结束"),
            step=Anchor.TARGET_FILING,
            record=filing.id,
            evidence={**evidence, "filed": filing.date.isoformat()},
        )


@check("INTRO-2")
def intro_2(facts: CaseFacts) -> Iterator[Finding]:
    """Two introducers, each a full member with rights; none settled while the branch committee reviews the
    case (S12) is a skip (B0.7)."""
    yield from skip_findings(facts, Anchor.INTRODUCERS)
    for record in facts.all(Anchor.INTRODUCERS):
        introducers = record.details.get("introducers") or []
        if len(introducers) != facts.limits.introducers:
            yield finding(
                "INTRO-2",
                _("入党介绍人应为%(n)d名（现为%(k)d名）")
                % {"n": facts.limits.introducers, "k": len(introducers)},
                step=Anchor.INTRODUCERS,
                record=record.id,
                evidence={"introducers": introducers},
            )
        for pid in introducers:
            member = facts.members.get(pid)
            if member is None or not member.full_member_on(record.date):
                yield finding(
                    "INTRO-2",
                    _("入党介绍人 %(p)s 不是正式党员") % {"p": pid},
                    step=Anchor.INTRODUCERS,
                    record=record.id,
                    evidence={"introducer": pid},
                )
            elif member.rights_restricted_on(record.date):
                yield finding(
                    "INTRO-2",
                    _("入党介绍人 %(p)s 正在留党察看期间，未恢复党员权利") % {"p": pid},
                    step=Anchor.INTRODUCERS,
                    record=record.id,
                    evidence={"introducer": pid},
                )


def floating_open_on(facts: CaseFacts, day: datetime.date) -> list:
    """The person's records of flowing out or in (CaseFacts.floating_records) open on `day`."""
    return [
        r for r in facts.floating_records if r["since"] <= day and (r["until"] is None or r["until"] >= day)
    ]


def floating_opinions_missing(facts: CaseFacts, review: Rec) -> list[str]:
    """The 户籍 (home) and residence orgs of each floating record open on the review's date whose opinion the
    review does not name: an org of the tree by its code (floating_opinions), one outside the district by the
    opinions named outside it (floating_opinions_outside)."""
    given = set(review.details.get("floating_opinions") or [])
    outside = str(review.details.get("floating_opinions_outside") or "").strip()
    missing: list[str] = []
    for record in floating_open_on(facts, review.date):
        for side, key in ((_("户籍地"), "home"), (_("居住地"), "residence")):
            code = record[key]
            if (code and code not in given) or (not code and not outside):
                label = f"{side}{record[key + '_name'] or code}"
                if label not in missing:
                    missing.append(label)
    return missing


def _floating_opinions(facts: CaseFacts, review: Rec) -> Iterator[Finding]:
    """A floating person's review needs the opinions of both the 户籍 org and the residence org (Art.16):
    those of their open floating records by name, else (the person only marked floating) two opinions."""
    if unheld(review, "floating_opinions"):
        return
    evidence = {
        "floating_opinions": review.details.get("floating_opinions") or [],
        "floating_opinions_outside": review.details.get("floating_opinions_outside") or "",
    }
    if floating_open_on(facts, review.date):
        missing = floating_opinions_missing(facts, review)
        if missing:
            yield finding(
                "POL-DONE",
                _("流动人员须有户籍地和居住地党组织的意见，缺少：%(missing)s")
                % {"missing": "、".join(missing)},
                step=Anchor.POLITICAL_REVIEW,
                record=review.id,
                evidence={**evidence, "missing": missing},
            )
        return
    named = len(set(evidence["floating_opinions"])) + bool(str(evidence["floating_opinions_outside"]).strip())
    if facts.floating and named < 2:
        yield finding(
            "POL-DONE",
            _("流动人员须有户籍地和居住地党组织的意见"),
            step=Anchor.POLITICAL_REVIEW,
            record=review.id,
            evidence={"floating_opinions": evidence["floating_opinions"]},
        )


@check("POL-DONE")
def pol_done(facts: CaseFacts) -> Iterator[Finding]:
    """A passing written conclusion before the branch meeting; no political review at all while the branch
    committee reviews the case (S12) is a skip (B0.7) — reported on the S12, not again on the meeting;
    [P] dated before the pre-review; floating persons need both household and residence opinions (a ledger's
    S10 holds none: B0.10); [P] not older than 12 months at the meeting."""
    skipped = list(skip_findings(facts, Anchor.POLITICAL_REVIEW))
    yield from skipped
    review, meeting, prereview = (
        facts.first(Anchor.POLITICAL_REVIEW),
        facts.first(Anchor.BRANCH_MEETING),
        facts.first(Anchor.PREREVIEW),
    )
    if meeting is not None and (review is None or review.date > meeting.date) and not skipped:
        yield finding(
            "POL-DONE",
            _("支部大会前没有合格的政治审查结论"),
            step=Anchor.BRANCH_MEETING,
            record=meeting.id,
            evidence={
                "reviews": [
                    (r.date.isoformat(), r.details.get("result")) for r in facts.all(Anchor.POLITICAL_REVIEW)
                ]
            },
        )
    if review is None:
        return
    if prereview is not None and review.date > prereview.date:
        yield finding(
            "POL-DONE",
            _("政治审查结论晚于预审"),
            severity="ERROR",
            step=Anchor.POLITICAL_REVIEW,
            record=review.id,
            evidence={"review": review.date.isoformat(), "prereview": prereview.date.isoformat()},
        )
    yield from _floating_opinions(facts, review)
    if meeting is not None and meeting.date > add_months(review.date, limit_months("POL-DONE", facts.limits)):
        yield finding(
            "POL-DONE",
            _("政审结论已超过一年"),
            severity="WARN",
            step=Anchor.BRANCH_MEETING,
            record=meeting.id,
            evidence={"review": review.date.isoformat(), "meeting": meeting.date.isoformat()},
        )


@check("TRN-MIN")
def trn_min(facts: CaseFacts) -> Iterator[Finding]:
    """At least 3 days or 24 class hours, given by a 基层党委 or the county 组织部, unless an exception with a
    written reason is recorded; [P] not more than 12 months before the branch meeting. No training at all
    while the branch committee reviews the case (S12) is a skip (B0.7); a ledger's S11 holds neither the days
    nor the hours (B0.10)."""
    yield from skip_findings(facts, Anchor.TRAINING)
    meeting = facts.first(Anchor.BRANCH_MEETING)
    for record in facts.all(Anchor.TRAINING):
        d = record.details
        exempt = bool((d.get("exception_reason") or "").strip()) or (
            unheld(record, "days") and unheld(record, "hours")
        )
        long_enough = (d.get("days") or 0) >= facts.limits.training_min_days or (
            d.get("hours") or 0
        ) >= facts.limits.training_min_hours
        if not long_enough and not exempt:
            yield finding(
                "TRN-MIN",
                _("集中培训不足%(d)d天或%(h)d学时")
                % {"d": facts.limits.training_min_days, "h": facts.limits.training_min_hours},
                step=Anchor.TRAINING,
                record=record.id,
                evidence={"days": d.get("days"), "hours": d.get("hours")},
            )
        provider = facts.orgs.get(d.get("provider") or "")
        if d.get("provider") and (
            provider is None or provider.kind not in ("committee", "district_committee")
        ):
            yield finding(
                "TRN-MIN",
                _("培训应由基层党委或县级党委组织部门举办"),
                step=Anchor.TRAINING,
                record=record.id,
                evidence={"provider": d.get("provider")},
            )
        if meeting is not None and meeting.date > add_months(record.date, facts.limits.training_valid_months):
            yield finding(
                "TRN-MIN",
                _("培训结业已超过一年"),
                severity="WARN",
                step=Anchor.BRANCH_MEETING,
                record=meeting.id,
                evidence={"training": record.date.isoformat(), "meeting": meeting.date.isoformat()},
            )


@check("NEG-LIST")
def neg_list(facts: CaseFacts) -> Iterator[Finding]:
    """The reviewer's negative-list check (the notice, section C): any item that applies blocks admission."""
    for record in facts.all(Anchor.POLITICAL_REVIEW):
        applies = sorted(k for k, v in (record.details.get("negative_list") or {}).items() if v)
        if in_force("NEG-LIST", record.date) and applies:
            yield finding(
                "NEG-LIST",
                _("政治审查负面清单有适用项：%(items)s") % {"items": "、".join(applies)},
                step=Anchor.POLITICAL_REVIEW,
                record=record.id,
                evidence={"applies": applies},
            )
