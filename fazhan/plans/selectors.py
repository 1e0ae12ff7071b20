"""Plans read: the plan tree of a year, and the one report that feeds the plan page, its Excel download and
the JSON its charts read.

Every count comes from the rules' counting functions (procedure/rules/counting.py), the very ones PLAN-QUOTA,
PLAN-GROUPS, POOL-RATIO and RES-VILLAGE read: admissions at the approval date (S17) for the person's branch on
that date, rolled up the tree, an invalidated admission nowhere (procedure.md B 38, C, E); the pool by stage
on the day for the org the person was in then; focus groups from the person (少数民族 from the ethnicity)."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.accounts.selectors import user_assignments, user_roles_at, user_scope_q
from fazhan.organizations.models import Org, OrgCategory
from fazhan.organizations.selectors import org_get_for_user, org_subtree
from fazhan.people.choices import FOCUS_TAGS
from fazhan.people.models import Person, Transfer
from fazhan.plans.models import CycleAct, CycleStep, Plan, Reserve, ReserveEntry
from fazhan.procedure.definition import (
    BRANCH,
    DISTRICT,
    OUTCOME_STEPS,
    TOWNSHIP,
    Anchor,
    CaseStage,
    Limits,
    limits,
)
from fazhan.procedure.engine import CaseFacts, OrgFacts, Rec
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.rules.counting import (
    PersonRow,
    admissions_by_org_year,
    by_org_year,
    entries,
    in_group,
    org_on,
    pool_ok,
    pool_rolled_up,
    stage_of,
    village_reserves,
)
from fazhan.procedure.rules.counting import admissions as count_admissions
from fazhan.procedure.rules.counting import conversions as count_conversions
from fazhan.procedure.rules.counting import pools as count_pools
from fazhan.procedure.rules.notice2018 import young_farmer
from fazhan.procedure.selectors import transfer_fact

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The focus-group keys of a plan's `groups` (PLAN-GROUPS): the focus tags, then the headline measures.
GROUP_LABELS: dict[str, "StrOrPromise"] = {
    **{t: t for t in FOCUS_TAGS},
    "women": _("女性"),
    "age_35_and_under": _("35岁及以下"),
    "college_and_above": _("大专及以上"),
}
GROUP_KEYS = tuple(GROUP_LABELS)

# Who reads plans: the township (its township and below) and the district (all); inspectors read too.
PLAN_READERS = frozenset(TOWNSHIP + DISTRICT + ("inspector",))


def _within(path: str, org: Org) -> bool:
    return path.startswith(org.path)


# A plan (the quota) or a reserve: each an org's numbers for a year, handed down the tree.
PlanRow = TypeVar("PlanRow", Plan, Reserve)


def _nearest_above(model: type[PlanRow], org: Org, year: int) -> PlanRow | None:
    """The nearest row of `model` (a plan or a reserve: each org's number for a year) above `org`."""
    codes = [c for c in org.path.strip("/").split("/") if c and c != org.code]
    rows = model.objects.filter(year=year, org__code__in=codes).select_related("org")
    return max(rows, key=lambda r: r.org.depth, default=None)


def _handed_down(row: PlanRow) -> list[PlanRow]:
    """The rows of the same model and year passed down directly from `row`: below its org, with no other row
    between (a quota or a reserve is handed down the tree one level at a time)."""
    below = list(
        type(row)
        .objects.filter(year=row.year, org__path__startswith=row.org.path)
        .exclude(pk=row.pk)
        .select_related("org")
    )
    paths = [r.org.path for r in below]
    return [r for r in below if not any(q != r.org.path and r.org.path.startswith(q) for q in paths)]


@dataclass(frozen=True)
class PlanPanel:
    """A section a wing adds to the plan page: its template and what the template reads."""

    template: str
    context: dict[str, Any]


# The wings that read plans add sections to the plan page through this hook (plans imports no wing: the
# key-talent wing reads the quota, so plans may not read it back).
PLAN_PANELS: dict[str, Callable[..., PlanPanel]] = {}


def plan_panel_register(name: str, panel: Callable[..., PlanPanel]) -> None:
    """Register `panel(org=, year=, today=, user=)`, called for every plan page, in registration order."""
    PLAN_PANELS[name] = panel


def plan_panels(org: Org, year: int, *, today: datetime.date, user) -> list[PlanPanel]:
    return [panel(org=org, year=year, today=today, user=user) for panel in PLAN_PANELS.values()]


def plan_parent(org: Org, year: int) -> Plan | None:
    """The nearest plan above `org` for `year`."""
    return _nearest_above(Plan, org, year)


def plan_children(plan: Plan) -> list[Plan]:
    """The plans passed down directly from `plan`: below its org, with no other plan between."""
    return _handed_down(plan)


def plan_org_for_user(user, code: str) -> Org:
    """The org whose plan page the user opens: 404 outside the subtree, 403 for roles that keep no plan."""
    org = org_get_for_user(user, code)
    if not user_roles_at(user, org) & PLAN_READERS:
        raise PermissionDenied
    return org


def plan_list_for_user(user, year: int | None = None) -> QuerySet[Plan]:
    """The plans a user reads: those of the orgs under an assignment of theirs with a PLAN_READERS role (the
    orgs plan_org_for_user opens), in year and tree order."""
    paths = {a.org.path for a in user_assignments(user) if a.role in PLAN_READERS}
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(org__path__startswith=path)
    plans = Plan.objects.filter(q).select_related("org")
    if year is not None:
        plans = plans.filter(year=year)
    return plans.order_by("year", "org__path", "id")


def _org_facts(org: Org) -> OrgFacts:
    return OrgFacts(org.code, org.kind, org.path)


def _case_facts(cases: Any, *, steps: Iterable[str], as_of: datetime.date) -> list[CaseFacts]:
    """The facts the counting functions read (rules/counting.py) of these cases: their live records of
    `steps` up to `as_of`, the person's transfers, exit and invalidation. The whole-tree loader gives the
    rules the same facts; tests/plans/test_counts.py holds the two to the same counts."""
    cases = list(cases.select_related("person__org"))
    by_case: dict[int, list[Rec]] = defaultdict(list)
    for case_id, pk, step, date, details in (
        StepRecord.objects.filter(
            case__in=[c.pk for c in cases], superseded_by__isnull=True, date__lte=as_of, step__in=list(steps)
        )
        .order_by("case_id", "date", "id")
        .values_list("case_id", "pk", "step", "date", "details")
    ):
        by_case[case_id].append(Rec(pk, step, date, details))
    moves: dict[int, list[dict]] = defaultdict(list)
    for person_id, date, src, dst, materials in (
        Transfer.objects.filter(person_id__in={c.person_id for c in cases}, date__lte=as_of)
        .order_by("date", "pk")
        .values_list("person_id", "date", "from_org__code", "to_org__code", "materials_transferred")
    ):
        moves[person_id].append(transfer_fact(date, src, dst, materials))
    settings_limits = limits()
    return [
        CaseFacts(
            person_pid=c.person.pid,
            birth_date=c.person.birth_date,
            floating=c.person.floating,
            branch=_org_facts(c.person.org),
            records=tuple(by_case[c.pk]),
            limits=settings_limits,
            as_of=as_of,
            transfers=tuple(moves[c.person_id]),
            exited_on=c.closed_on if c.closed_on and c.closed_on <= as_of else None,
            invalidated=c.exit_reason == ExitReason.INVALIDATED,
        )
        for c in cases
    ]


def person_row(person: Person) -> PersonRow:
    """What the statistics count about a person (procedure.md E), as the rules read it."""
    return PersonRow(
        person.pid,
        person.gender,
        person.education,
        person.occupation,
        person.birth_date,
        tuple(person.tags or ()),
        person.ethnicity,
        person.front_line,
    )


@dataclass
class Admission:
    person: Person
    date: datetime.date
    org: Org  # the person's branch on the approval date
    override: str = ""  # the reason recorded at approval for admitting beyond the quota (PLAN-QUOTA)

    def in_group(self, key: str) -> bool:
        return in_group(key, person_row(self.person), self.date, limits())


def admissions(org: Org, year: int, *, today: datetime.date | None = None) -> list[Admission]:
    """The admissions of `year` counted for `org` (rules/counting.py: the first approving S17, for the
    person's branch on the approval date, rolled up the tree; a correction counts once, an invalidated
    admission nowhere), up to `today` (by default the day's date)."""
    today = today or timezone.localdate()
    cases = Case.objects.filter(
        steps__step=Anchor.APPROVAL,
        steps__superseded_by__isnull=True,
        steps__date__gte=datetime.date(year, 1, 1),
        steps__date__lte=datetime.date(year, 12, 31),
    ).distinct()
    facts = _case_facts(cases, steps=(Anchor.APPROVAL,), as_of=max(today, datetime.date(year, 12, 31)))
    counted = [a for a in count_admissions(facts) if a.record.date.year == year]
    codes = {a.org for a in counted}
    orgs = {o.code: o for o in Org.objects.filter(code__in=codes)}
    people = {p.pid: p for p in Person.objects.filter(pid__in={a.facts.person_pid for a in counted})}
    by_org_year = admissions_by_org_year(counted, {c: o.path for c, o in orgs.items()})
    return [
        Admission(
            people[a.facts.person_pid],
            a.record.date,
            orgs[a.org],
            str(a.record.details.get("quota_override_reason") or ""),
        )
        for a in by_org_year.get((org.code, year), [])
    ]


@dataclass
class OrgRow:
    org: Org
    quota: int | None
    admitted: int
    pool: dict[str, int]
    limits: Limits = field(default_factory=Limits)

    @property
    def applicants(self) -> int:
        return self.pool.get(CaseStage.APPLICANT, 0)

    @property
    def activists(self) -> int:
        return self.pool.get(CaseStage.ACTIVIST, 0)

    @property
    def targets(self) -> int:
        return self.pool.get(CaseStage.TARGET, 0)

    @property
    def ratio_ok(self) -> bool:
        """POOL-RATIO's reading (rules/counting.pool_ok): strict by default, applicants ≥ 2 × activists and
        activists ≥ 3 × targets, each person counted only in the stage they are in."""
        return pool_ok(self.applicants, self.activists, self.targets, self.limits)

    @property
    def ratio_text(self) -> str:
        if not self.targets:
            return f"{self.applicants}:{self.activists}:0"
        return f"{self.applicants / self.targets:.1f}:{self.activists / self.targets:.1f}:1"

    @property
    def left(self) -> int | None:
        return None if self.quota is None else self.quota - self.admitted


@dataclass
class GroupRow:
    key: str
    label: "StrOrPromise"
    target: int | None
    actual: int


@dataclass
class PlanReport:
    org: Org
    year: int
    as_of: datetime.date
    plan: Plan | None
    total: OrgRow
    children: list[OrgRow]
    villages: list[tuple[Org, int]]
    groups: list[GroupRow]
    admitted: list[Admission] = field(default_factory=list)
    monthly: list[int] = field(default_factory=list)  # admissions in each month, Jan..Dec

    @property
    def empty_villages(self) -> list[Org]:
        return [v for v, n in self.villages if n == 0]

    def as_json(self) -> dict:
        def row(r: OrgRow) -> dict:
            return {
                "code": r.org.code,
                "name": r.org.name,
                "quota": r.quota,
                "admitted": r.admitted,
                "applicants": r.applicants,
                "activists": r.activists,
                "targets": r.targets,
                "ratio_ok": r.ratio_ok,
            }

        cumulative, running = [], 0
        for n in self.monthly:
            running += n
            cumulative.append(running)
        return {
            "org": self.org.code,
            "name": self.org.name,
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            **row(self.total),
            "monthly": self.monthly,
            "cumulative": cumulative,
            "children": [row(r) for r in self.children],
            "villages": [{"code": v.code, "name": v.name, "activists": n} for v, n in self.villages],
            "groups": [
                {"key": g.key, "label": str(g.label), "target": g.target, "actual": g.actual}
                for g in self.groups
            ],
        }


def pool_counts(org: Org, day: datetime.date, *, today: datetime.date) -> dict[str, Counter[str]]:
    """The stage of every case on `day` by the org its person was in then (rules/counting.pools), for the
    cases of `org`'s subtree or of a person who moved out of it, opened by then."""
    cases = (
        Case.objects.filter(opened_on__lte=day)
        .filter(
            Q(person__org__path__startswith=org.path)
            | Q(person__transfers__from_org__path__startswith=org.path)
        )
        .distinct()
    )
    facts = _case_facts(cases, steps=OUTCOME_STEPS, as_of=max(today, day))
    return count_pools(facts, day=day)


def plan_report(org: Org, year: int, *, today: datetime.date) -> PlanReport:
    """Quota against admissions, the pool by stage with its 6:3:1 reading, village reserves and focus groups
    of `org` for `year`, with one row for each org directly below it. The pool is counted today, or for a year
    that has ended on its last day (`as_of`)."""
    orgs = list(org_subtree(org))
    plans = {p.org_id: p for p in Plan.objects.filter(year=year, org__in=orgs)}
    children = [o for o in orgs if o.parent_id == org.pk]
    admitted = admissions(org, year, today=today)
    day = min(today, datetime.date(year, 12, 31))
    counts = pool_counts(org, day, today=today)
    paths = {o.code: o.path for o in orgs}
    settings_limits = limits()

    def org_row(o: Org) -> OrgRow:
        plan = plans.get(o.pk)
        return OrgRow(
            o,
            plan.quota if plan else None,
            sum(1 for a in admitted if _within(a.org.path, o)),
            dict(pool_rolled_up(counts, paths, o.code)),
            settings_limits,
        )

    village_orgs = [o for o in orgs if o.is_branch and o.category == OrgCategory.VILLAGE]
    reserves = village_reserves(counts, [o.code for o in village_orgs])
    villages = [(o, reserves[o.code]) for o in village_orgs]
    plan = plans.get(org.pk)
    targets = (plan.groups if plan else {}) or {}
    groups = [
        GroupRow(key, GROUP_LABELS[key], targets.get(key), sum(1 for a in admitted if a.in_group(key)))
        for key in GROUP_KEYS
        if key in targets or any(a.in_group(key) for a in admitted)
    ]
    monthly = [0] * 12
    for a in admitted:
        monthly[a.date.month - 1] += 1
    return PlanReport(
        org=org,
        year=year,
        as_of=day,
        plan=plan,
        total=org_row(org),
        children=[org_row(o) for o in children],
        villages=villages,
        groups=groups,
        admitted=admitted,
        monthly=monthly,
    )


@dataclass
class PeriodFigures:
    """The figures of a self-inspection report's 一、基本情况 for an org's subtree over a period: every count
    from rules/counting.py, as the plan page and PLAN-QUOTA count."""

    org: Org
    since: datetime.date
    until: datetime.date
    applications: int
    activists: int
    targets: int
    admitted: int
    quota: int | None  # the plans of the period's years, added up (None: no plan in any)
    conversions: Counter[str]
    pool: OrgRow


def period_figures(org: Org, since: datetime.date, until: datetime.date) -> PeriodFigures:
    orgs = list(org_subtree(org))
    paths = {o.code: o.path for o in orgs}
    cases = (
        Case.objects.filter(opened_on__lte=until)
        .filter(
            Q(person__org__path__startswith=org.path)
            | Q(person__transfers__from_org__path__startswith=org.path)
        )
        .distinct()
    )
    facts = _case_facts(cases, steps=OUTCOME_STEPS, as_of=until)

    def entered(step: str) -> int:
        counted = entries(facts, step, since, until)
        return sum(n for code, n in counted.items() if paths.get(code, "").startswith(org.path))

    years = range(since.year, until.year + 1)
    admitted = sum(
        1 for year in years for a in admissions(org, year, today=until) if since <= a.date <= until
    )
    plans = Plan.objects.filter(org=org, year__in=list(years))
    converted = Counter(
        c.kind
        for c in count_conversions(facts)
        if since <= c.record.date <= until and paths.get(c.org, "").startswith(org.path)
    )
    counts = count_pools(facts, day=until)
    pool = OrgRow(org, None, admitted, dict(pool_rolled_up(counts, paths, org.code)), limits())
    return PeriodFigures(
        org=org,
        since=since,
        until=until,
        applications=entered(Anchor.APPLICATION),
        activists=entered(Anchor.ACTIVIST),
        targets=entered(Anchor.TARGET),
        admitted=admitted,
        quota=sum(p.quota for p in plans) if plans else None,
        conversions=converted,
        pool=pool,
    )


@dataclass
class ConversionRow:
    person: Person
    date: datetime.date
    org: Org  # the person's branch on the approval date
    kind: str  # counting.ConversionKind


def conversions(org: Org, year: int, *, today: datetime.date | None = None) -> list[ConversionRow]:
    """The conversion decisions of `year` counted for `org` (rules/counting.conversions: the approving S24 of
    each round, for the person's branch on that date, rolled up the tree; an invalidated case nowhere)."""
    today = today or timezone.localdate()
    cases = Case.objects.filter(
        steps__step=Anchor.CONVERSION_APPROVAL,
        steps__superseded_by__isnull=True,
        steps__date__gte=datetime.date(year, 1, 1),
        steps__date__lte=datetime.date(year, 12, 31),
    ).distinct()
    facts = _case_facts(cases, steps=OUTCOME_STEPS, as_of=min(today, datetime.date(year, 12, 31)))
    counted = [c for c in count_conversions(facts) if c.record.date.year == year]
    orgs = {o.code: o for o in Org.objects.filter(code__in={c.org for c in counted})}
    people = {p.pid: p for p in Person.objects.filter(pid__in={c.facts.person_pid for c in counted})}
    rolled = by_org_year(counted, {code: o.path for code, o in orgs.items()})
    return [
        ConversionRow(people[c.facts.person_pid], c.record.date, orgs[c.org], c.kind)
        for c in rolled.get((org.code, year), [])
    ]


# The reserve plan (储量计划, notice 二) and the yearly cycle (notice 一).

RESERVE_STAGES: tuple[tuple[str, str], ...] = (
    (CaseStage.APPLICANT, "applicants"),
    (CaseStage.ACTIVIST, "activists"),
    (CaseStage.TARGET, "targets"),
)
RESERVE_STAGE_LABELS: dict[str, "StrOrPromise"] = {
    CaseStage.APPLICANT: _("入党申请人"),
    CaseStage.ACTIVIST: _("入党积极分子"),
    CaseStage.TARGET: _("发展对象"),
}


def reserve_parent(org: Org, year: int) -> Reserve | None:
    """The nearest reserve plan above `org` for `year` (as plan_parent for the quota)."""
    return _nearest_above(Reserve, org, year)


def reserve_children(reserve: Reserve) -> list[Reserve]:
    """The reserve plans passed down directly from `reserve`: below its org, with no other plan between."""
    return _handed_down(reserve)


def month_ends(year: int, as_of: datetime.date) -> list[datetime.date]:
    """The last day of each month of `year` that has begun by `as_of` (the month under way ends today)."""
    days = []
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        if first > as_of:
            break
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        days.append(min(last, as_of))
    return days


@dataclass
class ReserveMonth:
    day: datetime.date
    pool: dict[str, int]

    def count(self, stage: str) -> int:
        return self.pool.get(stage, 0)


@dataclass
class ReserveEntryRow:
    entry: ReserveEntry
    stage: str  # the case's stage today (rules/counting.stage_of)
    org: Org  # the org the person is in today

    @property
    def stage_label(self) -> "StrOrPromise":
        return RESERVE_STAGE_LABELS.get(self.stage, _("已离开储备"))


@dataclass
class ReserveReport:
    """Reserve against actual for an org and year: the pool at each month's end as POOL-RATIO counts it
    (rules/counting.pools, rolled up the tree), the young farmers admitted (RES-YOUNG-FARMER's reading), the
    cases taken into the plan with their stage today."""

    org: Org
    year: int
    as_of: datetime.date
    reserve: Reserve | None
    months: list[ReserveMonth]
    young_farmers: int
    entries: list[ReserveEntryRow]
    now: dict[str, int] | None = None  # a year not yet begun: the pool today, which it is to be held from

    @property
    def current(self) -> dict[str, int]:
        if self.months:
            return self.months[-1].pool
        return self.now or {}

    def planned(self, stage: str) -> int | None:
        if self.reserve is None:
            return None
        return getattr(self.reserve, dict(RESERVE_STAGES)[stage])

    @property
    def below(self) -> list[tuple[str, int, int]]:
        """The stages whose count today is under the reserve: (stage, planned, actual)."""
        if self.reserve is None or not (self.months or self.now is not None):
            return []
        out = []
        for stage, attr in RESERVE_STAGES:
            planned, actual = getattr(self.reserve, attr), self.current.get(stage, 0)
            if actual < planned:
                out.append((stage, planned, actual))
        return out

    @property
    def below_text(self) -> str:
        return "；".join(
            f"{RESERVE_STAGE_LABELS[stage]}储备 {planned} 名，现有 {actual} 名"
            for stage, planned, actual in self.below
        )

    def rows(self) -> list[tuple[str, "StrOrPromise", int | None, list[int]]]:
        """One row per stage: its key, label, planned number and the month-end counts (for a year not yet
        begun, today's count alone)."""
        return [
            (
                stage,
                RESERVE_STAGE_LABELS[stage],
                self.planned(stage),
                [m.count(stage) for m in self.months] if self.months else [(self.now or {}).get(stage, 0)],
            )
            for stage, _attr in RESERVE_STAGES
        ]

    def as_json(self) -> dict:
        return {
            "org": self.org.code,
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "reserve": {attr: self.planned(stage) for stage, attr in RESERVE_STAGES},
            "months": [
                {"day": m.day.isoformat(), **{attr: m.count(stage) for stage, attr in RESERVE_STAGES}}
                for m in self.months
            ],
            "young_farmers": self.young_farmers,
            "young_farmers_planned": self.reserve.young_farmers if self.reserve else None,
            "entries": [e.entry.case.person.pid for e in self.entries],
        }


def young_farmers_admitted(
    org: Org, first: datetime.date, last: datetime.date, *, today: datetime.date
) -> int:
    """The young farmers (RES-YOUNG-FARMER's reading: 农牧渔民, at most 35 at approval) admitted for `org`
    from `first` to `last`, as the admissions count (rules/counting)."""
    return sum(
        1
        for y in range(first.year, last.year + 1)
        for a in admissions(org, y, today=today)
        if first <= a.date <= last and young_farmer(person_row(a.person), a.date, limits())
    )


def reserve_report(org: Org, year: int, *, today: datetime.date) -> ReserveReport:
    """The reserve report of `org` for `year`, counted as of `today` (a year that has ended: its last day)."""
    as_of = min(today, datetime.date(year, 12, 31))
    reserve = Reserve.objects.filter(org=org, year=year).select_related("org").first()
    orgs = list(org_subtree(org))
    paths = {o.code: o.path for o in orgs}
    months = (
        [
            ReserveMonth(day, dict(pool_rolled_up(pool_counts(org, day, today=today), paths, org.code)))
            for day in month_ends(year, as_of)
        ]
        if datetime.date(year, 1, 1) <= as_of
        else []
    )
    farmers = young_farmers_admitted(org, datetime.date(year, 1, 1), as_of, today=today)
    now = None
    if not months:
        now = dict(pool_rolled_up(pool_counts(org, today, today=today), paths, org.code))
    return ReserveReport(
        org=org,
        year=year,
        as_of=as_of,
        reserve=reserve,
        months=months,
        young_farmers=farmers,
        entries=reserve_entries(org, year, today=today),
        now=now,
    )


def reserve_entries(org: Org, year: int, *, today: datetime.date) -> list[ReserveEntryRow]:
    """The cases taken into `year`'s plan within `org`'s subtree (by the org that took them in), with the
    stage and org of each today as the rules read them."""
    entries = list(
        ReserveEntry.objects.filter(year=year, org__path__startswith=org.path)
        .select_related("case__person__org", "org", "taken_by")
        .order_by("org__path", "pk")
    )
    cases = Case.objects.filter(pk__in=[e.case_id for e in entries])
    facts = {f.person_pid: f for f in _case_facts(cases, steps=OUTCOME_STEPS, as_of=today)}
    now = {pid: org_on(f, today) for pid, f in facts.items()}
    orgs = {o.code: o for o in Org.objects.filter(code__in=set(now.values()))}
    return [
        ReserveEntryRow(e, stage_of(facts[e.case.person.pid]), orgs.get(now[e.case.person.pid], e.org))
        for e in entries
    ]


@dataclass
class CycleRow:
    """Where an org stands in the yearly cycle: its acts by step (the latest of each)."""

    org: Org
    acts: dict[str, CycleAct]

    def act(self, step: str) -> CycleAct | None:
        return self.acts.get(step)

    @property
    def ordered(self) -> list[CycleAct | None]:
        """The acts in the cycle's order: request, guiding plan, division."""
        return [self.acts.get(step) for step in (CycleStep.REQUEST, CycleStep.GUIDE, CycleStep.DIVISION)]

    @property
    def state(self) -> "StrOrPromise":
        for step in (CycleStep.DIVISION, CycleStep.GUIDE, CycleStep.REQUEST):
            if step in self.acts:
                return CycleStep(step).label
        return _("尚未开始")


def cycle_rows(org: Org, year: int) -> list[CycleRow]:
    """The cycle of `year` for `org` and the orgs directly below it."""
    orgs = [org, *Org.objects.filter(parent=org).order_by("path", "pk")]
    acts: dict[int, dict[str, CycleAct]] = defaultdict(dict)
    for act in CycleAct.objects.filter(year=year, org__in=orgs).select_related("actor", "org"):
        acts[act.org_id][act.step] = act
    return [CycleRow(o, acts[o.pk]) for o in orgs]


RESERVE_WATCHERS = frozenset(BRANCH + TOWNSHIP)


@dataclass
class ReserveShortfall:
    """An org whose pool today is under this year's reserve plan (RES-PLAN): (stage, planned, actual)."""

    reserve: Reserve
    below: list[tuple[str, int, int]]

    def text(self) -> str:
        return "；".join(
            f"{RESERVE_STAGE_LABELS[stage]}储备 {planned} 名，现有 {actual} 名"
            for stage, planned, actual in self.below
        )


def reserve_shortfall(reserve: Reserve, *, today: datetime.date) -> ReserveShortfall:
    """The stages of `reserve`'s org under its reserve today, as POOL-RATIO counts them (rules/counting)."""
    org = reserve.org
    paths = {o.code: o.path for o in org_subtree(org)}
    pool = pool_rolled_up(pool_counts(org, today, today=today), paths, org.code)
    below = [
        (stage, getattr(reserve, attr), pool.get(stage, 0))
        for stage, attr in RESERVE_STAGES
        if pool.get(stage, 0) < getattr(reserve, attr)
    ]
    return ReserveShortfall(reserve, below)


def reserves_below_for_user(user, *, today: datetime.date) -> list[ReserveShortfall]:
    """The orgs the user watches (a branch's roles their branch, the township's roles their township and the
    orgs below it) whose pool today is under this year's reserve plan (RES-PLAN)."""
    # only the user's subtrees: the to-do page asks on every visit, and a district holds many reserves
    reserves = (
        Reserve.objects.filter(user_scope_q(user, "org__path"), year=today.year)
        .select_related("org")
        .order_by("org__path", "pk")
    )
    out = []
    for reserve in reserves:
        if not user_roles_at(user, reserve.org) & RESERVE_WATCHERS:
            continue
        shortfall = reserve_shortfall(reserve, today=today)
        if shortfall.below:
            out.append(shortfall)
    return out


def reserve_candidates(org: Org, year: int) -> list[Case]:
    """The open cases of `org`'s subtree not yet in `year`'s plan: whom the take-in form offers (the service
    judges the stage)."""
    taken = ReserveEntry.objects.filter(year=year).values_list("case_id", flat=True)
    return list(
        Case.objects.filter(person__org__path__startswith=org.path, closed_on__isnull=True)
        .exclude(pk__in=taken)
        .select_related("person__org")
        .order_by("person__org__path", "person__pid", "pk")
    )


def reserve_entry_get(org: Org, year: int, pk: int) -> ReserveEntry | None:
    """A case taken into `year`'s plan within `org`'s subtree, or None."""
    return (
        ReserveEntry.objects.filter(pk=pk, year=year, org__path__startswith=org.path)
        .select_related("case__person__org", "org")
        .first()
    )


# A branch keeps no quota page, but it keeps its reserve: it takes its cases in and sends its request.
RESERVE_READERS = PLAN_READERS | frozenset(BRANCH)


def reserve_org_for_user(user, code: str) -> Org:
    """The org whose reserve page the user opens: 404 outside the subtree, 403 for roles that keep none."""
    org = org_get_for_user(user, code)
    if not user_roles_at(user, org) & RESERVE_READERS:
        raise PermissionDenied
    return org


def org_children(org: Org) -> list[Org]:
    return list(Org.objects.filter(parent=org).order_by("path", "pk"))
