"""Everything the rules read about a whole subtree, in a fixed handful of set-based queries (no query per
case), and the same facts for one case (the single-case form the parity test compares against).

Each query selects a subtree by the org's materialized path, never by a list of ids, so its cost grows with
the rows it returns and nothing else: a province is the same dozen queries as a village.
"""

import datetime
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection
from django.db.models import Count, F, Q, TextField
from django.db.models.functions import Cast

from fazhan.archive.models import ArchiveReview
from fazhan.inspection.frames import Frames, frames_from_facts
from fazhan.organizations.models import Org
from fazhan.people.idnumber import IdNumberError, id_number_parse
from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole, Transfer
from fazhan.plans.models import Plan
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.definition import STEPS_BY_CODE, limits
from fazhan.procedure.engine import CaseFacts, MemberFacts, OrgFacts, Rec
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.rules.notice import OrgRow, PersonRow, TreeFacts, as_date
from fazhan.procedure.selectors import FORM_FIELDS, case_facts, form_fact, transfer_fact

COMMITTEE_ROLES = ("branch_secretary", "branch_committee")
CHUNK = 2000  # ids per IN list when members named in details are looked up


@dataclass(frozen=True)
class IndexedFacts(CaseFacts):
    """CaseFacts that index their records by step once (the whole-tree run asks `all` and `first` some fifty
    times per case). Same answers as CaseFacts — the parity test runs both — only without rescanning."""

    def _by_step(self) -> dict[str, list[Rec]]:
        cached = self.__dict__.get("_index")
        if cached is None or cached[0] is not self.records:
            index: dict[str, list[Rec]] = defaultdict(list)
            for r in self.records:
                index[r.step].append(r)
            cached = (self.records, index)
            object.__setattr__(self, "_index", cached)
        return cached[1]

    def all(self, step: str) -> list[Rec]:
        return list(self._by_step().get(step, ()))

    def first(self, step: str) -> Rec | None:
        return next((r for r in self._by_step().get(step, ()) if r.passed()), None)


@dataclass
class Loaded:
    """The tree's facts, and what the run needs beside them: the case of each CaseFacts, the first record of
    each correction chain (a finding's stable key), the number of step records read."""

    tree: TreeFacts
    case_ids: list[int]
    roots: dict[int, int]
    records: int
    texts: dict[int, str] = field(default_factory=dict)  # each record's details as fetched (JSON text)

    def frames(self) -> Frames:
        """The cases as columns for the screens, with the details text as fetched (nothing re-encoded)."""
        texts = self.texts
        return frames_from_facts(self.tree.cases, self.tree.limits, lambda r: texts[r.id])


def _raw_rows(qs) -> Iterator[tuple]:
    """The rows of a values_list(pk, case, step, date, details, recorded_at, supersedes) query straight from
    the driver, details as JSON text (kept for the screens' frames) and decoded once with orjson: Django's
    per-value converters cost more than the rules on 100,000s of rows. On SQLite the dates come as text (cast
    in the query, so the driver's converters never run); PostgreSQL's driver hands dates and timestamps."""
    sql, params = qs.query.sql_with_params()
    loads, day, moment = orjson.loads, datetime.date.fromisoformat, datetime.datetime.fromisoformat
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(10_000):
            for pk, case_id, step, date, text, recorded_at, supersedes in rows:
                if isinstance(date, str):
                    date = day(date)
                if isinstance(recorded_at, str):  # SQLite: UTC, as Django writes it
                    recorded_at = moment(recorded_at + "+00:00")
                elif recorded_at is not None and recorded_at.tzinfo is None:
                    recorded_at = recorded_at.replace(tzinfo=datetime.UTC)
                yield pk, case_id, step, date, text, loads(text), recorded_at, supersedes


def _as_text(field: str) -> Any:
    """A column as the driver's text on SQLite (no converter runs); as itself elsewhere."""
    return Cast(field, TextField()) if connection.vendor == "sqlite" else F(field)


def _subtree(root: Org | None, field: str) -> Q:
    return Q(**{f"{field}__startswith": root.path}) if root is not None else Q()


def _id_valid(number: str) -> bool:
    try:
        id_number_parse(number)
    except IdNumberError:
        return False
    return True


def _orgs() -> tuple[dict[str, OrgFacts], dict[str, OrgRow], dict[int, str]]:
    rows = Org.objects.annotate(full=Count("persons", filter=Q(persons__party_status="full"))).values_list(
        "pk", "code", "kind", "category", "path", "election_dates", "full"
    )
    facts, tree, codes = {}, {}, {}
    for pk, code, kind, category, path, elections, full in rows:
        facts[code] = OrgFacts(code, kind, path, full)
        tree[code] = OrgRow(code, kind, category, path, tuple(as_date(e) for e in elections or ()))
        codes[pk] = code
    return facts, tree, codes


