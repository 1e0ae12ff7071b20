"""Everything the rules read about a whole subtree, in a fixed handful of set-based queries (no query per
case): the one loader of many cases' facts (issue 12). The inspection's whole-tree run reads it with the
screens' tables beside (inspection.loader), the to-do list, `fazhan remind`, the notice and the pre-review
candidates read the same facts without them (`case_facts_many`). The wings' registers come through their fact
providers (procedure.selectors.FACT_PROVIDERS): the procedure imports no wing.

Each query selects a subtree by the org's materialized path, never by a list of ids, so its cost grows with
the rows it returns and nothing else: a province is the same dozen queries as a village.
"""

import dataclasses
import datetime
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import polars as pl
from django.db import connection
from django.db.models import Count, F, IntegerField, Max, Min, Q, TextField
from django.db.models.functions import Cast

from fazhan.organizations.models import Org
from fazhan.people.cipher import id_cipher_key, unseal
from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole, Transfer
from fazhan.procedure.definition import STEPS, STEPS_BY_CODE, limits
from fazhan.procedure.engine import CaseFacts, MemberFacts, OrgFacts, Rec
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.rules.counting import PersonRow, as_date
from fazhan.procedure.rules.forms import IDENTITY_STEPS
from fazhan.procedure.rules.notice2018 import TREE_ROUND_STEPS, TREE_STEPS, OrgRow
from fazhan.procedure.selectors import FACT_PROVIDERS, Scope, identity_fact, transfer_fact

STEP_CODES = tuple(s.code for s in STEPS)
STEP = pl.Enum(STEP_CODES)  # the step column's type: joins and groupings on it are integer work

# The records' columns as fetched (from facts by inspection.frames.RecColumns, or from the database here), in
# order.
RECORD_COLUMNS: dict[str, Any] = {
    "case": pl.UInt32,
    "id": pl.Int64,
    "step": STEP,
    "date": pl.Date,
    "details": pl.String,
    "recorded_text": pl.String,
    "supersedes": pl.Int64,
    "from_ledger": pl.Boolean,  # an Excel ledger created it (procedure.md B0.10, LEDGER-GAP)
    "date_inferred": pl.Boolean,
}


def record_frame(fetched: pl.DataFrame) -> pl.DataFrame:
    """The records as the screens read them: the fetched columns (RECORD_COLUMNS) and, from them, the UTC
    day of entry (`recorded_on`) and whether the record passes (`passed`, Rec.passed)."""
    return fetched.with_columns(recorded_on=_utc_day(pl.col("recorded_text")), passed=_passed())


def _utc_day(text: pl.Expr) -> pl.Expr:
    """The UTC day of an ISO entry time: its first ten characters, since the database's text is in UTC
    (Django writes SQLite's in UTC and keeps PostgreSQL's session time zone UTC; frames' `_columns`
    converts)."""
    return text.str.slice(0, 10).str.to_date("%Y-%m-%d")


def _passed() -> pl.Expr:
    """Rec.passed over the column: a step with a passing rule passes when its key holds a passing value."""
    out = pl.lit(True)
    values: dict[str, pl.Expr] = {}
    for s in STEPS:
        if s.passing is not None:
            key, passing = s.passing
            value = values.setdefault(key, pl.col("details").str.json_path_match(f"$.{key}"))
            out = (
                pl.when(pl.col("step") == s.code)
                .then(value.is_in(list(passing)).fill_null(False))
                .otherwise(out)
            )
    return out


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
class SubtreeFacts:
    """The cases of a subtree as the rules read them.

    - `base`: each case's CaseFacts fields but its records (every register, the wings' included).
    - `summarized`: with `summary`, each case's facts holding, of the records, only the first passing record
      of each step the org-level rules read (TREE_STEPS) and the conversion rounds (TREE_ROUND_STEPS): what
      they and the case's outcome ask of a case (the inspection's TreeFacts and screens read these).
    - `full_facts(indices)`: the complete CaseFacts of those cases (every record), built from the records'
      columns only for the cases asked for.
    Beside them: each case's id, the first record of each correction chain (a finding's stable key), the
    records' frame, and what the org-level rules read of the orgs, people and branch committees."""

    case_ids: list[int]
    roots: dict[int, int]
    recs: pl.DataFrame
    base: list[dict[str, Any]]
    summarized: list[CaseFacts]
    org_rows: dict[str, OrgRow]
    people: dict[str, PersonRow]
    committees: dict[str, frozenset[str]]

    @property
    def records(self) -> int:
        """The number of live step records read."""
        return self.recs.height

    def full_facts(self, indices: Iterable[int]) -> dict[int, CaseFacts]:
        """The complete facts (every record) of these cases, by index. The columns come out of Polars whole
        and every details text is parsed in one orjson call (a JSON array of them): the judged cases of a
        province's chunk are some 100,000 records, and a call per value was most of this."""
        wanted = sorted(set(indices))
        records: dict[int, list[Rec]] = {i: [] for i in wanted}
        if wanted:
            rows = self.recs.filter(pl.col("case").is_in(wanted))
            texts = rows.get_column("details").fill_null("null").str.join(",").item()
            details = orjson.loads(f"[{texts or ''}]")
            moments = [_moment(t) for t in rows.get_column("recorded_text").to_list()]
            columns = [
                rows.get_column("id").to_list(),
                rows.get_column("step").cast(pl.String).to_list(),
                rows.get_column("date").to_list(),
                details,
                moments,
                rows.get_column("supersedes").to_list(),
                rows.get_column("from_ledger").to_list(),
                rows.get_column("date_inferred").to_list(),
            ]
            # Rec's frozen __init__ without its eight setattr calls (tests/inspection/test_screens.py: equal)
            new, fields, cases = object.__new__, REC_FIELDS, rows.get_column("case").to_list()
            for case, values in zip(cases, zip(*columns, strict=True), strict=True):
                rec = new(Rec)
                rec.__dict__.update(zip(fields, values, strict=True))
                records[case].append(rec)
        return {i: IndexedFacts(records=tuple(records[i]), **self.base[i]) for i in wanted}


