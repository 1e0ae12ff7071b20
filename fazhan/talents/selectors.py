"""Key talents read: who is marked in an org's subtree, their leaders and contacts, the coverage (TAL-COVER)
and the separate plan line (单列计划, TAL-PLAN) against the key persons developed — counted by the plans'
`admissions`, that is by the rules' own counting functions (procedure/rules/counting.py: the first approving
S17, for the person's branch on that day, rolled up the tree, an invalidated admission nowhere)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from fazhan.accounts.selectors import user_roles_at, user_scope_q
from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_get_for_user, org_subtree
from fazhan.plans.models import Plan
from fazhan.plans.selectors import Admission, PlanPanel, admissions
from fazhan.procedure.definition import BRANCH, DISTRICT, TOWNSHIP
from fazhan.talents.models import Contact, KeyPerson, KeyUnit, LeaderLink, TalentPlan
from fazhan.talents.rules import LinkDates, covered, quarter_start

# Who reads the key-talent page (a branch its own people), who marks and assigns, who records contacts.
TALENT_READERS = frozenset(BRANCH + TOWNSHIP + DISTRICT + ("inspector",))
TALENT_MARKERS = frozenset(TOWNSHIP + DISTRICT)
CONTACT_RECORDERS = frozenset(BRANCH + TOWNSHIP + DISTRICT)


def talents_org_for_user(user, code: str) -> Org:
    """The org whose key-talent page the user opens: 404 outside the subtree, 403 without a reading role."""
    org = org_get_for_user(user, code)
    if not user_roles_at(user, org) & TALENT_READERS:
        raise PermissionDenied
    return org


def _on(day: datetime.date, since: str = "since", until: str = "until") -> Q:
    return Q(**{f"{since}__lte": day}) & (Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gte": day}))


def key_units_current(org: Org, day: datetime.date) -> QuerySet[KeyUnit]:
    return KeyUnit.objects.filter(_on(day), org__path__startswith=org.path).select_related("org")


def key_persons_current(org: Org, day: datetime.date) -> QuerySet[KeyPerson]:
    """The key persons marked on `day` whose person is in `org`'s subtree."""
    return (
        KeyPerson.objects.filter(_on(day), person__org__path__startswith=org.path)
        .select_related("person__org", "person__work_unit_org")
        .order_by("person__org__path", "person__pid")
    )


def key_person_get_for_user(user, pk: int) -> KeyPerson:
    """A current mark in the user's subtrees (404 outside them or once unmarked)."""
    marks = KeyPerson.objects.filter(user_scope_q(user, "person__org__path"), until__isnull=True)
    return get_object_or_404(marks.select_related("person__org"), pk=pk)


def key_unit_get_for_user(user, pk: int) -> KeyUnit:
    units = KeyUnit.objects.filter(user_scope_q(user, "org__path"), until__isnull=True)
    return get_object_or_404(units.select_related("org"), pk=pk)


def link_get_for_user(user, pk: int) -> LeaderLink:
    links = LeaderLink.objects.filter(user_scope_q(user, "key__person__org__path"))
    return get_object_or_404(links.select_related("key__person__org", "leader"), pk=pk)


def key_person_current_of(person_pk: int) -> KeyPerson | None:
    return KeyPerson.objects.filter(person_id=person_pk, until__isnull=True).first()


@dataclass
class KeyRow:
    """One key person on a day: the leaders whose link is current, the last contact, TAL-COVER's reading."""

    key: KeyPerson
    leaders: list[LeaderLink]
    last_contact: Contact | None
    has_leader: bool
    has_contact: bool

    @property
    def covered(self) -> bool:
        return self.has_leader and self.has_contact

    @property
    def gap(self) -> str:
        """Why the person is not covered, in words."""
        if self.covered:
            return ""
        if not self.has_leader:
            return "未确定联系领导干部"
        return "近一个季度无联系记录"


@dataclass
class OrgCoverage:
    org: Org
    total: int
    covered: int

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def percent(self) -> str:
        return "—" if not self.total else f"{100 * self.covered / self.total:.0f}%"


@dataclass
class Coverage:
    """TAL-COVER over an org's subtree on a day: every key person, and one row per org directly below."""

    org: Org
    day: datetime.date
    quarter_from: datetime.date
    rows: list[KeyRow]
    total: OrgCoverage
    children: list[OrgCoverage] = field(default_factory=list)

    @property
    def uncovered(self) -> list[KeyRow]:
        return [r for r in self.rows if not r.covered]


