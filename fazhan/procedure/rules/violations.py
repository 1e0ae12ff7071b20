"""The violation detectors of procedure.md D (通知七: 弄虚作假, 带病入党, 近亲繁殖, 人情党员, 突击发展).

No single record proves a violation; each detector reports a signal with its evidence for a person to judge,
with the thresholds of `Limits`. Who owns which fact (B0.7):
- A step dated before its prerequisite is SEQ-ORDER's, an application before the 18th birthday ELIG-AGE's;
  VIO-DATE-ORDER reports only what no rule owns: a record dated before the person's birth (other than the
  application), after its own entry, or after the case ended.
- Quorum and majority are ACC-QUORUM's and ACC-MAJORITY's; VIO-VOTES reports impossible or implausible
  arithmetic: more votes than present, more present than entitled, a unanimous vote with barely a quorum.
- The reviewer's negative list is NEG-LIST's; VIO-DISCIPLINE reads the discipline register.
- A missing recommendation method or decision body is ACT-PRE's, missing opinions TGT-OPINION's, a short
  公示 TGT-NOTICE's; VIO-FAVOUR reports a recommendation by no one in particular (method "other") and a case
  one member carried alone (the talker also a training contact and an introducer).
- Relatives in a case's roles are VIO-KIN-ROLE's only (not ACT-CONTACT's or INTRO-2's).
VIO-KIN-SHARE and VIO-RUSH judge many cases at once (ORG_CHECKS of rules/notice2018.py).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fazhan.core.calendar import add_months
from fazhan.people.choices import DisciplineKind, KinRelation
from fazhan.procedure.definition import Anchor
from fazhan.procedure.engine import CaseFacts, Finding, check, entered_on, finding
from fazhan.procedure.rules.counting import as_date
from fazhan.procedure.rules.ledger import fills_gap
from fazhan.procedure.rules.notice2018 import (
    TreeFacts,
    TreeFinding,
    approvals,
    approvals_by_org_year,
    org_check,
)
from fazhan.procedure.rules.targets import cultivation_start

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

VOTED = (Anchor.BRANCH_MEETING, Anchor.CONVERSION_MEETING)


@check("VIO-BACKDATE")
def vio_backdate(facts: CaseFacts) -> Iterator[Finding]:
    """弄虚作假: a step entered long after the date it claims (recorded_at − date: WARN beyond
    backdate_warn_days, ERROR beyond backdate_error_days), or a correction entered after a later step had
    been recorded (the record was changed once the file had moved on). A record with no entry time (a
    migrated ledger) has nothing to judge, nor has the lag of a record that fills a ledger's gap (B0.10:
    LEDGER-GAP asks for it); a correction is judged by the second signal only."""
    limits = facts.limits
    for record in facts.records:
        entered = entered_on(record)
        if entered is None:
            continue
        if record.supersedes is not None:
            later = [
                r
                for r in facts.records
                if r.date > record.date and r.recorded_at is not None and r.recorded_at < record.recorded_at  # type: ignore[operator]
            ]
            if later:
                yield finding(
                    "VIO-BACKDATE",
                    _("%(s)s 的记录在后续步骤（%(l)s）录入之后被更正")
                    % {"s": record.step, "l": later[0].step},
                    step=record.step,
                    record=record.id,
                    evidence={
                        "date": record.date.isoformat(),
                        "corrected_on": entered.isoformat(),
                        "later_step": later[0].step,
                        "later_entered_on": entered_on(later[0]).isoformat(),  # type: ignore[union-attr]
                    },
                )
            continue
        lag = (entered - record.date).days
        if lag > limits.backdate_warn_days and not fills_gap(facts, record):
            yield finding(
                "VIO-BACKDATE",
                _("%(s)s 于 %(d)s 发生，%(e)s 才录入（相隔 %(n)d 天）")
                % {"s": record.step, "d": record.date, "e": entered, "n": lag},
                severity="ERROR" if lag > limits.backdate_error_days else "WARN",
                step=record.step,
                record=record.id,
                evidence={"date": record.date.isoformat(), "entered_on": entered.isoformat(), "days": lag},
            )


@check("VIO-DATE-ORDER")
def vio_date_order(facts: CaseFacts) -> Iterator[Finding]:
    """弄虚作假: the date pairs no other rule owns — a record dated before the person's birth (the application
    is ELIG-AGE's), after the day it was entered, or after the case ended (exit)."""
    for record in facts.records:
        entered = entered_on(record)
        problem = None
        if record.date < facts.birth_date and record.step != Anchor.APPLICATION:
            problem = _("日期早于本人出生日期（%(b)s）") % {"b": facts.birth_date}
        elif entered is not None and record.date > entered:
            problem = _("日期晚于录入日期（%(e)s）") % {"e": entered}
        elif facts.exited_on is not None and record.date > facts.exited_on:
            problem = _("日期晚于发展档案终止日期（%(x)s）") % {"x": facts.exited_on}
        if problem:
            yield finding(
                "VIO-DATE-ORDER",
                f"{record.step} {record.date}：{problem}",
                step=record.step,
                record=record.id,
                evidence={
                    "date": record.date.isoformat(),
                    "birth_date": facts.birth_date.isoformat(),
                    "entered_on": entered.isoformat() if entered else None,
                    "exited_on": facts.exited_on.isoformat() if facts.exited_on else None,
                },
            )