REC_FIELDS = tuple(f.name for f in dataclasses.fields(Rec))  # in order: the columns full_facts hands


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


def subtree_scope(root: Org | None) -> Scope:
    """The scope of `root`'s subtree (the whole tree for None): given the field holding an org's path, the
    condition that the org lies in the subtree."""
    return lambda at: Q(**{f"{at}__startswith": root.path}) if root is not None else Q()


def paths_scope(paths: Iterable[str]) -> Scope:
    """The scope of several subtrees, by their orgs' paths (a narrower path inside a wider one adds none)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)

    def scope(at: str) -> Q:
        q = Q(pk__in=[])
        for path in kept:
            q |= Q(**{f"{at}__startswith": path})
        return q

    return scope


@dataclass(frozen=True)
class TreeOrgs:
    """Every org of the tree as the rules read it, and each branch's committee members and secretaries: read
    by `tree_orgs` in two queries over the whole tree, whatever the scope. A run over many scopes (the
    inspection's chunks) reads it once and hands it to every load, so that a province's hundred chunks do
    not each read the whole province's orgs and roles again."""

    facts: dict[str, OrgFacts]
    rows: dict[str, OrgRow]
    codes: dict[int, str]  # by pk
    committees: dict[str, frozenset[str]]  # a branch's secretary and committee members (pids)
    secretaries: dict[str, tuple[str, ...]]  # a branch's secretaries, in pid order


def tree_orgs() -> TreeOrgs:
    """Every org, and every branch committee role (COMMITTEE_ROLES), of the whole tree."""
    rows = Org.objects.annotate(full=Count("persons", filter=Q(persons__party_status="full"))).values_list(
        "pk", "code", "kind", "category", "path", "election_dates", "full"
    )
    facts, tree, codes = {}, {}, {}
    for pk, code, kind, category, path, elections, full in rows:
        facts[code] = OrgFacts(code, kind, path, full)
        tree[code] = OrgRow(code, kind, category, path, tuple(as_date(e) for e in elections or ()))
        codes[pk] = code
    secretaries: dict[str, list[str]] = defaultdict(list)
    committees: dict[str, set[str]] = defaultdict(set)
    for pid, org_id, role in PersonRole.objects.filter(role__in=COMMITTEE_ROLES).values_list(
        "person__pid", "person__org_id", "role"
    ):
        committees[codes[org_id]].add(pid)
        if role == "branch_secretary":
            secretaries[codes[org_id]].append(pid)
    return TreeOrgs(
        facts,
        tree,
        codes,
        {code: frozenset(pids) for code, pids in committees.items()},
        {code: tuple(sorted(pids)) for code, pids in secretaries.items()},
    )


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


def subtree_load(
    *,
    scope: Scope,
    as_of: datetime.date,
    summary: bool = True,
    on_read: Callable[["SubtreeRead"], None] | None = None,
    on_case: Callable[[int, CaseFacts], None] | None = None,
    orgs: TreeOrgs | None = None,
) -> SubtreeFacts:
    """Every case whose person is in the scope, as of `as_of`. `summary` builds the summarized facts (the
    inspection's); `on_read` is given what the first queries read (the inspection builds its screens' tables
    from the records meanwhile), `on_case` each case's summarized facts as they are made. `orgs`: the tree's
    orgs already read (tree_orgs), or None to read them here."""
    with no_gc():
        read = subtree_read(scope, as_of, orgs)
        if on_read is not None:
            on_read(read)
        return _facts(scope, as_of, read, summary=summary, on_case=on_case)


@dataclass
class SubtreeRead:
    """What the first queries read: the orgs, the persons with cases, the cases, and the records."""

    orgs: TreeOrgs
    org_facts: dict[str, OrgFacts]
    org_rows: dict[str, OrgRow]
    codes: dict[int, str]
    persons: dict[int, "_Person"]  # by pk
    people: dict[str, PersonRow]
    cases: list[tuple[int, int, datetime.date | None, bool]]
    recs: pl.DataFrame
    previous: dict[int, int]


def subtree_read(scope: Scope, as_of: datetime.date, orgs: TreeOrgs | None = None) -> SubtreeRead:
    orgs = orgs if orgs is not None else tree_orgs()
    org_facts, org_rows, codes = orgs.facts, orgs.rows, orgs.codes
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
        Person.objects.filter(scope("org__path"), cases__isnull=False)
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
            Case.objects.filter(scope("person__org__path"))
            .order_by("pk")
            .values_list("pk", "person_id", "closed_on", "exit_reason")
        )
    ]
    # Every record of the subtree in one plain scan (no order, no anti-join: the database streams the rows);
    # Polars drops the superseded ones (B0.1) and those dated after the as-of day, and puts them in order.
    every = _record_frame(
        StepRecord.objects.filter(scope("case__person__org__path")).order_by(),  # Polars sorts
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
    return SubtreeRead(orgs, org_facts, org_rows, codes, persons, people, cases, recs, previous)


def _facts(
    scope: Scope,
    as_of: datetime.date,
    read: SubtreeRead,
    *,
    summary: bool,
    on_case: Callable[[int, CaseFacts], None] | None,
) -> SubtreeFacts:
    """Every case's facts but its records (`base`) and, with `summary`, with its summary records, from what
    was read and the registers."""
    org_facts, codes, persons, cases, recs = read.org_facts, read.codes, read.persons, read.cases, read.recs
    summaries = _summary_records(recs, len(cases)) if summary else None
    summarized: list[CaseFacts] = []
    previous = read.previous
    settings_limits = limits()
    roots = {}
    for pk in previous:
        first = pk
        while first in previous:
            first = previous[first]
        roots[pk] = first
    by_person = _by_person(scope, as_of, persons)
    secretaries = read.orgs.secretaries
    members = _members(_named(recs, PID_KEYS), codes)
    named_forms = _named_by_case(recs, FORM_KEYS)
    identities = _identities(scope, cases, set(previous.values()))
    form_index = {f["number"]: f for forms in by_person["forms"].values() for f in forms}
    named_rows = _named_rows(recs, as_of)
    base = []
    for i, (_case_id, person_id, closed_on, invalidated) in enumerate(cases):
        p = persons[person_id]
        pid = p.pid
        then = by_person["branch_then"].get(pid)
        branch = then[0] if then else codes[p.org_id]  # the org on the as-of day (CaseFacts.until alike)
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
            "branch_secretaries": secretaries.get(branch, ()),
            "archive_reviews": tuple(by_person["archive_reviews"].get(pid, ())),
            "notice_feedback": tuple(by_person["notice_feedback"].get(pid, ())),
            "floating_records": tuple(by_person["floating_records"].get(pid, ())),
            "identities": identities.get(i, ()),
            **{fact: rows.get(i, ()) for fact, rows in named_rows.items()},
        }
        base.append(fields)
        if summaries is not None:
            facts = IndexedFacts.indexed(summaries[i], fields)
            summarized.append(facts)
            if on_case is not None:
                on_case(i, facts)
    return SubtreeFacts(
        case_ids=[c[0] for c in cases],
        roots=roots,
        recs=recs,
        base=base,
        summarized=summarized,
        org_rows=read.org_rows,
        people=read.people,
        committees=read.orgs.committees,
    )


