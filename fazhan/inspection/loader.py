"""Everything the rules read about a whole subtree, in a fixed handful of set-based queries (no query per
case), and the same facts for one case (the single-case form the parity test compares against).

Each query selects a subtree by the org's materialized path, never by a list of ids, so its cost grows with
the rows it returns and nothing else: a province is the same dozen queries as a village.
"""

import datetime
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
import polars as pl
from django.db import connection
from django.db.models import Count, F, IntegerField, Max, Min, Q, TextField
from django.db.models.functions import Cast

from fazhan.archive.models import ArchiveReview
from fazhan.inspection.frames import RECORD_COLUMNS, STEP, Frames, case_row, record_frame
from fazhan.organizations.models import Org
from fazhan.people.cipher import id_cipher_key, unseal
from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole, Transfer
from fazhan.plans.models import Plan
from fazhan.prereview.models import NumberedForm
from fazhan.prereview.selectors import FORM_FIELDS, form_fact
from fazhan.procedure.definition import STEPS_BY_CODE, limits
from fazhan.procedure.engine import CaseFacts, MemberFacts, OrgFacts, Rec
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.rules.counting import PersonRow, as_date
from fazhan.procedure.rules.forms import IDENTITY_STEPS
from fazhan.procedure.rules.notice2018 import TREE_ROUND_STEPS, TREE_STEPS, OrgRow, TreeFacts
from fazhan.procedure.selectors import case_facts, identity_fact, transfer_fact

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

    @classmethod
    def indexed(cls, records: tuple[Rec, ...], fields: dict[str, Any]) -> "IndexedFacts":
        """Facts whose index is made at once (the loader's summaries: one record per step). `fields` name
        every field but `records`, so the frozen dataclass's field-by-field __init__ (a tenth of the load
        over a district) is skipped: tests/inspection/test_screens.py checks the result equals it."""
        facts = object.__new__(cls)
        index: dict[str, list[Rec]] = defaultdict(list)
        for r in records:
            index[r.step].append(r)
        firsts = (records, _first_passing(records))
        facts.__dict__.update(fields, records=records, _index=(records, index), _firsts=firsts)
        return facts

    def all(self, step: str) -> list[Rec]:
        return list(self._by_step().get(step, ()))

    def first(self, step: str) -> Rec | None:
        cached = self.__dict__.get("_firsts")
        if cached is None or cached[0] is not self.records:
            cached = (self.records, _first_passing(self.records))
            object.__setattr__(self, "_firsts", cached)
        return cached[1].get(step)


def _first_passing(records: Iterable[Rec]) -> dict[str, Rec]:
    """Each step's first passing record (CaseFacts.first, for all the steps in one pass)."""
    firsts: dict[str, Rec] = {}
    for r in records:
        if r.step not in firsts and r.passed():
            firsts[r.step] = r
    return firsts


@dataclass
class Loaded:
    """The tree as the run needs it.

    - `frames`: every record as columns, and the cases' registers, for the screens.
    - `tree`: TreeFacts for the org-level rules, whose cases hold every register but, of the records, only
      the first passing record of each step the org-level rules read (TREE_STEPS) and the conversion rounds
      (TREE_ROUND_STEPS): what they and the case's outcome ask of a case. The same case objects are the
      frames' `facts`, which read their registers and, for `Frames.cases`, their outcome.
    - `full_facts(indices)`: the complete CaseFacts of those cases (every record), built from the columns
      only for the cases a rule must judge exactly.
    Beside them: each case's id, the first record of each correction chain (a finding's stable key), and the
    number of step records read."""

    case_ids: list[int]
    roots: dict[int, int]
    records: int
    frames: Frames
    tree: TreeFacts
    base: list[dict[str, Any]] = field(default_factory=list)  # each case's CaseFacts fields but records

    def full_facts(self, indices: Iterable[int]) -> dict[int, CaseFacts]:
        """The complete facts (every record) of these cases, by index."""
        wanted = sorted(set(indices))
        records: dict[int, list[Rec]] = {i: [] for i in wanted}
        if wanted:
            rows = self.frames.recs.filter(pl.col("case").is_in(wanted))
            for case, pk, step, date, text, at, supersedes, ledger, inferred in rows.select(
                "case",
                "id",
                pl.col("step").cast(pl.String),
                "date",
                "details",
                "recorded_text",
                "supersedes",
                "from_ledger",
                "date_inferred",
            ).iter_rows():
                records[case].append(
                    Rec(pk, step, date, orjson.loads(text), _moment(at), supersedes, ledger, inferred)
                )
        return {i: IndexedFacts(records=tuple(records[i]), **self.base[i]) for i in wanted}


