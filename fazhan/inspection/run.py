"""One inspection: every rule of the catalogue over every case of a subtree, and the org-level rules over the
subtree, as the records stood on the as-of date (procedure.md B0.6). Pure reading: `inspect` returns the
findings; services.inspection_run persists them.

How it stays fast at district scale, set-based throughout:
1. loader.tree_load reads the whole subtree in a fixed dozen queries, the step records as columns (Polars).
2. Each per-case rule's screen (inspection/screens) picks, over all cases at once, the cases it could find
   anything on.
3. Only those cases get their complete CaseFacts, and on them the rules run as the very functions step entry
   runs (engine.evaluate): the findings are the single-case form's, which the parity tests check.
4. The org-level rules (notice.ORG_CHECKS) run once over every case's summary (notice.TREE_STEPS, and the
   conversion rounds the case's stage follows).
"""

import datetime
import gc
import hashlib
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings

from fazhan.inspection.loader import Loaded, tree_load
from fazhan.inspection.screens import plan as screen_plan
from fazhan.organizations.models import Org
from fazhan.procedure.definition import RULES_BY_ID
from fazhan.procedure.engine import CHECKS, CaseFacts, Finding, evaluate
from fazhan.procedure.rules.counting import org_on
from fazhan.procedure.rules.notice2018 import ORG_CHECKS, evaluate_tree


def per_case_rules() -> list[str]:
    """Every registered rule in the catalogue's order, less the org-level ones (nothing per case)."""
    return [r for r in RULES_BY_ID if r in CHECKS and r not in ORG_CHECKS]


@dataclass(frozen=True)
class Issue:
    """A finding placed in the tree: the rule's finding, the org (the person's org on the date of the step
    concerned, or the org judged), the person, and the key that matches it across runs."""

    rule: str
    severity: str
    org: str
    person: str | None
    message: str
    step: str
    record: int | None
    evidence: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    def as_json(self) -> dict[str, Any]:
        """The shape of interchange.md: {rule, severity, org, person, message, evidence}."""
        evidence = dict(self.evidence)
        if self.step:
            evidence.setdefault("step", self.step)
        if self.record is not None:
            evidence.setdefault("record", self.record)
        return {
            "rule": self.rule,
            "severity": self.severity,
            "org": self.org,
            "person": self.person,
            "message": self.message,
            "evidence": evidence,
        }


@dataclass
class Result:
    as_of: datetime.date
    root: str
    cases: int
    records: int
    issues: list[Issue]


class Phase(StrEnum):
    """The parts of a run, in order (Progress.phase)."""

    LOAD = "load"  # reading the subtree's records
    SCREEN = "screen"  # the screens over every case at once
    JUDGE = "judge"  # the exact rules on the flagged cases
    ORG = "org"  # the org-level rules over the tree
    DONE = "done"  # every finding placed


@dataclass(frozen=True)
class Progress:
    """How far a run has got, for whoever shows it to say in its own words (the command line in English on
    stderr, the job page in Chinese): the phase begun, and what is counted by then. In JUDGE, `done` of
    `total` cases are judged (`total` first with `done` 0)."""

    phase: Phase
    as_of: datetime.date
    cases: int | None = None
    records: int | None = None
    done: int | None = None
    total: int | None = None
    workers: int = 1
    findings: int | None = None


def case_findings(facts: CaseFacts) -> list[Finding]:
    """The per-case rules on one case (the org-level ids yield nothing per case and are skipped)."""
    return evaluate(facts, rules=per_case_rules())


# Evidence that tells apart two findings of one rule on the same record or org (a window, a year, a member).
DISCRIMINATORS: tuple[str, ...] = (
    "year",
    "window",
    "month",
    "election",
    "kind",
    "contact",
    "introducer",
    "relative",
    "role",
    "member",
    "from",
)


def _key(rule: str, person: str | None, step: str, record: int | None, org: str, n: str) -> str:
    """Stable across runs: a corrected record keeps its chain's first id, so a finding on it matches."""
    raw = f"{rule}|{person or ''}|{step}|{record if record is not None else ''}|{org}|{n}"
    return hashlib.sha1(raw.encode()).hexdigest()


def _which(evidence: Any) -> str:
    return "|".join(str(evidence.get(k)) for k in DISCRIMINATORS if k in evidence)


def place(loaded: Loaded, facts: CaseFacts, found: list[Finding]) -> list[Issue]:
    dates = {r.id: r.date for r in facts.records}
    seen: dict[tuple, int] = defaultdict(int)
    out = []
    for f in found:
        day = dates.get(f.record, facts.as_of) if f.record is not None else facts.as_of
        org = org_on(facts, day)
        root = loaded.roots.get(f.record, f.record) if f.record is not None else None
        slot = (f.rule, f.step, root, org, _which(f.evidence))
        n = seen[slot]
        seen[slot] += 1
        out.append(
            Issue(
                f.rule,
                f.severity,
                org,
                facts.person_pid,
                f.message,
                f.step,
                f.record,
                dict(f.evidence),
                _key(f.rule, facts.person_pid, f.step, root, org, f"{slot[-1]}#{n}"),
            )
        )
    return out