def key_rows(keys: list[KeyPerson], day: datetime.date) -> list[KeyRow]:
    links = list(
        LeaderLink.objects.filter(key__in=keys, start__lte=day)
        .select_related("leader")
        .order_by("start", "pk")
    )
    contacts = list(
        Contact.objects.filter(link__key__in=keys, date__lte=day)
        .select_related("link__leader")
        .order_by("date", "pk")
    )
    rows = []
    for key in keys:
        own = [link for link in links if link.key_id == key.pk]
        seen = [c for c in contacts if c.link.key_id == key.pk]
        has_leader, has_contact = covered(
            [LinkDates(link.start, link.end) for link in own], [c.date for c in seen], day
        )
        current = [link for link in own if link.end is None or link.end >= day]
        rows.append(KeyRow(key, current, seen[-1] if seen else None, has_leader, has_contact))
    return rows


def talent_coverage(org: Org, day: datetime.date) -> Coverage:
    """TAL-COVER for `org`'s subtree on `day`."""
    rows = key_rows(list(key_persons_current(org, day)), day)

    def of(o: Org) -> OrgCoverage:
        mine = [r for r in rows if r.key.person.org.path.startswith(o.path)]
        return OrgCoverage(o, len(mine), sum(1 for r in mine if r.covered))

    children = [o for o in org_subtree(org).order_by("path") if o.parent_id == org.pk]
    return Coverage(org, day, quarter_start(day), rows, of(org), [of(o) for o in children])


@dataclass
class PlanLine:
    """单列计划 of an org and year against the key persons developed (TAL-PLAN)."""

    org: Org
    year: int
    quota: int | None
    line: TalentPlan | None
    developed: list[Admission]

    @property
    def reserved(self) -> int | None:
        return self.line.reserved if self.line else None

    @property
    def left(self) -> int | None:
        return None if self.line is None else self.line.reserved - len(self.developed)


def key_on(marks: list[KeyPerson], person_pk: int, day: datetime.date) -> bool:
    return any(
        m.person_id == person_pk and m.since <= day and (m.until is None or day <= m.until) for m in marks
    )


def talent_plan_lines(orgs: list[Org], year: int, *, today: datetime.date) -> list[PlanLine]:
    """The plan line of each of `orgs` (the first and orgs below it): the year's admissions counted for the
    first (plans.selectors.admissions: the rules' counting, read once), each org's share those of its
    subtree, whose person was a key person on the approval day."""
    if not orgs:
        return []
    admitted = admissions(orgs[0], year, today=today)
    marks = list(KeyPerson.objects.filter(person_id__in=[a.person.pk for a in admitted]))
    developed = [a for a in admitted if key_on(marks, a.person.pk, a.date)]
    quotas = {p.org_id: p.quota for p in Plan.objects.filter(org__in=orgs, year=year)}
    lines = {t.org_id: t for t in TalentPlan.objects.filter(org__in=orgs, year=year)}
    return [
        PlanLine(
            o,
            year,
            quotas.get(o.pk),
            lines.get(o.pk),
            [a for a in developed if a.org.path.startswith(o.path)],
        )
        for o in orgs
    ]


def talent_plan_line(org: Org, year: int, *, today: datetime.date) -> PlanLine:
    return talent_plan_lines([org], year, today=today)[0]


def talent_plan_panel(*, org: Org, year: int, today: datetime.date, user) -> PlanPanel:
    """The key-talent panel of the plan page (registered with plans: plans imports no talents)."""
    return PlanPanel(
        "talents/_plan_panel.html",
        {
            "talent_line": talent_plan_line(org, year, today=today),
            "talent_coverage": talent_coverage(org, today),
            "talent_code": org.code,
            "talent_year": year,
        },
    )


def talents_uncovered_for_user(user, *, today: datetime.date) -> list[KeyRow]:
    """The key persons in the user's subtrees, of orgs where the user marks or records contacts, with no
    current leader or no contact in the last quarter (TAL-COVER): the to-do list's "talent_uncovered"."""
    keys = (
        KeyPerson.objects.filter(_on(today), user_scope_q(user, "person__org__path"))
        .select_related("person__org")
        .order_by("person__org__path", "person__pid")
    )
    mine = [k for k in keys if user_roles_at(user, k.person.org) & CONTACT_RECORDERS]
    return [r for r in key_rows(mine, today) if not r.covered]
