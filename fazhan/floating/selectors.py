"""Reads of the floating registers: the records a user may see, the facts POL-DONE reads, the floating-member
party orgs with their members, and the migrant workers flowing in with those in the procedure."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from fazhan.accounts.models import EDIT_ROLES
from fazhan.accounts.selectors import user_assignments, user_scope_q
from fazhan.core.dates import date_cn
from fazhan.floating.models import Direction, FloatingRecord
from fazhan.organizations.models import Org, OrgCategory
from fazhan.people.models import Person
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.loader import case_facts_many
from fazhan.procedure.models import Case
from fazhan.procedure.rules.counting import POOL_STAGES, stage_of

# The stages of the procedure a migrant worker is counted in (procedure/rules/counting.py stage_of), in order.
REPORT_STAGES = (*POOL_STAGES, CaseStage.PROBATIONARY, CaseStage.FULL)


def floating_list_for_user(user) -> QuerySet[FloatingRecord]:
    return FloatingRecord.objects.filter(user_scope_q(user, "org__path")).select_related(
        "person", "org", "other_org"
    )


def floating_list_for_person(user, person: Person) -> list[FloatingRecord]:
    """A person's outflows and inflows the user may see (kept by an org in their subtrees), latest first, for
    the person page."""
    records = list(
        FloatingRecord.objects.filter(user_scope_q(user, "org__path"), person=person)
        .select_related("org", "other_org")
        .order_by("-since", "-pk")
    )
    for record in records:
        record.person = person  # the page's own: not read (and its sealed fields opened) again
    return records


def floating_get_for_user(user, pk: int) -> FloatingRecord:
    """The one way to fetch a record: 404 outside the user's subtrees."""
    return get_object_or_404(floating_list_for_user(user), pk=pk)


def floating_open(records: QuerySet[FloatingRecord], day: datetime.date) -> QuerySet[FloatingRecord]:
    """The records open on `day`: begun by then and not ended before it."""
    return records.filter(Q(until__isnull=True) | Q(until__gte=day), since__lte=day)


def floating_sides(record: FloatingRecord) -> dict[str, str]:
    """The 户籍 (home) and residence orgs of a record, each by code where the org is in the tree, else "" with
    its name: an outflow's home is the keeping org and its residence the org there (or the place); an
    inflow's home is the org it came from (or the place) and its residence the keeping org."""
    there_code = record.other_org.code if record.other_org else ""
    there_name = record.other_org.name if record.other_org else (record.other_org_name or record.place)
    here = {"code": record.org.code, "name": record.org.name}
    there = {"code": there_code, "name": there_name}
    home, residence = (here, there) if record.direction == Direction.OUT else (there, here)
    return {
        "home": home["code"],
        "home_name": home["name"],
        "residence": residence["code"],
        "residence_name": residence["name"],
    }


def _facts(records: QuerySet[FloatingRecord]) -> dict[int, list[dict]]:
    """By Person.pk, the records as CaseFacts.floating_records holds them."""
    out: dict[int, list[dict]] = {}
    for r in records.select_related("org", "other_org").order_by("since", "pk"):
        out.setdefault(r.person_id, []).append(
            {"id": r.pk, "direction": r.direction, "since": r.since, "until": r.until, **floating_sides(r)}
        )
    return out


def floating_facts_for_person(person, named: set[str]) -> list[dict]:
    """One person's records (procedure.selectors.case_facts, at step entry)."""
    return _facts(FloatingRecord.objects.filter(person=person)).get(person.pk, [])


def floating_facts_by_person(person_ids, as_of: datetime.date) -> dict[int, list[dict]]:
    return _facts(FloatingRecord.objects.filter(person_id__in=list(person_ids), since__lte=as_of))


def floating_facts_in_subtree(scope, as_of: datetime.date) -> dict[int, list[dict]]:
    """The records of every person of a scope (procedure.loader), in one query by the persons' org paths."""
    return _facts(FloatingRecord.objects.filter(scope("person__org__path"), since__lte=as_of))


@dataclass
class FloatingMember:
    person: Person
    home: str  # the home org's name (or the place the person came from)
    since: datetime.date | None

    @property
    def since_cn(self) -> str:
        return date_cn(self.since)


@dataclass
class FloatingOrg:
    org: Org
    members: list[FloatingMember] = field(default_factory=list)


