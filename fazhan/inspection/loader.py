"""The whole tree as the inspection's run reads it: the procedure's subtree loader (procedure.loader, the one
loader of many cases' facts) with, beside it, the screens' tables (Frames, built from the records on a thread
while the facts are made) and the org-level rules' TreeFacts, whose plans this app reads from the plans wing.
"""

import datetime
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fazhan.inspection.frames import Frames, case_row
from fazhan.organizations.models import Org
from fazhan.plans.models import Plan
from fazhan.procedure.definition import limits
from fazhan.procedure.engine import CaseFacts
from fazhan.procedure.loader import (
    SubtreeFacts,
    SubtreeRead,
    TreeOrgs,
    no_gc,
    subtree_load,
    subtree_scope,
)
from fazhan.procedure.models import Case
from fazhan.procedure.rules.notice2018 import TreeFacts
from fazhan.procedure.selectors import Scope, case_facts


@dataclass
class Loaded:
    """The tree as the run needs it.

    - `frames`: every record as columns, and the cases' registers, for the screens.
    - `tree`: TreeFacts for the org-level rules, whose cases are the loader's summarized facts (every
      register; of the records, what the org-level rules and the case's outcome ask). The same case objects
      are the frames' `facts`, which read their registers and, for `Frames.cases`, their outcome.
    - `full_facts(indices)`: the complete CaseFacts of those cases (every record), built from the columns
      only for the cases a rule must judge exactly.
    Beside them: each case's id, the first record of each correction chain (a finding's stable key), and the
    number of step records read."""

    facts: SubtreeFacts
    frames: Frames
    tree: TreeFacts
    case_ids: list[int] = field(init=False)
    roots: dict[int, int] = field(init=False)
    records: int = field(init=False)
    base: list[dict[str, Any]] = field(init=False)  # each case's CaseFacts fields but records

    def __post_init__(self) -> None:
        self.case_ids, self.roots = self.facts.case_ids, self.facts.roots
        self.records, self.base = self.facts.records, self.facts.base

    def full_facts(self, indices) -> dict[int, CaseFacts]:
        return self.facts.full_facts(indices)


def tree_load(
    *, root: Org | None, as_of: datetime.date, scope: Scope | None = None, orgs: TreeOrgs | None = None
) -> Loaded:
    """Every case whose person is in `root`'s subtree (the whole tree for None), as of `as_of`. `scope`
    narrows the cases to part of that subtree (a chunk of run.inspect: one township's subtree, or one org
    alone), and the tree's plans to the plans of its orgs. `orgs`: the tree's orgs and branch committees
    already read (procedure.loader.tree_orgs: a chunked run reads them once for all its chunks), or None to
    read them here."""
    with no_gc():  # while the screens' tables and the tree are made too, not only the facts
        return _tree_load(root, as_of, scope or subtree_scope(root), orgs)


def _tree_load(root: Org | None, as_of: datetime.date, scope: Scope, orgs: TreeOrgs | None) -> Loaded:
    settings_limits = limits()
    case_rows: list[tuple] = []
    started: dict[str, Any] = {}

    with ThreadPoolExecutor(1) as pool:

        def prepare(read: SubtreeRead) -> None:
            frames = Frames(
                facts=(),  # set below; the frames' tables are built meanwhile on the thread
                limits=settings_limits,
                recs_frame=read.recs,
                size=len(read.cases),
                case_rows=case_rows,
            )
            started["frames"], started["prepared"] = frames, pool.submit(frames.prepare)

        loaded = subtree_load(
            scope=scope,
            as_of=as_of,
            on_read=prepare,
            on_case=lambda i, facts: case_rows.append(case_row(i, facts)),
            orgs=orgs,
        )
        prepared: Future = started["prepared"]
        prepared.result()
    frames: Frames = started["frames"]
    frames.facts = loaded.summarized
    plans = {
        (code, year): {"quota": quota, "groups": groups}
        for code, year, quota, groups in Plan.objects.filter(scope("org__path")).values_list(
            "org__code", "year", "quota", "groups"
        )
    }
    tree = TreeFacts(
        as_of=as_of,
        limits=settings_limits,
        root_path=root.path if root is not None else "/",
        orgs=loaded.org_rows,
        cases=loaded.summarized,
        people=loaded.people,
        plans=plans,
        committees=loaded.committees,
    )
    return Loaded(loaded, frames, tree)


def case_facts_full(case: Case, *, as_of: datetime.date) -> CaseFacts:
    """One case the single-case way: exactly what step entry reads (procedure.selectors.case_facts)."""
    return case_facts(case, as_of=as_of)