def _moment(text: str | None) -> datetime.datetime | None:
    """An entry time as the database wrote it, aware (no offset: UTC, as Django writes SQLite's)."""
    if text is None:
        return None
    at = datetime.datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=datetime.UTC)


# What SQLite joins a record's fields and the records with: JSON text escapes every control character, and
# no other field (numbers, step codes, ISO dates and times) holds one, so neither occurs inside a field.
FIELD_SEP, RECORD_SEP = "\x1f", "\x1e"
SQLITE_SPAN = 250_000  # record ids per SQLite pass: its text stays far below SQLITE_MAX_LENGTH (10⁹ bytes)


def _record_frame(records: Any, columns: dict[str, Any], case_pks: list[int]) -> pl.DataFrame:
    """The step records of a query as a frame of RECORD_COLUMNS (`columns`: the expression of each, the case
    as its pk), handed from the database to Polars as text, with no Python object per row or value:
    PostgreSQL's COPY … CSV, or SQLite's group_concat of the fields joined by control characters. Polars
    parses the text and numbers each record's case by its place in `case_pks` (the run's cases, in pk
    order)."""
    names = list(RECORD_COLUMNS)
    qs = records.values(**{f"r_{name}": columns[name] for name in names})  # not the models' field names
    flags = [name for name, dtype in RECORD_COLUMNS.items() if dtype == pl.Boolean]  # as 0/1 on both engines
    schema = {**RECORD_COLUMNS, "case": pl.Int64, "step": pl.String, **dict.fromkeys(flags, pl.Int8)}
    options: dict[str, Any] = {}
    texts: Iterable[bytes]
    if connection.vendor == "postgresql":
        texts = _copied(qs)
    else:
        texts = _joined(qs, [f"r_{name}" for name in names])
        options = {"separator": FIELD_SEP, "eol_char": RECORD_SEP, "quote_char": None}
    parts = [pl.read_csv(t, has_header=False, schema=schema, **options) for t in texts if t]
    fetched = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    index = pl.DataFrame({"pk": case_pks}, schema={"pk": pl.Int64}).with_row_index("at")
    return record_frame(
        fetched.join(index, left_on="case", right_on="pk")
        .with_columns(*(pl.col(n) == 1 for n in flags), case=pl.col("at"), step=pl.col("step").cast(STEP))
        .select(names)
    )


def _copied(qs: Any) -> list[bytes]:
    """The query's rows as PostgreSQL's CSV, by COPY on the run's own connection (its transaction's view)."""
    sql, params = qs.query.sql_with_params()
    out = bytearray()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy,
    ):
        for block in copy:
            out += block
    return [bytes(out)]


def _joined(qs: Any, names: list[str]) -> Iterator[bytes]:
    """The query's rows as one text per span of record ids, each field and row joined by SQLite itself."""
    span = qs.aggregate(lo=Min("pk"), hi=Max("pk"))
    if span["lo"] is None:
        return
    row = f" || '{FIELD_SEP}' || ".join(f"ifnull(\"{n}\", '')" for n in names)
    for lo in range(span["lo"], span["hi"] + 1, SQLITE_SPAN):
        sql, params = qs.filter(pk__gte=lo, pk__lt=lo + SQLITE_SPAN).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT group_concat({row}, '{RECORD_SEP}') FROM ({sql})", params)
            yield (cursor.fetchone()[0] or "").encode()  # bytes: Polars reads a str as a file's path