def _detail_keys(kind: str) -> dict[str, tuple[str, ...]]:
    """The details keys holding values of `kind` (a list of them or one), per step."""
    return {
        step.code: tuple(k for k, spec in step.details.items() if spec.kind in (kind, kind + "s"))
        for step in STEPS_BY_CODE.values()
    }


def _named_rows(recs: pl.DataFrame, as_of: datetime.date) -> dict[str, dict[int, tuple]]:
    """For each provider of rows about what the steps name (FactProvider.of_named), per case index the rows
    of the values its steps name, in the order of the values (procedure.selectors.case_facts alike)."""
    out: dict[str, dict[int, tuple]] = {}
    for fact, provider in FACT_PROVIDERS.items():
        if provider.of_named is None:
            continue
        by_case: dict[int, set[str]] = defaultdict(set)
        for case, value in _named_values(recs, _detail_keys(provider.named), listed=True).iter_rows():
            by_case[case].add(value)
        for case, value in _named_values(recs, _detail_keys(provider.named), listed=False).iter_rows():
            by_case[case].add(value)
        rows = provider.of_named(set().union(*by_case.values()) if by_case else set(), as_of)
        out[fact] = {
            case: tuple(row for value in sorted(values) for row in rows.get(value, ()))
            for case, values in by_case.items()
        }
    return out


