"""Rules of the 2018 notice (procedure.md C, profile shizhongqu-2018) that this module owns: CNV-ONTIME and
ARC-REVIEW on one case, and the org-level rules PLAN-QUOTA, PLAN-GROUPS, POOL-RATIO, RES-VILLAGE and
RES-YOUNG-FARMER, which judge many cases at once (`TreeFacts`) and are registered in ORG_CHECKS.

Each org-level id is also registered with engine.check as a per-case function that yields nothing (as
GEN-INDIV is): one case cannot break a quota or a ratio. They are judged as B0.6 says: POOL-RATIO and
RES-VILLAGE on the as-of date, the plan rules and RES-YOUNG-FARMER only on years (windows) that have ended,
except over-quota, which is reported as soon as it happens; one finding per org per rule (per year or window).
Approvals are counted at the approval date (S17 approved) for the org the person was in on that day, rolled
up the tree (procedure.md E). PRE-DISTRICT, FORM-ONE and FORM-MATCH live in rules/forms.py; NEG-LIST in
rules/targets.py.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fazhan.core.calendar import add_months, full_years
from fazhan.procedure.definition import RULES_BY_ID, Anchor, Limits
from fazhan.procedure.engine import CaseFacts, Finding, Rec, check, finding, in_force, overdue
from fazhan.procedure.rules.counting import (
    POOL_STAGES,
    Approval,
    PersonRow,
    admissions,
    admissions_by_org_year,
    as_date,
    group_count,
    pool_ok,
    pool_reading,
    village_reserves,
)
from fazhan.procedure.rules.counting import (
    pools as count_pools,
)
from fazhan.procedure.rules.ledger import review_unrecorded
from fazhan.procedure.rules.probation import conversion_of, late_openings, transferred_in_probation

# The steps whose first passing record the org-level rules read of a case (approvals, stages, the legal
# minimum of VIO-RUSH), and those of which they read every record (the conversion rounds that the stage
# follows, rules/outcome.py): the whole-tree run hands them cases that hold only those records
# (procedure/loader.py; tests/inspection/test_screens.py checks the findings are the same).
TREE_STEPS = (
    Anchor.APPLICATION,
    Anchor.ACTIVIST,
    Anchor.TARGET,
    Anchor.BRANCH_MEETING,
    Anchor.APPROVAL,
    Anchor.CONVERSION_APPROVAL,
)
TREE_ROUND_STEPS = (Anchor.CONVERSION_MEETING, Anchor.CONVERSION_APPROVAL)


# --- the per-case rules of section C --------------------------------------------------------------------


@check("CNV-ONTIME")
def cnv_ontime(facts: CaseFacts) -> Iterator[Finding]:
    """通知七, 按期转正: the conversion meeting (S23) opening each round — the first, or the one after an
    extension the committee has not rejected — is held within conversion_meeting_months of the probation end
    as it stood before it; none past that deadline is overdue. In force for probations that ended from
    2018-01-01 (rule 32: an earlier one's lateness is CNV-MEETING's). Early meetings are CNV-MEETING's, a
    transferred-in member's deferral CNV-TRANSFER's (B0.7)."""
    if transferred_in_probation(facts):
        return
    months = facts.limits.conversion_meeting_months
    for meeting, end, deadline in late_openings(
        facts, months=months, ended=lambda day: in_force("CNV-ONTIME", day)
    ):
        evidence = {"probation_end": end.isoformat(), "deadline": deadline.isoformat()}
        if meeting is None:
            yield finding(
                "CNV-ONTIME",
                _("预备期满（%(end)s）已超过%(n)d个月仍未讨论转正") % {"end": end, "n": months},
                step=Anchor.CONVERSION_MEETING,
                evidence=evidence,
            )
        else:
            yield finding(
                "CNV-ONTIME",
                _("预备期满（%(end)s）后超过%(n)d个月才讨论转正（应在 %(d)s 前）")
                % {"end": end, "n": months, "d": deadline},
                step=Anchor.CONVERSION_MEETING,
                record=meeting.id,
                evidence={**evidence, "meeting": meeting.date.isoformat()},
            )


def archive_review_due(facts: CaseFacts) -> tuple[Rec, datetime.date] | None:
    """The conversion whose file the township reviews (ARC-REVIEW in force on its date), and by when."""
    conversion = conversion_of(facts)
    if conversion is None or not in_force("ARC-REVIEW", conversion.date):
        return None
    return conversion, add_months(conversion.date, facts.limits.archive_review_months)


@check("ARC-REVIEW")
def arc_review(facts: CaseFacts) -> Iterator[Finding]:
    """通知三: from 2018-07-01 the township committee reviews a converted member's file itself, against the
    checklist: a review by the person's own township committee (kind "committee", above the branch) dated
    on or after the conversion (S24 approved),
    within archive_review_months (overdue after), whose latest check finds nothing missing. The finding names
    no step record: it is about the archive register, so entering S25 never carries it. Whether the step
    records of the five core documents exist is ARC-FILE's (B0.7); this rule reads the archive register."""
    due = archive_review_due(facts)
    if due is None:
        return
    conversion, deadline = due
    where = {"step": Anchor.ARCHIVE}  # the register is judged, not a step record: nothing to refuse at entry
    reviews = sorted(
        (r for r in facts.archive_reviews if conversion.date <= as_date(r["date"]) <= facts.as_of),
        key=lambda r: as_date(r["date"]),
    )
    evidence: dict[str, Any] = {"conversion": conversion.date.isoformat(), "deadline": deadline.isoformat()}
    if not reviews:
        if overdue(facts, deadline) and not review_unrecorded(facts, conversion, deadline):
            yield finding(
                "ARC-REVIEW",
                _("转正已超过%(n)d个月，乡镇党委仍未审核其档案") % {"n": facts.limits.archive_review_months},
                evidence=evidence,
                **where,
            )
        return
    latest = reviews[-1]
    evidence = {**evidence, "review": as_date(latest["date"]).isoformat(), "reviewer": latest["reviewer"]}
    reviewer = facts.orgs.get(str(latest["reviewer"]))
    if reviewer is None or reviewer.kind != "committee" or not reviewer.is_above(facts.branch):
        yield finding(
            "ARC-REVIEW",
            _("档案审核单位（%(o)s）不是乡镇党委") % {"o": latest["reviewer"]},
            evidence=evidence,
            **where,
        )
    missing = list(latest.get("missing") or [])
    if missing:
        yield finding(
            "ARC-REVIEW",
            _("档案审核发现缺少材料：%(m)s") % {"m": "、".join(missing)},
            evidence={**evidence, "missing": missing},
            **where,
        )