def inspect(
    *,
    root: Org | None,
    as_of: datetime.date,
    progress: Callable[[Progress], None] | None = None,
    screened: bool = True,
) -> Result:
    """Every finding on the subtree as of the day, telling `progress` as each phase begins. `screened` (the
    default) runs each rule exactly only on the cases its set-based screen flags (inspection/screens); False
    runs every rule on every case (the parity tests and the bench compare the two)."""
    tell = progress or (lambda _p: None)

    def say(phase: Phase, **counts: Any) -> None:
        tell(Progress(phase, as_of, **counts))

    say(Phase.LOAD)
    try:
        return _inspect(root, as_of, say, screened)
    finally:
        gc.unfreeze()  # what the load kept out of the collector's passes (loader.no_gc) is collectable again


Say = Callable[..., None]  # say(phase, **counts): a Progress of this run


def _inspect(root: Org | None, as_of: datetime.date, say: Say, screened: bool) -> Result:
    loaded = tree_load(root=root, as_of=as_of)
    cases = loaded.case_ids
    rules = per_case_rules()
    sizes = {"cases": len(cases), "records": loaded.records}
    if screened:
        say(Phase.SCREEN, **sizes)
        # Not beside the org-level rules: their Python work holds the interpreter lock the screens' Polars
        # calls come back to, and measured side by side the two took longer than one after the other.
        todo = screen_plan(loaded.frames, rules)
    else:
        todo = [rules] * len(cases)
    issues = _judge_cases(loaded, todo, lambda **counts: say(Phase.JUDGE, **sizes, **counts))
    say(Phase.ORG, **sizes)
    seen: dict[tuple, int] = defaultdict(int)
    for t in evaluate_tree(loaded.tree):
        f = t.finding
        root_id = loaded.roots.get(f.record, f.record) if f.record is not None else None
        slot = (f.rule, t.person, f.step, root_id, t.org, _which(f.evidence))
        n = seen[slot]
        seen[slot] += 1
        issues.append(
            Issue(
                f.rule,
                f.severity,
                t.org,
                t.person,
                f.message,
                f.step,
                f.record,
                dict(f.evidence),
                _key(f.rule, t.person, f.step, root_id, t.org, f"{slot[-1]}#{n}"),
            )
        )
    issues.sort(key=lambda i: (i.org, i.person or "", i.rule, i.step, i.record or 0))
    say(Phase.DONE, **sizes, findings=len(issues))
    return Result(as_of, root.code if root else "", len(cases), loaded.records, issues)


# What the workers judge, inherited by forked workers (copy-on-write, never pickled): the cases' complete
# facts by index and the rules to run on each.
_SHARED: list[tuple[Loaded, dict[int, CaseFacts], list[list[str]]]] = []
PARALLEL_FROM = 40_000  # (case, rule) pairs to judge: below this a pool costs more than it saves


def _judge(indices: list[int]) -> list[Issue]:
    loaded, full, todo = _SHARED[-1]
    out: list[Issue] = []
    for i in indices:
        facts = full[i]
        out.extend(place(loaded, facts, evaluate(facts, rules=todo[i])))
    return out


def _judge_cases(loaded: Loaded, todo: list[list[str]], say: Say) -> list[Issue]:
    """The rules each case needs, on each case that needs any, with its complete facts: in chunks, on forked
    worker processes where there is much to judge and more than one core (settings.FAZHAN_INSPECT_WORKERS,
    default the number of cores). The workers read the facts already loaded; they never touch the
    database."""
    judged = [i for i, rules in enumerate(todo) if rules]
    n = len(judged)
    work = sum(len(t) for t in todo)
    say(done=0, total=n)
    full = loaded.full_facts(judged)
    workers = getattr(settings, "FAZHAN_INSPECT_WORKERS", None) or os.cpu_count() or 1
    size = max(500, n // (workers * 4) or 1)
    chunks = [judged[lo : lo + size] for lo in range(0, n, size)]
    issues: list[Issue] = []
    _SHARED.append((loaded, full, todo))
    try:
        if workers < 2 or work < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
            done = 0
            for chunk in chunks:
                issues.extend(_judge(chunk))
                done += len(chunk)
                say(done=done, total=n)
            return issues
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            done = 0
            for chunk, part in zip(chunks, pool.imap(_judge, chunks), strict=True):
                issues.extend(part)
                done += len(chunk)
                say(done=done, total=n, workers=workers)
    finally:
        _SHARED.pop()
    return issues