def _count(details, key: str) -> int | None:
    value = details.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@check("VIO-VOTES")
def vio_votes(facts: CaseFacts) -> Iterator[Finding]:
    """弄虚作假 in the vote of a branch meeting (S15, S23): for + against + abstain > present, or present >
    entitled (ERROR); a unanimous vote with barely a quorum — present at most votes_quorum_margin above the
    smallest quorum (WARN). A record lacking the counts is ACC-RESOLUTION's."""
    for meeting in (r for r in facts.records if r.step in VOTED):
        d = meeting.details
        entitled, present = _count(d, "entitled"), _count(d, "present")
        votes = [_count(d, k) for k in ("for", "against", "abstain")]
        if entitled is None or present is None or None in votes:
            continue
        cast = sum(v for v in votes if v is not None)
        evidence = {
            "date": meeting.date.isoformat(),
            "entitled": entitled,
            "present": present,
            "for": votes[0],
            "against": votes[1],
            "abstain": votes[2],
        }
        if cast > present or present > entitled:
            yield finding(
                "VIO-VOTES",
                _("表决数据不合逻辑：应到 %(e)d，实到 %(p)d，赞成 %(f)d、反对 %(a)d、弃权 %(b)d")
                % {"e": entitled, "p": present, "f": votes[0], "a": votes[1], "b": votes[2]},
                step=meeting.step,
                record=meeting.id,
                evidence=evidence,
            )
            continue
        quorum = entitled // 2 + 1
        if votes[0] == present and quorum <= present <= quorum + facts.limits.votes_quorum_margin:
            yield finding(
                "VIO-VOTES",
                _("到会人数仅勉强过半（%(p)d/%(e)d）且全票赞成") % {"p": present, "e": entitled},
                severity="WARN",
                step=meeting.step,
                record=meeting.id,
                evidence=evidence,
            )


DISCIPLINE_KINDS = ("investigation", "sanction", "criminal", "party_probation")


@check("VIO-DISCIPLINE")
def vio_discipline(facts: CaseFacts) -> Iterator[Finding]:
    """带病入党: the discipline register shows the person under investigation or sanction at any point
    between the activist date (S03) and the approval (S17 approved; until then, the as-of date)."""
    activist = facts.first(Anchor.ACTIVIST)
    if activist is None:
        return
    approval = facts.first(Anchor.APPROVAL)
    end = approval.date if approval else facts.as_of
    for entry in facts.discipline:
        start = as_date(entry["from"])
        stop = as_date(entry["to"]) if entry.get("to") else None
        if entry.get("kind") not in DISCIPLINE_KINDS or start > facts.as_of:
            continue
        if start <= end and (stop is None or stop >= activist.date):
            on = approval or activist
            yield finding(
                "VIO-DISCIPLINE",
                _("培养考察期间（%(a)s 至 %(b)s）本人有纪律记录：%(k)s %(f)s 起")
                % {"a": activist.date, "b": end, "k": DisciplineKind(entry["kind"]).label, "f": start},
                step=on.step,
                record=on.id,
                evidence={
                    "kind": entry.get("kind"),
                    "from": start.isoformat(),
                    "to": stop.isoformat() if stop else None,
                    "activist": activist.date.isoformat(),
                    "approval": approval.date.isoformat() if approval else None,
                },
            )