# --- the org-level rules: many cases at once ---------------------------------------------------------------


@dataclass(frozen=True)
class OrgRow:
    code: str
    kind: str
    category: str
    path: str
    election_dates: tuple[datetime.date, ...] = ()


@dataclass(frozen=True)
class TreeFacts:
    """Every case of a subtree as it stood on `as_of`, with the orgs, plans and committees the org-level
    rules read. `cases` are CaseFacts already cut to the as-of date (CaseFacts.until)."""

    as_of: datetime.date
    limits: Limits
    root_path: str
    orgs: Mapping[str, OrgRow]
    cases: Sequence[CaseFacts]
    people: Mapping[str, PersonRow] = field(default_factory=dict)
    plans: Mapping[tuple[str, int], Mapping[str, Any]] = field(default_factory=dict)  # quota, groups
    committees: Mapping[str, frozenset[str]] = field(default_factory=dict)  # branch → secretary, 支委

    def in_tree(self, code: str) -> bool:
        org = self.orgs.get(code)
        return org is not None and org.path.startswith(self.root_path)

    def ancestors(self, code: str) -> list[str]:
        """The org and every org above it (its path), for rolling counts up the tree."""
        org = self.orgs.get(code)
        return [c for c in org.path.strip("/").split("/") if c] if org else []


@dataclass(frozen=True)
class TreeFinding:
    org: str
    finding: Finding
    person: str | None = None


OrgCheck = Callable[[TreeFacts], Iterable[TreeFinding]]
ORG_CHECKS: dict[str, OrgCheck] = {}


def org_check(rule_id: str) -> Callable[[OrgCheck], OrgCheck]:
    """Register the function that judges an org-level rule over a whole subtree; its per-case entry in
    engine.CHECKS yields nothing."""

    def register(fn: OrgCheck) -> OrgCheck:
        if rule_id not in RULES_BY_ID or rule_id in ORG_CHECKS:
            raise LookupError(f"org rule {rule_id}: unknown or implemented twice")
        ORG_CHECKS[rule_id] = fn
        check(rule_id)(_judged_over_the_tree)
        return fn

    return register


def _judged_over_the_tree(facts: CaseFacts) -> Iterator[Finding]:
    return iter(())


def evaluate_tree(tree: TreeFacts, *, rules: Iterable[str] | None = None) -> list[TreeFinding]:
    wanted = ORG_CHECKS.keys() if rules is None else [r for r in rules if r in ORG_CHECKS]
    out: list[TreeFinding] = []
    for rule_id in wanted:
        out.extend(ORG_CHECKS[rule_id](tree))
    return out


def _once(tree: TreeFacts, name: str, build: Callable[[TreeFacts], Any]) -> Any:
    """A count several org-level rules read, worked out once per tree (TreeFacts is read-only)."""
    memo = tree.__dict__.setdefault("_memo", {})
    if name not in memo:
        memo[name] = build(tree)
    return memo[name]