def _raw(qs: Any) -> list[tuple]:
    """A values_list query's rows as the driver hands them, without Django's per-value converters (a tenth
    of a second over a district's persons): dates may come as ISO text, booleans as 0/1 and JSON as text,
    so the caller converts what it reads (_day, bool, _json)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _day(value: Any) -> datetime.date | None:
    """A date column's value from either driver: a date, ISO text (SQLite) or null."""
    return None if value is None else _date(value)


def _date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _json(value: Any) -> Any:
    """A JSON column's value from either driver: JSON text, or the value already decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


class _Person(NamedTuple):
    """What a case's facts read of its person."""

    pid: str
    birth_date: datetime.date
    floating: bool
    planned_departure: datetime.date | None
    org_id: int
    work_unit_org_id: int | None
    id_number_valid: bool


def _subtree(root: Org | None, field: str) -> Q:
    return Q(**{f"{field}__startswith": root.path}) if root is not None else Q()


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
        gc.freeze()  # and out of the passes while the run judges (run.inspect unfreezes at its end)
        if was:
            gc.enable()


def tree_load(*, root: Org | None, as_of: datetime.date) -> Loaded:
    """Every case whose person is in `root`'s subtree (the whole tree for None), as of `as_of`."""
    with no_gc():
        return _tree_load(root, as_of)


@dataclass
class _Read:
    """What the first queries read: the orgs, the persons with cases, the cases, and the records."""

    org_facts: dict[str, OrgFacts]
    org_rows: dict[str, OrgRow]
    codes: dict[int, str]
    persons: dict[int, "_Person"]  # by pk
    people: dict[str, PersonRow]
    cases: list[tuple[int, int, datetime.date | None, bool]]
    recs: pl.DataFrame
    previous: dict[int, int]


def _tree_load(root: Org | None, as_of: datetime.date) -> Loaded:
    read = _read(root, as_of)
    case_rows: list[tuple] = []
    frames = Frames(
        facts=(),  # _facts sets them; the frames' tables are built meanwhile on a thread
        limits=limits(),
        recs_frame=read.recs,
        size=len(read.cases),
        case_rows=case_rows,
    )
    with ThreadPoolExecutor(1) as pool:
        prepared = pool.submit(frames.prepare)
        loaded = _facts(root, as_of, read, frames, case_rows)
        prepared.result()
    return loaded


def _read(root: Org | None, as_of: datetime.date) -> _Read:
    org_facts, org_rows, codes = _orgs()
    persons: dict[int, _Person] = {}
    people = {}
    cipher_key = id_cipher_key()
    for (
        pk,
        pid,
        birth,
        floating,
        departure,
        org_id,
        unit_id,
        valid,
        gender,
        education,
        occupation,
        tags,
        ethnicity,
    ) in _raw(
        Person.objects.filter(_subtree(root, "org__path"), cases__isnull=False)
        .distinct()
        .order_by()
        .values_list(
            "pk",
            "pid",
            "birth_date",
            "floating",
            "planned_departure",
            "org_id",
            "work_unit_org_id",
            "id_number_valid",
            "gender",
            "education",
            "occupation",
            "tags",
            "ethnicity",
        )
    ):
        # Birth date and sex are SM4-sealed at rest (people.cipher): decrypted here, where rules read them.
        birth, gender = _date(unseal(birth, cipher_key)), unseal(gender, cipher_key)
        persons[pk] = _Person(pid, birth, bool(floating), _day(departure), org_id, unit_id, bool(valid))
        people[pid] = PersonRow(
            pid, gender, education, occupation, birth, tuple(_json(tags) or ()), ethnicity
        )
    cases = [
        (pk, person_id, _day(closed_on), exit_reason == ExitReason.INVALIDATED)
        for pk, person_id, closed_on, exit_reason in _raw(
            Case.objects.filter(_subtree(root, "person__org__path"))
            .order_by("pk")
            .values_list("pk", "person_id", "closed_on", "exit_reason")
        )
    ]
    # Every record of the subtree in one plain scan (no order, no anti-join: the database streams the rows);
    # Polars drops the superseded ones (B0.1) and those dated after the as-of day, and puts them in order.
    every = _record_frame(
        StepRecord.objects.filter(_subtree(root, "case__person__org__path")).order_by(),  # Polars sorts
        {
            "case": F("case_id"),
            "id": F("pk"),
            "step": F("step"),
            "date": F("date"),
            "details": F("details") if connection.vendor == "sqlite" else Cast("details", TextField()),
            "recorded_text": Cast("recorded_at", TextField()),
            "supersedes": F("supersedes_id"),
            "from_ledger": Cast("from_ledger", IntegerField()),
            "date_inferred": Cast("date_inferred", IntegerField()),
        },
        [c[0] for c in cases],
    )
    corrections = every.filter(pl.col("supersedes").is_not_null()).select("id", "supersedes")
    recs = (
        every.join(corrections.select(id="supersedes"), on="id", how="anti")
        .filter(pl.col("date") <= as_of)
        .sort("date", "id")
    )
    previous = dict(corrections.iter_rows())
    return _Read(org_facts, org_rows, codes, persons, people, cases, recs, previous)