ROLES: tuple[tuple[str, str, "StrOrPromise"], ...] = (
    (Anchor.TALK, "talkers", gettext_lazy("谈话人")),
    (Anchor.CONTACTS, "contacts", gettext_lazy("培养联系人")),
    (Anchor.INTRODUCERS, "introducers", gettext_lazy("入党介绍人")),
    (Anchor.COMMITTEE_TALK, "talkers", gettext_lazy("上级党委谈话人")),
)


def relation_label(value: str) -> str:
    """The kinship as users read it (父母, 配偶 …); an unknown code as it was declared."""
    return str(KinRelation(value).label) if value in KinRelation.values else value


@check("VIO-KIN-ROLE")
def vio_kin_role(facts: CaseFacts) -> Iterator[Finding]:
    """近亲繁殖: a talker (S02, S16), training contact (S05), introducer (S09) or the secretary of the
    person's branch is a declared close relative of the person (either side declared it). The secretary is
    reported on the activist decision (S03), the first step the branch committee takes on the person."""
    if not facts.kin:
        return
    for step, key, label in ROLES:
        for record in facts.all(step):
            for pid in record.details.get(key) or []:
                if pid in facts.kin:
                    yield finding(
                        "VIO-KIN-ROLE",
                        _("%(role)s %(p)s 是本人的亲属（%(r)s）")
                        % {"role": label, "p": pid, "r": relation_label(facts.kin[pid])},
                        step=step,
                        record=record.id,
                        evidence={"role": key, "relative": pid, "relation": facts.kin[pid]},
                    )
    decision = facts.first(Anchor.ACTIVIST)
    for pid in facts.branch_secretaries:
        if decision is not None and pid in facts.kin:
            yield finding(
                "VIO-KIN-ROLE",
                _("支部书记 %(p)s 是本人的亲属（%(r)s）") % {"p": pid, "r": relation_label(facts.kin[pid])},
                step=Anchor.ACTIVIST,
                record=decision.id,
                evidence={"role": "branch_secretary", "relative": pid, "relation": facts.kin[pid]},
            )


@check("VIO-FAVOUR")
def vio_favour(facts: CaseFacts) -> Iterator[Finding]:
    """人情党员: the activist put forward by no member or mass organization (S03 method "other"), or a case
    one member carried alone — the talker (S02) is also a training contact (S05) and an introducer (S09)."""
    for record in facts.all(Anchor.ACTIVIST):
        if record.details.get("method") == "other":
            yield finding(
                "VIO-FAVOUR",
                _("确定积极分子未经党员推荐或群团组织推优"),
                step=Anchor.ACTIVIST,
                record=record.id,
                evidence={"method": "other"},
            )
    talk, contacts, introducers = (
        facts.first(Anchor.TALK),
        facts.first(Anchor.CONTACTS),
        facts.first(Anchor.INTRODUCERS),
    )
    if talk is None or contacts is None or introducers is None:
        return
    alone = (
        set(talk.details.get("talkers") or [])
        & set(contacts.details.get("contacts") or [])
        & set(introducers.details.get("introducers") or [])
    )
    for pid in sorted(alone):
        yield finding(
            "VIO-FAVOUR",
            _("%(p)s 一人担任谈话人、培养联系人和入党介绍人") % {"p": pid},
            step=Anchor.INTRODUCERS,
            record=introducers.id,
            evidence={"member": pid},
        )


# --- across cases ----------------------------------------------------------------------------------------


@org_check("VIO-KIN-SHARE")
def vio_kin_share(tree: TreeFacts) -> Iterator[TreeFinding]:
    """近亲繁殖: of a branch's new members over the last kin_share_years (approvals up to the as-of date),
    the share who are declared relatives of its committee members (secretary, 支委) exceeds kin_share_max."""
    start = add_months(tree.as_of, -12 * tree.limits.kin_share_years)
    admitted: dict[str, list] = defaultdict(list)
    for a in approvals(tree):
        if a.record.date > start:
            admitted[a.org].append(a)
    for code in sorted(admitted):
        if not tree.in_tree(code):
            continue
        committee = tree.committees.get(code, frozenset())
        relatives = [a for a in admitted[code] if committee & set(a.facts.kin)]
        share = len(relatives) / len(admitted[code])
        if share > tree.limits.kin_share_max:
            yield TreeFinding(
                code,
                finding(
                    "VIO-KIN-SHARE",
                    _("近%(y)d年新党员%(n)d名中%(k)d名是支部委员的亲属（%(s)d%%）")
                    % {
                        "y": tree.limits.kin_share_years,
                        "n": len(admitted[code]),
                        "k": len(relatives),
                        "s": round(share * 100),
                    },
                    evidence={
                        "from": start.isoformat(),
                        "to": tree.as_of.isoformat(),
                        "new_members": len(admitted[code]),
                        "relatives": [a.facts.person_pid for a in relatives],
                    },
                ),
            )