def approvals(tree: TreeFacts) -> list[Approval]:
    """Every counted admission on or before the as-of date, in date order (rules/counting.py)."""
    return _once(tree, "approvals", lambda t: admissions(t.cases))


def approvals_by_org_year(tree: TreeFacts) -> dict[tuple[str, int], list[Approval]]:
    """Admissions rolled up the tree: each counts for its org and every org above it, by calendar year."""
    return _once(
        tree,
        "approvals_by_org_year",
        lambda t: admissions_by_org_year(approvals(t), {c: o.path for c, o in t.orgs.items()}),
    )


def _year_ended(tree: TreeFacts, year: int) -> bool:
    return tree.as_of >= datetime.date(year + 1, 1, 1)


def _plans(tree: TreeFacts) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    for (code, year), plan in sorted(tree.plans.items()):
        if tree.in_tree(code) and in_force("PLAN-QUOTA", datetime.date(year, 12, 31)):
            yield code, year, plan


@org_check("PLAN-QUOTA")
def plan_quota(tree: TreeFacts) -> Iterator[TreeFinding]:
    """通知一: admissions in a year stay within the org's quota (ERROR as soon as one goes over without a
    recorded override with reason, S17 quota_override_reason); under-execution at a year's end: WARN."""
    counted = approvals_by_org_year(tree)
    for code, year, plan in _plans(tree):
        quota = int(plan.get("quota") or 0)
        admitted = counted.get((code, year), [])
        over = [a for a in admitted[quota:] if not str(a.record.details.get("quota_override_reason") or "")]
        evidence = {"year": year, "quota": quota, "admitted": len(admitted)}
        if over:
            yield TreeFinding(
                code,
                finding(
                    "PLAN-QUOTA",
                    _("%(y)d年发展%(n)d名，超过计划%(q)d名，且%(k)d名未记录超计划理由")
                    % {"y": year, "n": len(admitted), "q": quota, "k": len(over)},
                    evidence={
                        **evidence,
                        "over_quota": [
                            {"person": a.facts.person_pid, "approval": a.record.date.isoformat()}
                            for a in over
                        ],
                    },
                ),
            )
        elif _year_ended(tree, year) and len(admitted) < quota:
            yield TreeFinding(
                code,
                finding(
                    "PLAN-QUOTA",
                    _("%(y)d年计划发展%(q)d名，实际发展%(n)d名，未完成计划")
                    % {"y": year, "q": quota, "n": len(admitted)},
                    severity="WARN",
                    evidence=evidence,
                ),
            )


@org_check("PLAN-GROUPS")
def plan_groups(tree: TreeFacts) -> Iterator[TreeFinding]:
    """通知五: the plan's focus-group targets against the admissions of the year, judged when the year has
    ended: one finding per org and year listing every group short of its target."""
    counted = approvals_by_org_year(tree)
    for code, year, plan in _plans(tree):
        groups = plan.get("groups") or {}
        if not groups or not _year_ended(tree, year):
            continue
        admitted = counted.get((code, year), [])
        short = {}
        for group, target in sorted(groups.items()):
            actual = group_count(group, admitted, tree.people, tree.limits)
            if actual < int(target or 0):
                short[group] = {"target": int(target), "actual": actual}
        if short:
            yield TreeFinding(
                code,
                finding(
                    "PLAN-GROUPS",
                    _("%(y)d年重点群体发展未达目标：%(g)s")
                    % {
                        "y": year,
                        "g": "、".join(f"{g} {v['actual']}/{v['target']}" for g, v in short.items()),
                    },
                    evidence={"year": year, "short": short},
                ),
            )


def pools(tree: TreeFacts) -> dict[str, Counter[str]]:
    """Applicants, activists and targets on the as-of date, per org the person is in then (exclusive)."""
    return _once(tree, "pools", lambda t: count_pools(t.cases))


def _base_orgs(tree: TreeFacts, *, category: str = "") -> list[OrgRow]:
    return [
        o
        for o in tree.orgs.values()
        if o.kind == "branch"
        and o.path.startswith(tree.root_path)
        and (not category or o.category == category)
    ]