def _identities(scope: Scope, cases: list[tuple], superseded: set[int]) -> dict[int, tuple]:
    """Per case index, who its live pass, form and branch-meeting records were about when written
    (CaseFacts.identities for FORM-MATCH, as procedure.selectors.case_identities gives them for one case)."""
    index = {pk: i for i, (pk, _person, _closed, _invalid) in enumerate(cases)}
    out: dict[int, list[dict]] = defaultdict(list)
    for case_id, pk, name, key in (
        StepRecord.objects.filter(scope("case__person__org__path"), step__in=IDENTITY_STEPS)
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


def _by_person(
    scope: Scope, as_of: datetime.date, persons: dict[int, "_Person"]
) -> dict[str, dict[str, list]]:
    """The registers the rules read beside the steps, per person pid: kinship (both sides), discipline,
    transfers — each in one query over the subtree — and what the wings provide (numbered forms, archive
    reviews), from their fact providers over the same scope. A provider's rows of persons without a case
    are kept under their Person.pk (`_forms_of` looks up any form of the subtree a step names)."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for a, b, relation in Kinship.objects.filter(scope("a__org__path")).values_list(
        "a__pid", "b__pid", "relation"
    ):
        out["kin"][a].append((b, relation))
    for a, b, relation in Kinship.objects.filter(scope("b__org__path")).values_list(
        "a__pid", "b__pid", "relation"
    ):
        out["kin"][b].append((a, relation))
    for pid, kind, start, stop in DisciplineRecord.objects.filter(
        scope("person__org__path"), date_from__lte=as_of
    ).values_list("person__pid", "kind", "date_from", "date_to"):
        out["discipline"][pid].append({"kind": kind, "from": start, "to": stop})
    # Every transfer, in one query: those up to the as-of day are the register; of those after it, the first
    # one's origin is the org a person moved since belonged to on that day (CaseFacts.until alike).
    for pid, date, src, dst, materials in (
        Transfer.objects.filter(scope("person__org__path"))
        .order_by("date", "id")
        .values_list("person__pid", "date", "from_org__code", "to_org__code", "materials_transferred")
    ):
        if date <= as_of:
            out["transfers"][pid].append(transfer_fact(date, src, dst, materials))
        elif pid not in out["branch_then"]:
            out["branch_then"][pid] = [src]
    for fact, provider in FACT_PROVIDERS.items():
        if provider.of_named is not None:
            continue  # rows about what the steps name: _named_rows
        rows = (
            provider.in_subtree(scope, as_of)
            if provider.in_subtree is not None
            else provider.by_person(list(persons), as_of)
        )
        for person_id, facts in rows.items():
            holder = persons.get(person_id)
            out[fact][holder.pid if holder is not None else f"#{person_id}"].extend(facts)
    return out


def case_facts_many(cases: list[Case], *, as_of: datetime.date) -> list[CaseFacts]:
    """The complete facts of these cases (the to-do list, `fazhan remind`, the pre-review and notice
    candidates), as the rules read them: the subtree loader over their branches, without the summaries the
    inspection's screens read, and of its cases these."""
    if not cases:
        return []
    paths = Org.objects.filter(pk__in={c.person.org_id for c in cases}).values_list("path", flat=True)
    loaded = subtree_load(scope=paths_scope(paths), as_of=as_of, summary=False)
    index = {pk: i for i, pk in enumerate(loaded.case_ids)}
    full = loaded.full_facts(index[c.pk] for c in cases)
    return [full[index[c.pk]] for c in cases]