def _at_minimum(facts: CaseFacts, slack: int) -> bool:
    """Activist and target decided within `slack` days of the earliest legal dates (ACT-GAP, TGT-1YEAR)."""
    application, activist, target = (
        facts.first(Anchor.APPLICATION),
        facts.first(Anchor.ACTIVIST),
        facts.first(Anchor.TARGET),
    )
    start = cultivation_start(facts)
    if application is None or activist is None or target is None or start is None:
        return False
    gap = datetime.timedelta(days=slack)
    return (
        activist.date <= add_months(application.date, facts.limits.activist_gap_months) + gap
        and target.date <= add_months(start, facts.limits.target_after_months) + gap
    )


# procedure.md D: a share of a yearly quota of 1 or 2 is no signal (one admission is already half of it).
RUSH_TINY_QUOTA = 2


@org_check("VIO-RUSH")
def vio_rush(tree: TreeFacts) -> Iterator[TreeFinding]:
    """突击发展 (GEN-INDIV): an org's approvals in one month over rush_month_share of its yearly quota (not
    judged for a yearly quota of RUSH_TINY_QUOTA or less); an
    admitted case that moved through the stages at the legal minimum throughout; admissions in the
    rush_election_months before a village election of the person's branch."""
    limits, counted = tree.limits, approvals_by_org_year(tree)
    for (code, year), plan in sorted(tree.plans.items()):
        quota = int(plan.get("quota") or 0)
        if not tree.in_tree(code) or quota <= RUSH_TINY_QUOTA:
            continue
        by_month: dict[int, list] = defaultdict(list)
        for a in counted.get((code, year), []):
            by_month[a.record.date.month].append(a)
        for month, admitted in sorted(by_month.items()):
            if len(admitted) > limits.rush_month_share * quota:
                yield TreeFinding(
                    code,
                    finding(
                        "VIO-RUSH",
                        _("%(y)d年%(m)d月集中发展%(n)d名，超过年度计划（%(q)d名）的%(s)d%%")
                        % {
                            "y": year,
                            "m": month,
                            "n": len(admitted),
                            "q": quota,
                            "s": round(limits.rush_month_share * 100),
                        },
                        evidence={
                            "month": f"{year}-{month:02d}",
                            "quota": quota,
                            "admitted": [a.facts.person_pid for a in admitted],
                        },
                    ),
                )
    for a in approvals(tree):
        if tree.in_tree(a.org) and _at_minimum(a.facts, limits.rush_minimum_slack_days):
            yield TreeFinding(
                a.org,
                finding(
                    "VIO-RUSH",
                    _("确定积极分子和发展对象均在法定最短期限届满时办理"),
                    step=Anchor.APPROVAL,
                    record=a.record.id,
                    evidence={
                        key: a.facts.date_of(step).isoformat()  # type: ignore[union-attr]
                        for key, step in (
                            ("application", Anchor.APPLICATION),
                            ("activist", Anchor.ACTIVIST),
                            ("target", Anchor.TARGET),
                        )
                    },
                ),
                person=a.facts.person_pid,
            )
    by_org: dict[str, list] = defaultdict(list)
    for a in approvals(tree):
        by_org[a.org].append(a)
    for code, admitted in sorted(by_org.items()):
        org = tree.orgs.get(code)
        if org is None or not tree.in_tree(code) or org.category != "village":
            continue
        for election in org.election_dates:
            window = add_months(election, -limits.rush_election_months)
            before = [a for a in admitted if window <= a.record.date < election]
            if before:
                yield TreeFinding(
                    code,
                    finding(
                        "VIO-RUSH",
                        _("村级换届（%(e)s）前%(m)d个月内发展%(n)d名")
                        % {"e": election, "m": limits.rush_election_months, "n": len(before)},
                        evidence={
                            "election": election.isoformat(),
                            "admitted": [
                                {"person": a.facts.person_pid, "approval": a.record.date.isoformat()}
                                for a in before
                            ],
                        },
                    ),
                )