# The details keys that name persons, per step (talkers, contacts, introducers).
PID_KEYS = {
    step.code: tuple(k for k, spec in step.details.items() if spec.kind == "pids")
    for step in STEPS_BY_CODE.values()
}


def _referenced(details: dict[str, Any], step: str, into: set[str]) -> None:
    for key in PID_KEYS[step]:
        value = details.get(key)
        if isinstance(value, list):
            into.update(v for v in value if isinstance(v, str))


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(items)
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _members(pids: set[str], codes: dict[int, str]) -> dict[str, MemberFacts]:
    probation: dict[str, list] = defaultdict(list)
    out = {}
    for chunk in _chunks(pids):
        for pid, start, restored in DisciplineRecord.objects.filter(
            person__pid__in=chunk, kind="party_probation"
        ).values_list("person__pid", "date_from", "rights_restored_on"):
            probation[pid].append((start, restored))
        for pid, status, joined, full, org_id in Person.objects.filter(pid__in=chunk).values_list(
            "pid", "party_status", "joined_on", "full_since", "org_id"
        ):
            out[pid] = MemberFacts(pid, status, joined, full, tuple(probation[pid]), codes[org_id])
    return out


@contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic collector paused: loading builds some 100,000s of objects and none of them is garbage, so
    its passes over them would cost more than the load itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def tree_load(*, root: Org | None, as_of: datetime.date) -> Loaded:
    """Every case whose person is in `root`'s subtree (the whole tree for None), as of `as_of`."""
    with no_gc():
        return _tree_load(root, as_of)


def _tree_load(root: Org | None, as_of: datetime.date) -> Loaded:
    org_facts, org_rows, codes = _orgs()
    settings_limits = limits()
    persons = {}
    people = {}
    for row in (
        Person.objects.filter(_subtree(root, "org__path"), cases__isnull=False)
        .distinct()
        .values(
            "pk",
            "pid",
            "birth_date",
            "floating",
            "planned_departure",
            "org_id",
            "work_unit_org_id",
            "id_number",
            "gender",
            "education",
            "occupation",
            "tags",
        )
    ):
        persons[row["pk"]] = row
        people[row["pid"]] = PersonRow(
            row["pid"],
            row["gender"],
            row["education"],
            row["occupation"],
            row["birth_date"],
            tuple(row["tags"]),
        )
    cases = list(
        Case.objects.filter(_subtree(root, "person__org__path"))
        .order_by("pk")
        .values_list("pk", "person_id", "closed_on")
    )
    records: dict[int, list[Rec]] = defaultdict(list)
    referenced: set[str] = set()
    count = 0
    steps = (
        StepRecord.objects.filter(
            _subtree(root, "case__person__org__path"), superseded_by__isnull=True, date__lte=as_of
        )
        .order_by("date", "id")
        .values_list(
            "pk",
            "case_id",
            "step",
            _as_text("date"),
            Cast("details", TextField()),
            _as_text("recorded_at"),
            "supersedes_id",
        )
    )
    texts: dict[int, str] = {}
    for pk, case_id, step, date, text, details, recorded_at, supersedes in _raw_rows(steps):
        records[case_id].append(Rec(pk, step, date, details, recorded_at, supersedes))
        texts[pk] = text
        if PID_KEYS[step]:
            _referenced(details, step, referenced)
        count += 1
    previous = dict(
        StepRecord.objects.filter(
            _subtree(root, "case__person__org__path"), supersedes__isnull=False
        ).values_list("pk", "supersedes_id")
    )
    roots = {}
    for pk in previous:
        first = pk
        while first in previous:
            first = previous[first]
        roots[pk] = first
    by_person = _by_person(root, as_of)
    secretaries: dict[str, list[str]] = defaultdict(list)
    committees: dict[str, set[str]] = defaultdict(set)
    for pid, org_id, role in PersonRole.objects.filter(role__in=COMMITTEE_ROLES).values_list(
        "person__pid", "person__org_id", "role"
    ):
        committees[codes[org_id]].add(pid)
        if role == "branch_secretary":
            secretaries[codes[org_id]].append(pid)
    members = _members(referenced, codes)
    form_index = {f["number"]: f for forms in by_person["forms"].values() for f in forms}
    out = []
    for case_id, person_id, closed_on in cases:
        p = persons[person_id]
        pid, branch = p["pid"], codes[p["org_id"]]
        facts = IndexedFacts(
            person_pid=pid,
            birth_date=p["birth_date"],
            floating=p["floating"],
            branch=org_facts[branch],
            records=tuple(records.get(case_id, ())),
            limits=settings_limits,
            as_of=as_of,
            planned_departure=p["planned_departure"],
            resident_id_valid=_id_valid(p["id_number"]),
            work_unit_org=codes[p["work_unit_org_id"]] if p["work_unit_org_id"] else "",
            members=members,
            orgs=org_facts,
            forms=_forms_of(pid, records.get(case_id, ()), by_person["forms"], form_index),
            transfers=tuple(by_person["transfers"].get(pid, ())),
            exited_on=closed_on if closed_on and closed_on <= as_of else None,
            kin=dict(by_person["kin"].get(pid, ())),
            discipline=tuple(by_person["discipline"].get(pid, ())),
            branch_secretaries=tuple(sorted(secretaries.get(branch, ()))),
            archive_reviews=tuple(by_person["archive_reviews"].get(pid, ())),
        )
        out.append(facts)
    plans = {
        (codes[org_id], year): {"quota": quota, "groups": groups}
        for org_id, year, quota, groups in Plan.objects.filter(_subtree(root, "org__path")).values_list(
            "org_id", "year", "quota", "groups"
        )
    }
    tree = TreeFacts(
        as_of=as_of,
        limits=settings_limits,
        root_path=root.path if root is not None else "/",
        orgs=org_rows,
        cases=out,
        people=people,
        plans=plans,
        committees={code: frozenset(pids) for code, pids in committees.items()},
    )
    return Loaded(tree=tree, case_ids=[c[0] for c in cases], roots=roots, records=count, texts=texts)


