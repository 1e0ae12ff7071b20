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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl

from fazhan.procedure.definition import STEPS, Limits
from fazhan.procedure.engine import CaseFacts, Rec

STEP_CODES = tuple(s.code for s in STEPS)


def _text(record: Rec) -> str:
    return json.dumps(dict(record.details), default=str, ensure_ascii=False)


@dataclass
class Frames:
    """Every case of a run as rows of `cases` (column `case` = its index in the run), every live record as
    rows of `recs` (in each case's record order), and the registers beside them, built on demand."""

    facts: Sequence[CaseFacts]
    limits: Limits
    details_text: Callable[[Rec], str] = _text
    _memo: dict[Any, pl.DataFrame] = field(default_factory=dict)

    # --- the two main tables --------------------------------------------------------------------------
    @cached_property
    def cases(self) -> pl.DataFrame:
        f = self.facts
        return pl.DataFrame(
            {
                "case": pl.Series(range(len(f)), dtype=pl.UInt32),
                "pid": [c.person_pid for c in f],
                "as_of": pl.Series([c.as_of for c in f], dtype=pl.Date),
                "birth_date": pl.Series([c.birth_date for c in f], dtype=pl.Date),
                "floating": pl.Series([bool(c.floating) for c in f], dtype=pl.Boolean),
                "planned_departure": pl.Series([c.planned_departure for c in f], dtype=pl.Date),
                "resident_id_valid": pl.Series([bool(c.resident_id_valid) for c in f], dtype=pl.Boolean),
                "branch": [c.branch.code for c in f],
                "branch_kind": [c.branch.kind for c in f],
                "branch_path": [c.branch.path for c in f],
                "branch_full": pl.Series([c.branch.full_members for c in f], dtype=pl.Int64),
                "work_unit_org": [c.work_unit_org for c in f],
                "exited_on": pl.Series([c.exited_on for c in f], dtype=pl.Date),
                "n_transfers": pl.Series([len(c.transfers) for c in f], dtype=pl.Int64),
                "n_discipline": pl.Series([len(c.discipline) for c in f], dtype=pl.Int64),
                "n_kin": pl.Series([len(c.kin) for c in f], dtype=pl.Int64),
                "n_forms": pl.Series([len(c.forms) for c in f], dtype=pl.Int64),
                "n_archive_reviews": pl.Series([len(c.archive_reviews) for c in f], dtype=pl.Int64),
                "n_branch_secretaries": pl.Series([len(c.branch_secretaries) for c in f], dtype=pl.Int64),
            }
        )

    @cached_property
    def recs(self) -> pl.DataFrame:
        case, ids, steps, dates, passed, details, recorded, supersedes, pos = ([] for _ in range(9))
        text = self.details_text
        for i, facts in enumerate(self.facts):
            for n, r in enumerate(facts.records):
                case.append(i)
                ids.append(r.id)
                steps.append(r.step)
                dates.append(r.date)
                passed.append(r.passed())
                details.append(text(r))
                recorded.append(_naive_utc(r.recorded_at))
                supersedes.append(r.supersedes)
                pos.append(n)
        return pl.DataFrame(
            {
                "case": pl.Series(case, dtype=pl.UInt32),
                "id": pl.Series(ids, dtype=pl.Int64),
                "step": pl.Series(steps, dtype=pl.String),
                "date": pl.Series(dates, dtype=pl.Date),
                "passed": pl.Series(passed, dtype=pl.Boolean),
                "details": pl.Series(details, dtype=pl.String),
                "recorded_at": pl.Series(recorded, dtype=pl.Datetime("us")),
                "supersedes": pl.Series(supersedes, dtype=pl.Int64),
                "pos": pl.Series(pos, dtype=pl.UInt32),
            }
        )

    # --- views the screens share ----------------------------------------------------------------------
    def step(self, code: str, *keys: str | tuple[str, Any]) -> pl.DataFrame:
        """The records of one step, with details keys as columns: a name gives the value as text (a list as
        its JSON text), (name, dtype) casts it (pl.Int64, pl.Boolean, pl.List(pl.String)…); a value of the
        wrong type becomes null."""
        frame = self._memo.get(("step", code))
        if frame is None:
            frame = self.recs.filter(pl.col("step") == code)
            self._memo[("step", code)] = frame
        if not keys:
            return frame
        return frame.with_columns([detail(k) for k in keys])

    @cached_property
    def first(self) -> pl.DataFrame:
        """One row per case: `case`, and for every step its first passing record's date (`S01`…) and id
        (`S01_id`…), null where there is none (CaseFacts.first)."""
        firsts = (
            self.recs.filter(pl.col("passed"))
            .group_by("case", "step")
            .agg(pl.col("date").first(), pl.col("id").first())
        )
        out = self.cases.select("case")
        for code in STEP_CODES:
            part = firsts.filter(pl.col("step") == code).select(
                "case", pl.col("date").alias(code), pl.col("id").alias(f"{code}_id")
            )
            out = out.join(part, on="case", how="left")
        return out

    @cached_property
    def counts(self) -> pl.DataFrame:
        """One row per case: `case`, and for every step the number of its live records (`n_S01`…)."""
        per = self.recs.group_by("case", "step").len()
        out = self.cases.select("case")
        for code in STEP_CODES:
            part = per.filter(pl.col("step") == code).select("case", pl.col("len").alias(f"n_{code}"))
            out = out.join(part, on="case", how="left")
        return out.fill_null(0)

    @cached_property
    def wide(self) -> pl.DataFrame:
        """`cases` with `first` and `counts` beside it: what most timing screens read."""
        return self.cases.join(self.first, on="case").join(self.counts, on="case")

    # --- the registers beside the records -------------------------------------------------------------
    @cached_property
    def members(self) -> pl.DataFrame:
        """Every member a case's details name (contacts, introducers, talkers), once."""
        seen: dict[str, Any] = {}
        for facts in self.facts:
            seen.update(facts.members)
        rows = list(seen.values())
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
        seen: dict[str, Any] = {}
        for facts in self.facts:
            seen.update(facts.orgs)
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

    def register(self, name: str, columns: Mapping[str, Any]) -> pl.DataFrame:
        """One row per entry of a case's register (`transfers`, `discipline`, `forms`, `archive_reviews`):
        `case` and the entry's keys, each as text (dates as ISO text)."""
        key = ("register", name)
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


def detail(key: str | tuple[str, Any]) -> pl.Expr:
    """A details key of `recs` as a column (see Frames.step)."""
    name, dtype = (key, pl.String) if isinstance(key, str) else key
    raw = pl.col("details").str.json_path_match(f"$.{name}")
    if dtype == pl.String:
        return raw.alias(name)
    if dtype == pl.Boolean:
        return raw.replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        ).alias(name)
    if isinstance(dtype, pl.List):
        return raw.str.json_decode(dtype).alias(name)
    return raw.cast(dtype, strict=False).alias(name)


def months(expr: pl.Expr, n: int) -> pl.Expr:
    """core.calendar.add_months on a date column: same day number, clamped to the month's end."""
    return expr.dt.offset_by(f"{int(n)}mo")


def days(expr: pl.Expr, n: int) -> pl.Expr:
    return expr + pl.duration(days=int(n))


def _naive_utc(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(datetime.UTC).replace(tzinfo=None)


def frames_from_facts(
    facts: Sequence[CaseFacts], limits: Limits, details_text: Callable[[Rec], str] | None = None
) -> Frames:
    return Frames(facts=facts, limits=limits, details_text=details_text or _text)