def _facts(
    root: Org | None, as_of: datetime.date, read: _Read, frames: Frames, case_rows: list[tuple]
) -> Loaded:
    """Every case's facts with its summary records (Loaded.tree's cases, also `frames.facts`, and as rows of
    Frames.cases into `case_rows`: what the screens read beside the records), from what was read and the
    registers."""
    org_facts, codes, persons, cases, recs = read.org_facts, read.codes, read.persons, read.cases, read.recs
    summary = _summary_records(recs, len(cases))
    summarized: list[CaseFacts] = []
    previous = read.previous
    settings_limits = limits()
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
    members = _members(_named(recs, PID_KEYS), codes)
    named_forms = _named_by_case(recs, FORM_KEYS)
    identities = _identities(root, cases, set(previous.values()))
    form_index = {f["number"]: f for forms in by_person["forms"].values() for f in forms}
    base = []
    for i, (_case_id, person_id, closed_on, invalidated) in enumerate(cases):
        p = persons[person_id]
        pid, branch = p.pid, codes[p.org_id]
        fields = {
            "person_pid": pid,
            "birth_date": p.birth_date,
            "floating": p.floating,
            "branch": org_facts[branch],
            "limits": settings_limits,
            "as_of": as_of,
            "planned_departure": p.planned_departure,
            "resident_id_valid": p.id_number_valid,
            "work_unit_org": codes[p.work_unit_org_id] if p.work_unit_org_id else "",
            "members": members,
            "orgs": org_facts,
            "forms": _forms_of(pid, named_forms.get(i, ()), by_person["forms"], form_index),
            "transfers": tuple(by_person["transfers"].get(pid, ())),
            "exited_on": closed_on if closed_on and closed_on <= as_of else None,
            "invalidated": invalidated,
            "kin": dict(by_person["kin"].get(pid, ())),
            "discipline": tuple(by_person["discipline"].get(pid, ())),
            "branch_secretaries": tuple(sorted(secretaries.get(branch, ()))),
            "archive_reviews": tuple(by_person["archive_reviews"].get(pid, ())),
            "identities": identities.get(i, ()),
        }
        base.append(fields)
        facts = IndexedFacts.indexed(summary[i], fields)
        summarized.append(facts)
        case_rows.append(case_row(i, facts))
    frames.facts = summarized
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
        orgs=read.org_rows,
        cases=summarized,
        people=read.people,
        plans=plans,
        committees={code: frozenset(pids) for code, pids in committees.items()},
    )
    return Loaded(
        case_ids=[c[0] for c in cases], roots=roots, records=recs.height, frames=frames, tree=tree, base=base
    )