# The details keys that name a numbered form, per step (S14's form_number).
FORM_KEYS = {
    step.code: tuple(k for k, spec in step.details.items() if spec.kind == "form")
    for step in STEPS_BY_CODE.values()
}


def _forms_of(pid: str, records: Iterable[Rec], own: dict[str, list], index: dict[str, dict]) -> tuple:
    """The person's forms and any other form of the subtree a step names (FORM-MATCH asks whose it is), as
    procedure.selectors.person_registers gives them for one case."""
    forms = own.get(pid, ())
    named: set[str] = set()
    for r in records:
        for key in FORM_KEYS[r.step]:
            if isinstance(r.details.get(key), str):
                named.add(r.details[key])
    if not named and len(forms) < 2:
        return tuple(forms)
    mine = {f["number"] for f in forms}
    extra = [index[n] for n in sorted(named - mine) if n in index]
    return tuple(sorted([*forms, *extra], key=lambda f: f["number"]))


def _by_person(root: Org | None, as_of: datetime.date) -> dict[str, dict[str, list]]:
    """The registers the rules read beside the steps, per person pid: kinship (both sides), discipline,
    transfers, numbered forms, archive reviews — each in one query over the subtree."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for a, b, relation in Kinship.objects.filter(_subtree(root, "a__org__path")).values_list(
        "a__pid", "b__pid", "relation"
    ):
        out["kin"][a].append((b, relation))
    for a, b, relation in Kinship.objects.filter(_subtree(root, "b__org__path")).values_list(
        "a__pid", "b__pid", "relation"
    ):
        out["kin"][b].append((a, relation))
    for pid, kind, start, stop in DisciplineRecord.objects.filter(
        _subtree(root, "person__org__path"), date_from__lte=as_of
    ).values_list("person__pid", "kind", "date_from", "date_to"):
        out["discipline"][pid].append({"kind": kind, "from": start, "to": stop})
    for pid, date, src, dst, materials in (
        Transfer.objects.filter(_subtree(root, "person__org__path"), date__lte=as_of)
        .order_by("date", "id")
        .values_list("person__pid", "date", "from_org__code", "to_org__code", "materials_transferred")
    ):
        out["transfers"][pid].append(transfer_fact(date, src, dst, materials))
    for row in (
        NumberedForm.objects.filter(_subtree(root, "person__org__path"))
        .order_by("number")
        .values(*FORM_FIELDS)
    ):
        out["forms"][row["person__pid"]].append(form_fact(row))
    for pid, date, reviewer, missing in (
        ArchiveReview.objects.filter(_subtree(root, "person__org__path"), date__lte=as_of)
        .order_by("date", "id")
        .values_list("person__pid", "date", "reviewer__code", "missing")
    ):
        out["archive_reviews"][pid].append({"date": date, "reviewer": reviewer, "missing": list(missing)})
    return out


def case_facts_full(case: Case, *, as_of: datetime.date) -> CaseFacts:
    """One case the single-case way: exactly what step entry reads (procedure.selectors.case_facts)."""
    return case_facts(case, as_of=as_of)
