"""The whole tree as columns (Polars), for the set-based screens of inspection/screens.py.

A screen answers, for one rule and every case at once, "which cases could this rule find anything on?". The
exact rule function (procedure/rules) then runs only on those cases. A screen may flag too much, never too
little: the parity tests (tests/inspection/test_screens.py) check on generated cases that every case a rule
finds something on is flagged, and that a screened run gives the same findings as an unscreened one.

`Frames` is built from the same CaseFacts the rules read (`frames_from_facts`), with each record's details as
JSON text: the loader hands the text it fetched, so nothing is decoded twice.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl

from fazhan.procedure.definition import Limits
from fazhan.procedure.engine import CaseFacts, Rec
from fazhan.procedure.loader import STEP, STEP_CODES, record_frame
from fazhan.procedure.rules.outcome import case_outcome


def _text(record: Rec) -> str:
    return json.dumps(dict(record.details), default=str, ensure_ascii=False)


@dataclass
class RecColumns:
    """The live records of cases given as facts (frames_from_facts: the single-case form and the tests), as
    columns in each case's record order (date, id): details as JSON text, entry times as ISO text in UTC.
    The whole-tree run's loader hands Frames the records' frame itself (procedure.loader)."""

    case: list[int] = field(default_factory=list)
    id: list[int] = field(default_factory=list)
    step: list[str] = field(default_factory=list)
    date: list[datetime.date] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    recorded_at: list[str | None] = field(default_factory=list)
    supersedes: list[int | None] = field(default_factory=list)
    from_ledger: list[bool] = field(default_factory=list)
    date_inferred: list[bool] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        return record_frame(
            pl.DataFrame(
                {
                    "case": pl.Series(self.case, dtype=pl.UInt32),
                    "id": pl.Series(self.id, dtype=pl.Int64),
                    "step": pl.Series(self.step, dtype=STEP),
                    "date": pl.Series(self.date, dtype=pl.Date),
                    "details": pl.Series(self.details, dtype=pl.String),
                    "recorded_text": pl.Series(self.recorded_at, dtype=pl.String),
                    "supersedes": pl.Series(self.supersedes, dtype=pl.Int64),
                    "from_ledger": pl.Series(self.from_ledger, dtype=pl.Boolean),
                    "date_inferred": pl.Series(self.date_inferred, dtype=pl.Boolean),
                }
            )
        )


# The columns of Frames.cases: one row per case, what the screens read of it beside its records.
CASE_COLUMNS: dict[str, Any] = {
    "case": pl.UInt32,
    "pid": pl.String,
    "as_of": pl.Date,
    "birth_date": pl.Date,
    "floating": pl.Boolean,
    "planned_departure": pl.Date,
    "resident_id_valid": pl.Boolean,
    "branch": pl.String,
    "branch_kind": pl.String,
    "branch_path": pl.String,
    "branch_full": pl.Int64,
    "work_unit_org": pl.String,
    "exited_on": pl.Date,
    "n_transfers": pl.Int64,
    "n_discipline": pl.Int64,
    "n_kin": pl.Int64,
    "n_forms": pl.Int64,
    "n_archive_reviews": pl.Int64,
    "n_branch_secretaries": pl.Int64,
    "n_floating_records": pl.Int64,
    "converted_on": pl.Date,  # the S24 approving a `convert` round (B0.3, rules/outcome.py)
}


def case_row(i: int, c: CaseFacts) -> tuple:
    """A case's row of Frames.cases (CASE_COLUMNS), from its facts: of their records only what the outcome
    reads (the loader's summaries hold it: notice.TREE_STEPS)."""
    branch = c.branch
    converted = case_outcome(c.records, limits=c.limits).converted
    return (
        i,
        c.person_pid,
        c.as_of,
        c.birth_date,
        bool(c.floating),
        c.planned_departure,
        bool(c.resident_id_valid),
        branch.code,
        branch.kind,
        branch.path,
        branch.full_members,
        c.work_unit_org,
        c.exited_on,
        len(c.transfers),
        len(c.discipline),
        len(c.kin),
        len(c.forms),
        len(c.archive_reviews),
        len(c.branch_secretaries),
        len(c.floating_records),
        converted.date if converted is not None else None,
    )


def _columns(facts: Sequence[CaseFacts], text: Callable[[Rec], str]) -> RecColumns:
    cols = RecColumns()
    for i, f in enumerate(facts):
        for r in f.records:
            cols.case.append(i)
            cols.id.append(r.id)
            cols.step.append(r.step)
            cols.date.append(r.date)
            cols.details.append(text(r))
            at = r.recorded_at
            if at is not None and at.tzinfo is not None:
                at = at.astimezone(datetime.UTC).replace(tzinfo=None)
            cols.recorded_at.append(at.isoformat(sep=" ") if at is not None else None)
            cols.supersedes.append(r.supersedes)
            cols.from_ledger.append(r.from_ledger)
            cols.date_inferred.append(r.date_inferred)
    return cols


def _merged(maps: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The union of mappings that many cases share (each distinct mapping read once)."""
    out: dict[str, Any] = {}
    seen: set[int] = set()
    for m in maps:
        if id(m) not in seen:
            seen.add(id(m))
            out.update(m)
    return out


@dataclass
class Frames:
    """Every case of a run as rows of `cases` (column `case` = its index in the run), every live record as
    rows of `recs` (in each case's record order), and the registers beside them, built on demand."""

    facts: Sequence[CaseFacts]
    limits: Limits
    details_text: Callable[[Rec], str] = _text
    recs_frame: pl.DataFrame | None = None  # the records' frame, where the loader has built it already
    size: int | None = None  # the number of cases, where `facts` is still being filled
    case_rows: list[tuple] | None = None  # `case_row` of every case, where the loader has made them
    _memo: dict[Any, pl.DataFrame] = field(default_factory=dict)

    # --- the two main tables --------------------------------------------------------------------------
    @cached_property
    def cases(self) -> pl.DataFrame:
        rows = self.case_rows
        if rows is None:
            rows = [case_row(i, facts) for i, facts in enumerate(self.facts)]
        return pl.DataFrame(rows, schema=CASE_COLUMNS, orient="row")

    @cached_property
    def recs(self) -> pl.DataFrame:
        """The records in each case's order (date, id), with `pos`, the record's place in its case."""
        frame = self.recs_frame
        if frame is None:
            frame = _columns(self.facts, self.details_text).frame()
        return frame.with_columns(pos=pl.int_range(pl.len(), dtype=pl.UInt32).over("case"))

    # --- views the screens share ----------------------------------------------------------------------
    def step(self, code: str, *keys: str | tuple[str, Any]) -> pl.DataFrame:
        """The records of one step, with details keys as columns: a name gives the value as text (a list as
        its JSON text), (name, dtype) casts it (pl.Int64, pl.Boolean, pl.List(pl.String)…); a value of the
        wrong type becomes null."""
        frame = self._steps.get(code)
        if frame is None:
            frame = self.recs.clear()
        if not keys:
            return frame
        # Each key's text first, as a column, then its type from the column: an expression that reads the
        # JSON more than once (the list's tests) would parse every record's details as many times.
        typed = [(k, pl.String) if isinstance(k, str) else k for k in keys]
        frame = frame.with_columns(detail(name) for name, _dtype in typed)
        return frame.with_columns(typed_detail(name, dtype) for name, dtype in typed if dtype != pl.String)

    def first_records(self, code: str, *keys: str | tuple[str, Any]) -> pl.DataFrame:
        """The first passing record of a step in each case that has one (CaseFacts.first), with details keys
        as columns (as `step` reads them)."""
        ids = self.first.select("case", pl.col(f"{code}_id").alias("id")).drop_nulls()
        return self.step(code, *keys).join(ids, on=["case", "id"], how="semi")

    @cached_property
    def _case_index(self) -> pl.DataFrame:
        n = len(self.facts) if self.size is None else self.size
        return pl.DataFrame({"case": pl.Series(range(n), dtype=pl.UInt32)})

    def prepare(self) -> None:
        """Build the tables every run reads (records by step, first dates, counts): Polars works outside
        the interpreter lock, so the loader has this done on a thread while it reads the registers."""
        self._steps, self.first, self.earliest, self.counts  # noqa: B018

    @cached_property
    def _steps(self) -> dict[str, pl.DataFrame]:
        """The records split by step in one pass."""
        parts = self.recs.partition_by("step", as_dict=True, maintain_order=True)
        return {str(key[0]): frame for key, frame in parts.items()}

    @cached_property
    def _by_step(self) -> pl.DataFrame:
        """One row per case, four columns per step: its first passing record's date and id, its earliest
        record's date and its number of records — one grouping and one pivot for `first`, `earliest` and
        `counts` (the records are in each case's order, so the first is the earliest)."""
        passed = pl.col("passed")
        per = (
            self.recs.group_by("case", "step")
            .agg(
                pl.col("date").filter(passed).first().alias("f"),
                pl.col("id").filter(passed).first().alias("i"),
                pl.col("date").first().alias("e"),
                pl.len().alias("n"),
            )
            .with_columns(pl.col("step").cast(pl.String))
        )
        wide = per.pivot(on="step", index="case", values=["f", "i", "e", "n"], separator="|")
        out = self._case_index.join(wide, on="case", how="left")
        kinds = {"f": pl.Date, "i": pl.Int64, "e": pl.Date, "n": pl.UInt32}
        missing = [
            pl.lit(None, dtype=dtype).alias(f"{v}|{c}")
            for v, dtype in kinds.items()
            for c in STEP_CODES
            if f"{v}|{c}" not in out.columns
        ]
        return out.with_columns(missing)

    @cached_property
    def first(self) -> pl.DataFrame:
        """One row per case: `case`, and for every step its first passing record's date (`S01`…) and id
        (`S01_id`…), null where there is none (CaseFacts.first)."""
        return self._by_step.select(
            "case",
            *(pl.col(f"f|{c}").alias(c) for c in STEP_CODES),
            *(pl.col(f"i|{c}").alias(f"{c}_id") for c in STEP_CODES),
        )

    @cached_property
    def earliest(self) -> pl.DataFrame:
        """One row per case: `case`, and for every step the date of its earliest record, passing or not
        (`earliest_of(code)`), null where there is none."""
        return self._by_step.select("case", *(pl.col(f"e|{c}").alias(f"e_{c}") for c in STEP_CODES))

    @cached_property
    def counts(self) -> pl.DataFrame:
        """One row per case: `case`, and for every step the number of its live records (`n_S01`…)."""
        return self._by_step.select(
            "case", *(pl.col(f"n|{c}").fill_null(0).alias(f"n_{c}") for c in STEP_CODES)
        )

    @cached_property
    def wide(self) -> pl.DataFrame:
        """`cases` with `first` and `counts` beside it: what most timing screens read."""
        return self.cases.join(self.first, on="case").join(self.counts, on="case")

    # --- the registers beside the records -------------------------------------------------------------
    @cached_property
    def members(self) -> pl.DataFrame:
        """Every member a case's details name (contacts, introducers, talkers), once."""
        rows = list(_merged(f.members for f in self.facts).values())
        return pl.DataFrame(
            {
                "pid": [m.pid for m in rows],
                "party_status": [m.party_status for m in rows],
                "joined_on": pl.Series([m.joined_on for m in rows], dtype=pl.Date),
                "full_since": pl.Series([m.full_since for m in rows], dtype=pl.Date),
                "n_probation": pl.Series([len(m.party_probation) for m in rows], dtype=pl.Int64),
                "org": [m.org_code for m in rows],
            },
            schema_overrides={"pid": pl.String, "party_status": pl.String, "org": pl.String},
        )

    @cached_property
    def orgs(self) -> pl.DataFrame:
        seen = _merged(f.orgs for f in self.facts)
        for facts in self.facts:
            seen.setdefault(facts.branch.code, facts.branch)
        rows = list(seen.values())
        return pl.DataFrame(
            {
                "code": [o.code for o in rows],
                "kind": [o.kind for o in rows],
                "path": [o.path for o in rows],
            },
            schema={"code": pl.String, "kind": pl.String, "path": pl.String},
        )

    def shared(self, key: Any, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """A table several screens read, built once per run (`key`: the module's name and the table's)."""
        if ("shared", key) not in self._memo:
            self._memo[("shared", key)] = build()
        return self._memo[("shared", key)]

    def register(self, name: str, columns: Mapping[str, Any]) -> pl.DataFrame:
        """One row per entry of a case's register (`transfers`, `discipline`, `forms`, `archive_reviews`):
        `case` and the entry's keys, each as text (dates as ISO text)."""
        key = ("register", name, tuple(columns.items()))
        if key not in self._memo:
            data: dict[str, list] = {"case": [], **{c: [] for c in columns}}
            for i, facts in enumerate(self.facts):
                for entry in getattr(facts, name):
                    data["case"].append(i)
                    for c in columns:
                        value = entry.get(c)
                        data[c].append(value.isoformat() if isinstance(value, datetime.date) else value)
            schema = {"case": pl.UInt32, **columns}
            self._memo[key] = pl.DataFrame(data, schema=schema, strict=False)
        return self._memo[key]


FLAT_STRINGS = r'^\[\s*("[^"\\]*"(\s*,\s*"[^"\\]*")*)?\s*\]$'


def detail(name: str) -> pl.Expr:
    """A details key of `recs` as a text column named `name` (see Frames.step): text values come unquoted,
    so a text "3" reads as 3 and "true" as true — screens over-flag on such values, never under-flag — and
    any other value as its JSON text."""
    return pl.col("details").str.json_path_match(f"$.{name}").alias(name)


def typed_detail(name: str, dtype: Any) -> pl.Expr:
    """The text column `name` (from `detail`) as `dtype`, a value of the wrong type null. A list of texts
    (pl.List(pl.String)): an absent or null key gives [] (the rules read `or []`), a list of plain texts its
    items, anything else null — a value the rule may read otherwise, so a screen flags it."""
    raw = pl.col(name)
    if isinstance(dtype, pl.List):
        flat = raw.str.contains(FLAT_STRINGS)
        safe = pl.when(flat).then(raw).otherwise(pl.lit("null")).str.json_decode(pl.List(pl.String))
        return pl.when(raw.is_null()).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(safe).alias(name)
    if dtype == pl.Boolean:
        return raw.replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        ).alias(name)
    return raw.cast(dtype, strict=False).alias(name)


# Python-falsy details values as Polars' JSON path reads them (missing, "", false, [], {}, null; 0 and 0.0
# are caught by the number test).
FALSY_TEXTS = ("", "false", "[]", "{}", "null")


def falsy(column: str) -> pl.Expr:
    """`not details.get(key)` over a details key read as text (`detail`)."""
    raw = pl.col(column)
    return raw.is_null() | raw.is_in(FALSY_TEXTS) | (raw.cast(pl.Float64, strict=False) == 0).fill_null(False)


def months(expr: pl.Expr, n: int) -> pl.Expr:
    """core.calendar.add_months on a date column: same day number, clamped to the month's end."""
    return expr.dt.offset_by(f"{int(n)}mo")


def add_months_by(expr: pl.Expr, n: pl.Expr) -> pl.Expr:
    """core.calendar.add_months with a month count per row (`months` takes a constant)."""
    return expr.dt.offset_by(pl.format("{}mo", n))


def days(expr: pl.Expr, n: int) -> pl.Expr:
    return expr + pl.duration(days=int(n))


def earliest_of(code: str) -> pl.Expr:
    """The column of `earliest` holding the date of a step's earliest record."""
    return pl.col(f"e_{code}")


def count_of(code: str) -> pl.Expr:
    """The column of `counts` (and `wide`) holding the number of a step's live records."""
    return pl.col(f"n_{code}")


def overdue(deadline: pl.Expr) -> pl.Expr:
    """engine.overdue over `cases` columns (`as_of`, `exited_on`): the deadline passed by the as-of date, with
    no exit on or before it; false where the deadline is null."""
    not_exited = pl.col("exited_on").is_null() | (pl.col("exited_on") > deadline)
    return (not_exited & (pl.col("as_of") > deadline)).fill_null(False)


def frames_from_facts(facts: Sequence[CaseFacts], limits: Limits) -> Frames:
    return Frames(facts=facts, limits=limits)