@org_check("POOL-RATIO")
def pool_ratio(tree: TreeFacts) -> Iterator[TreeFinding]:
    """通知一: each base org (branch) holds applicants : activists : targets at 6:3:1 or better on the as-of
    date. Strict reading (default): applicants ≥ 2 × activists and activists ≥ 3 × targets, each person
    counted only in their stage; the loose reading counts each stage with everyone beyond it."""
    if not in_force("POOL-RATIO", tree.as_of):
        return
    limits, counts = tree.limits, pools(tree)
    for org in sorted(_base_orgs(tree), key=lambda o: o.path):
        c = counts.get(org.code, Counter())
        applicants, activists, targets = (c.get(s, 0) for s in POOL_STAGES)
        if pool_ok(applicants, activists, targets, limits):
            continue
        a, b, t = pool_reading(applicants, activists, targets, limits)
        yield TreeFinding(
            org.code,
            finding(
                "POOL-RATIO",
                _("申请人%(a)d、积极分子%(b)d、发展对象%(t)d，未保持6:3:1的梯次比例")
                % {"a": a, "b": b, "t": t},
                evidence={
                    "date": tree.as_of.isoformat(),
                    "applicants": a,
                    "activists": b,
                    "targets": t,
                    "loose": limits.pool_ratio_loose,
                },
            ),
        )


@org_check("RES-VILLAGE")
def res_village(tree: TreeFacts) -> Iterator[TreeFinding]:
    """通知二: every village branch keeps at least one activist (常态化储备), judged on the as-of date."""
    if not in_force("RES-VILLAGE", tree.as_of):
        return
    villages = sorted(_base_orgs(tree, category="village"), key=lambda o: o.path)
    reserves = village_reserves(pools(tree), [o.code for o in villages])
    for org in villages:
        if reserves[org.code] == 0:
            yield TreeFinding(
                org.code,
                finding(
                    "RES-VILLAGE",
                    _("%(d)s 本村没有入党积极分子储备") % {"d": tree.as_of.isoformat()},
                    evidence={"date": tree.as_of.isoformat(), "activists": 0},
                ),
            )


def young_farmer(person: PersonRow | None, approved_on: datetime.date, limits: Limits) -> bool:
    """青年农民: occupation 农牧渔民 and at most young_farmer_age full years at approval (procedure.md C)."""
    return (
        person is not None
        and person.occupation == "农牧渔民"
        and full_years(person.birth_date, approved_on) <= limits.young_farmer_age
    )


# The notice's self-inspection reports on the work since this day (procedure.md G); the report's default first
# day and the earliest window RES-YOUNG-FARMER lists in its evidence.
REPORT_FIRST_DAY = datetime.date(2017, 1, 1)


def young_farmer_windows(tree: TreeFacts) -> Iterator[tuple[datetime.date, datetime.date]]:
    """The two-year windows (first day, last day) from the rule's start that have ended by the as-of date."""
    start = datetime.date.fromisoformat(RULES_BY_ID["RES-YOUNG-FARMER"].since)
    while (end := add_months(start, 12 * tree.limits.young_farmer_window_years)) <= tree.as_of:
        yield start, end - datetime.timedelta(days=1)
        start = end


def young_farmer_window_of(day: datetime.date, limits: Limits) -> tuple[datetime.date, datetime.date]:
    """The window (first day, last day) of RES-YOUNG-FARMER that `day` falls in (the reserve plan of a
    window's last year must still provide for it: plans.services.reserve_set)."""
    start = datetime.date.fromisoformat(RULES_BY_ID["RES-YOUNG-FARMER"].since)
    while (end := add_months(start, 12 * limits.young_farmer_window_years)) <= day:
        start = end
    return start, end - datetime.timedelta(days=1)


@org_check("RES-YOUNG-FARMER")
def res_young_farmer(tree: TreeFacts) -> Iterator[TreeFinding]:
    """通知二: every village admits at least one young farmer in each two-year window from the profile's
    start (2018–2019, 2020–2021 …); only windows that have ended by the as-of date are judged. At most one
    finding per village (procedure.md C): the latest ended window without a young farmer, the earlier ones
    since the report's first day in its evidence."""
    admitted: dict[str, list[Approval]] = defaultdict(list)
    for a in approvals(tree):
        admitted[a.org].append(a)
    windows = list(young_farmer_windows(tree))
    for org in sorted(_base_orgs(tree, category="village"), key=lambda o: o.path):
        missed = [
            (first, last)
            for first, last in windows
            if last >= REPORT_FIRST_DAY
            and not any(
                first <= a.record.date <= last
                and young_farmer(tree.people.get(a.facts.person_pid), a.record.date, tree.limits)
                for a in admitted.get(org.code, [])
            )
        ]
        if not missed:
            continue
        (first, last), earlier = missed[-1], missed[:-1]
        message = _("%(a)s 至 %(b)s 未发展青年农民党员") % {"a": first, "b": last}
        if earlier:
            message += _("（此前 %(w)s 亦未发展）") % {"w": "、".join(f"{a}至{b}" for a, b in earlier)}
        yield TreeFinding(
            org.code,
            finding(
                "RES-YOUNG-FARMER",
                message,
                evidence={
                    "window": [first.isoformat(), last.isoformat()],
                    "earlier": [[a.isoformat(), b.isoformat()] for a, b in earlier],
                },
            ),
        )
