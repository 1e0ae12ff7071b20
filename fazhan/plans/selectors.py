"""Plans read: the plan tree of a year, and the one report that feeds the plan page, its Excel download and
the JSON its charts read.

Admissions are counted as procedure.md (E) says: at the approval date (definition.Anchor.APPROVAL), for the
person's branch on that date, rolled up the tree. The pool is the open cases by stage today."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.core.calendar import full_years
from fazhan.organizations.models import Org, OrgCategory
from fazhan.organizations.selectors import org_get_for_user, org_subtree
from fazhan.people.choices import COLLEGE_AND_ABOVE, FOCUS_TAGS, Gender
from fazhan.people.models import Person, Transfer
from fazhan.plans.models import Plan
from fazhan.procedure.definition import DISTRICT, OUTCOME_STEPS, STEPS_BY_CODE, TOWNSHIP, Anchor, CaseStage
from fazhan.procedure.engine import Rec
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.rules.outcome import case_outcome

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
POOL_STAGES = (CaseStage.APPLICANT, CaseStage.ACTIVIST, CaseStage.TARGET)


def _within(path: str, org: Org) -> bool:
    return path.startswith(org.path)


def plan_parent(org: Org, year: int) -> Plan | None:
    """The nearest plan above `org` for `year`."""
    codes = [c for c in org.path.strip("/").split("/") if c and c != org.code]
    plans = Plan.objects.filter(year=year, org__code__in=codes).select_related("org")
    return max(plans, key=lambda p: p.org.depth, default=None)


def plan_children(plan: Plan) -> list[Plan]:
    """The plans passed down directly from `plan`: below its org, with no other plan between."""
    below = list(
        Plan.objects.filter(year=plan.year, org__path__startswith=plan.org.path)
        .exclude(pk=plan.pk)
        .select_related("org")
    )
    paths = [p.org.path for p in below]
    return [p for p in below if not any(q != p.org.path and p.org.path.startswith(q) for q in paths)]


def plan_org_for_user(user, code: str) -> Org:
    """The org whose plan page the user opens: 404 outside the subtree, 403 for roles that keep no plan."""
    org = org_get_for_user(user, code)
    if not user_roles_at(user, org) & PLAN_READERS:
        raise PermissionDenied
    return org


def org_on(person: Person, day: datetime.date, transfers: list[Transfer]) -> Org:
    """The person's org on `day`, from the transfer history (transfers sorted by date)."""
    before = [t for t in transfers if t.date <= day]
    if before:
        return before[-1].to_org
    if transfers:
        return transfers[0].from_org
    return person.org


@dataclass
class Admission:
    person: Person
    date: datetime.date
    org: Org  # the person's branch on the approval date
    override: str = ""  # the reason recorded at approval for admitting beyond the quota (PLAN-QUOTA)

    def in_group(self, key: str) -> bool:
        p = self.person
        if key == "women":
            return p.gender == Gender.FEMALE
        if key == "age_35_and_under":
            return full_years(p.birth_date, self.date) <= 35
        if key == "college_and_above":
            return p.education in COLLEGE_AND_ABOVE
        return key in (p.tags or [])


def admissions(org: Org, year: int) -> list[Admission]:
    """S17 approvals of `year`, counted for the person's branch on the approval date, inside `org`'s subtree
    on that date. Records superseded by a correction and cases declared invalid do not count."""
    passing = STEPS_BY_CODE[Anchor.APPROVAL].passing
    queryset = (
        StepRecord.objects.filter(
            step=Anchor.APPROVAL,
            superseded_by__isnull=True,
            date__gte=datetime.date(year, 1, 1),
            date__lte=datetime.date(year, 12, 31),
        )
        .exclude(case__exit_reason=ExitReason.INVALIDATED)
        .select_related("case__person__org")
        .order_by("date", "pk")
    )
    records = [r for r in queryset if passing is None or r.details.get(passing[0]) in passing[1]]
    person_ids = {r.case.person_id for r in records}
    transfers: dict[int, list[Transfer]] = defaultdict(list)
    for t in Transfer.objects.filter(person_id__in=person_ids).select_related("from_org", "to_org"):
        transfers[t.person_id].append(t)
    out = []
    for r in records:
        person = r.case.person
        at = org_on(person, r.date, sorted(transfers[person.pk], key=lambda t: (t.date, t.pk)))
        if _within(at.path, org):
            out.append(Admission(person, r.date, at, str(r.details.get("quota_override_reason") or "")))
    return out


@dataclass
class OrgRow:
    org: Org
    quota: int | None
    admitted: int
    pool: dict[str, int]

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
        """POOL-RATIO, the strict reading: applicants ≥ 2 × activists and activists ≥ 3 × targets, each person
        counted only in the stage they are in."""
        return self.applicants >= 2 * self.activists and self.activists >= 3 * self.targets

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


def pool_stages(org: Org, day: datetime.date, *, today: datetime.date) -> list[tuple[str, str]]:
    """(the person's org path, the stage) of every case of `org`'s subtree open on `day`: today as step entry
    keeps each case's stage; a past day as the records dated by then put it (procedure.md B0.3, the one
    reading of rules/outcome.case_outcome over the records it reads, OUTCOME_STEPS), a case closed by then
    being out."""
    cases = Case.objects.filter(person__org__path__startswith=org.path)
    if day >= today:
        return list(cases.filter(closed_on__isnull=True).values_list("person__org__path", "stage"))
    open_then = cases.filter(opened_on__lte=day).exclude(closed_on__lte=day)
    paths = dict(open_then.values_list("pk", "person__org__path"))
    records: dict[int, list[Rec]] = {pk: [] for pk in paths}
    for case_id, pk, step, date, details in (
        StepRecord.objects.filter(
            case__in=open_then, superseded_by__isnull=True, date__lte=day, step__in=OUTCOME_STEPS
        )
        .order_by("case_id", "date", "id")
        .values_list("case_id", "pk", "step", "date", "details")
    ):
        records[case_id].append(Rec(pk, step, date, details))
    return [(paths[pk], case_outcome(recs).stage) for pk, recs in records.items()]


def plan_report(org: Org, year: int, *, today: datetime.date) -> PlanReport:
    """Quota against admissions, the pool by stage with its 6:3:1 reading, village reserves and focus groups
    of `org` for `year`, with one row for each org directly below it. The pool is counted today, or for a year
    that has ended on its last day (`as_of`)."""
    orgs = list(org_subtree(org))
    plans = {p.org_id: p for p in Plan.objects.filter(year=year, org__in=orgs)}
    children = [o for o in orgs if o.parent_id == org.pk]
    admitted = admissions(org, year)
    day = min(today, datetime.date(year, 12, 31))
    pool_by_path: dict[str, Counter] = defaultdict(Counter)
    for path, stage in pool_stages(org, day, today=today):
        if stage in POOL_STAGES:
            pool_by_path[path][stage] += 1

    def org_row(o: Org) -> OrgRow:
        pool: Counter = Counter()
        for path, counts in pool_by_path.items():
            if path.startswith(o.path):
                pool.update(counts)
        plan = plans.get(o.pk)
        return OrgRow(
            o, plan.quota if plan else None, sum(1 for a in admitted if _within(a.org.path, o)), dict(pool)
        )

    villages = [
        (o, pool_by_path[o.path][CaseStage.ACTIVIST])
        for o in orgs
        if o.is_branch and o.category == OrgCategory.VILLAGE
    ]
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