def floating_orgs_for_user(user, day: datetime.date) -> list[FloatingOrg]:
    """The floating-member party orgs (organizations' category 流动党员) of the user's subtrees, each with its
    members and their home orgs: the members registered in it (home: their open inflow record's origin, else
    unknown) and those whose open outflow record names it as the org there (home: the org that keeps it).
    A floating-member org outside the user's subtrees that their own members flowed out to is listed with
    those members only."""
    mine = Org.objects.filter(user_scope_q(user, "path"), category=OrgCategory.FLOATING)
    outflows = floating_open(
        FloatingRecord.objects.filter(direction=Direction.OUT, other_org__isnull=False), day
    ).select_related("person", "org")
    seen_outflows = floating_open(floating_list_for_user(user), day).filter(
        direction=Direction.OUT, other_org__isnull=False
    )
    named = Org.objects.filter(pk__in=seen_outflows.values("other_org_id"))
    out = []
    for org in (mine | named).distinct().order_by("path"):
        entry = FloatingOrg(org)
        inside = org in mine
        if inside:
            inflow = {
                r.person_id: r
                for r in floating_open(FloatingRecord.objects.filter(org=org), day).select_related(
                    "other_org"
                )
            }
            for person in Person.objects.filter(org=org).order_by("pid"):
                r = inflow.get(person.pk)
                home = floating_sides(r)["home_name"] if r else ""
                entry.members.append(FloatingMember(person, home, r.since if r else None))
        for r in (outflows if inside else seen_outflows.select_related("person", "org")).filter(
            other_org=org
        ):
            entry.members.append(FloatingMember(r.person, r.org.name, r.since))
        out.append(entry)
    return out


@dataclass
class MigrantRow:
    org: Org
    workers: int = 0  # migrant workers flowing in, open on the day
    stages: Counter = field(default_factory=Counter)  # by their stage on the day (full: members already)

    @property
    def in_procedure(self) -> int:
        """Applicants, activists and targets: the pool (procedure/rules/counting.py POOL_STAGES)."""
        return sum(self.stages[s] for s in POOL_STAGES)


def migrant_report(user, day: datetime.date) -> list[MigrantRow]:
    """Per inflow org of the user's subtrees, the migrant workers (农民工) flowing in on `day` and where each
    stands: in the pool (applicant, activist, target), developed (probationary) or a full member, as the
    counting rules read their case on that day; a member without a case here counts as a full member."""
    records = floating_open(
        floating_list_for_user(user).filter(direction=Direction.IN, migrant_worker=True), day
    ).order_by("org__path", "pk")
    rows: dict[int, MigrantRow] = {}
    row_of: dict[int, MigrantRow] = {}
    members: set[int] = set()
    for r in records:
        row = rows.setdefault(r.org_id, MigrantRow(r.org))
        row.workers += 1
        row_of[r.person_id] = row
        if r.person.party_status:
            members.add(r.person_id)
    cases = list(
        Case.objects.filter(person_id__in=list(row_of), opened_on__lte=day)
        .select_related("person")
        .order_by("opened_on", "pk")
    )
    stages: dict[int, str] = {}
    for case, facts in zip(cases, case_facts_many(cases, as_of=day), strict=True):
        if stages.get(case.person_id) in (None, CaseStage.EXITED):  # a person's live case, if any
            stages[case.person_id] = stage_of(facts)
    for person_id, row in row_of.items():
        stage = stages.get(person_id)
        if stage in REPORT_STAGES:
            row.stages[stage] += 1
        elif person_id in members:
            row.stages[CaseStage.FULL] += 1
    return list(rows.values())


def floating_persons_for_user(user) -> QuerySet[Person]:
    """The persons the user may register as flowing out or in (those of the orgs where they hold an editing
    role), without those who have an open record already."""
    paths = [a.org.path for a in user_assignments(user) if a.role in EDIT_ROLES]
    if not paths:
        return Person.objects.none()
    scope = Q()
    for path in paths:
        scope |= Q(org__path__startswith=path)
    return (
        Person.objects.filter(scope)
        .exclude(pk__in=FloatingRecord.objects.filter(until__isnull=True).values("person_id"))
        .select_related("org")
        .order_by("org__path", "pid")
    )