def _identities(root: Org | None, cases: list[tuple], superseded: set[int]) -> dict[int, tuple]:
    """Per case index, who its live pass, form and branch-meeting records were about when written
    (CaseFacts.identities for FORM-MATCH, as procedure.selectors.case_identities gives them for one case)."""
    index = {pk: i for i, (pk, _person, _closed, _invalid) in enumerate(cases)}
    out: dict[int, list[dict]] = defaultdict(list)
    for case_id, pk, name, key in (
        StepRecord.objects.filter(_subtree(root, "case__person__org__path"), step__in=IDENTITY_STEPS)
        .exclude(person_id_key="")
        .order_by("pk")
        .values_list("case_id", "pk", "person_name", "person_id_key")
    ):
        if pk not in superseded and case_id in index:
            out[index[case_id]].append(identity_fact(pk, name, key))
    return {i: tuple(entries) for i, entries in out.items()}


def _summary_records(recs: pl.DataFrame, n: int) -> list[tuple[Rec, ...]]:
    """Per case, the first passing record of each step in TREE_STEPS and every record of TREE_ROUND_STEPS, in
    record order (what the org-level rules and the outcome ask of a case: CaseFacts.first of those steps, and
    the conversion rounds, give what they give on all the records)."""
    rounds = pl.col("step").is_in(list(TREE_ROUND_STEPS))
    firsts = (
        recs.filter(pl.col("passed") & pl.col("step").is_in(list(TREE_STEPS)) & ~rounds)
        .group_by("case", "step", maintain_order=True)
        .first()
        .select(recs.columns)
    )
    summary = pl.concat([firsts, recs.filter(rounds)]).sort("date", "id")
    out: list[list[Rec]] = [[] for _ in range(n)]
    for case, pk, step, date, text, supersedes, ledger in summary.select(
        "case", "id", pl.col("step").cast(pl.String), "date", "details", "supersedes", "from_ledger"
    ).iter_rows():
        out[case].append(Rec(pk, step, date, orjson.loads(text), None, supersedes, ledger))  # no entry times
    return [tuple(r) for r in out]


def _named_values(recs: pl.DataFrame, keys: dict[str, tuple[str, ...]], *, listed: bool) -> pl.DataFrame:
    """(case, value) for every text these details keys hold: the texts in a list (`listed`), or a text."""
    parts = []
    for step, names in keys.items():
        if not names:
            continue
        rows = recs.filter(pl.col("step") == step)
        for name in names:
            raw = rows.select("case", value=pl.col("details").str.json_path_match(f"$.{name}")).drop_nulls()
            is_list = pl.col("value").str.starts_with("[")
            if not listed:
                parts.append(raw.filter(~is_list))
                continue
            items = raw.filter(is_list).with_columns(pl.col("value").str.extract_all(r'"(?:[^"\\]|\\.)*"'))
            items = items.explode("value").drop_nulls()
            parts.append(items.with_columns(pl.col("value").str.json_decode(pl.String)))
    if not parts:
        return pl.DataFrame(schema={"case": pl.UInt32, "value": pl.String})
    return pl.concat(parts)


def _named(recs: pl.DataFrame, keys: dict[str, tuple[str, ...]]) -> set[str]:
    """The persons the details name (talkers, contacts, introducers: lists of pids)."""
    return set(_named_values(recs, keys, listed=True)["value"].to_list())


def _named_by_case(recs: pl.DataFrame, keys: dict[str, tuple[str, ...]]) -> dict[int, set[str]]:
    """Per case, the forms its steps name (S14's form_number, a text)."""
    out: dict[int, set[str]] = defaultdict(set)
    for case, value in _named_values(recs, keys, listed=False).iter_rows():
        out[case].add(value)
    return out


# The details keys that name a numbered form, per step (S14's form_number).
FORM_KEYS = {
    step.code: tuple(k for k, spec in step.details.items() if spec.kind == "form")
    for step in STEPS_BY_CODE.values()
}


def _forms_of(pid: str, named: Iterable[str], own: dict[str, list], index: dict[str, dict]) -> tuple:
    """The person's forms and any other form of the subtree a step names (FORM-MATCH asks whose it is), as
    procedure.selectors.person_registers gives them for one case."""
    forms = own.get(pid, ())
    named = set(named)
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
