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
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from fazhan.inspection.loader import Loaded, tree_load
from fazhan.inspection.screens import plan as screen_plan
from fazhan.organizations.models import Org
from fazhan.plans.models import Plan
from fazhan.procedure.definition import RULES_BY_ID, Limits
from fazhan.procedure.engine import CHECKS, CaseFacts, Finding, evaluate
from fazhan.procedure.loader import subtree_scope, tree_orgs
from fazhan.procedure.models import Case
from fazhan.procedure.rules.counting import Approval, PersonRow, org_on
from fazhan.procedure.rules.notice2018 import ORG_CHECKS, TreeFacts, evaluate_tree
from fazhan.procedure.rules.notice2018 import approvals as tree_approvals
from fazhan.procedure.rules.notice2018 import pools as tree_pools
from fazhan.procedure.selectors import Scope


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
    chunk_cases: int | None = None,
) -> Result:
    """Every finding on the subtree as of the day, telling `progress` as each phase begins. `screened` (the
    default) runs each rule exactly only on the cases its set-based screen flags (inspection/screens); False
    runs every rule on every case (the parity tests and the bench compare the two). A subtree of more than
    `chunk_cases` cases (settings.FAZHAN_INSPECT_CHUNK_CASES, default CHUNK_CASES) is read and judged in
    chunks of its subtrees, one at a time, with the same findings (_inspect_chunked)."""
    tell = progress or (lambda _p: None)

    def say(phase: Phase, **counts: Any) -> None:
        tell(Progress(phase, as_of, **counts))

    say(Phase.LOAD)
    try:
        size = chunk_cases or getattr(settings, "FAZHAN_INSPECT_CHUNK_CASES", None) or CHUNK_CASES
        return _inspect(root, as_of, say, screened, size)
    finally:
        gc.unfreeze()  # what the load kept out of the collector's passes (loader.no_gc) is collectable again


Say = Callable[..., None]  # say(phase, **counts): a Progress of this run


def _inspect(root: Org | None, as_of: datetime.date, say: Say, screened: bool, chunk_cases: int) -> Result:
    chunks = _chunks(root, chunk_cases)
    if chunks is None:
        return _inspect_whole(root, as_of, say, screened)
    return _inspect_chunked(root, as_of, say, screened, chunks)


def _inspect_whole(root: Org | None, as_of: datetime.date, say: Say, screened: bool) -> Result:
    loaded = tree_load(root=root, as_of=as_of)
    cases = loaded.case_ids
    sizes = {"cases": len(cases), "records": loaded.records}
    issues = _case_issues(loaded, say, screened, sizes)
    say(Phase.ORG, **sizes)
    issues += _tree_issues(loaded.tree, loaded.roots)
    issues.sort(key=lambda i: (i.org, i.person or "", i.rule, i.step, i.record or 0))
    say(Phase.DONE, **sizes, findings=len(issues))
    return Result(as_of, root.code if root else "", len(cases), loaded.records, issues)


def _case_issues(loaded: Loaded, say: Say, screened: bool, sizes: dict[str, int]) -> list[Issue]:
    """The per-case rules on the loaded cases: the screens' picks judged exactly (or every rule on every
    case, unscreened)."""
    rules = per_case_rules()
    if screened:
        say(Phase.SCREEN, **sizes)
        # Not beside the org-level rules: their Python work holds the interpreter lock the screens' Polars
        # calls come back to, and measured side by side the two took longer than one after the other.
        todo = screen_plan(loaded.frames, rules)
    else:
        todo = [rules] * len(loaded.case_ids)
    return _judge_cases(loaded, todo, lambda **counts: say(Phase.JUDGE, **sizes, **counts))


def _tree_issues(tree: TreeFacts, roots: dict[int, int]) -> list[Issue]:
    """The org-level rules over the tree, each finding placed and keyed."""
    issues = []
    seen: dict[tuple, int] = defaultdict(int)
    for t in evaluate_tree(tree):
        f = t.finding
        root_id = roots.get(f.record, f.record) if f.record is not None else None
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
    return issues


# A subtree of more cases than this is inspected in chunks (settings.FAZHAN_INSPECT_CHUNK_CASES). Measured on
# two synth districts (README, "A province"): about 20 MB of peak memory per 1,000 cases of a chunk, so a
# chunk of 50,000 stays near 1 GB; a province's districts (10,000 cases each) are then a chunk each.
CHUNK_CASES = 50_000


@dataclass(frozen=True)
class Chunk:
    """Part of a run's cases: those of the persons in the subtree at `path` (`alone`: in that org itself,
    not below it). The chunks of a run part its cases: each case is in exactly one."""

    path: str
    alone: bool = False
    cases: int = 0

    def scope(self) -> Scope:
        if self.alone:
            return lambda at: Q(**{at: self.path})
        return lambda at: Q(**{f"{at}__startswith": self.path})


def _chunks(root: Org | None, size: int) -> list[Chunk] | None:
    """The chunks of `root`'s subtree, each of at most `size` cases where the tree allows (one org's own
    cases are never split), in path order; None when the whole subtree is no more than `size` cases: it is
    read in one pass."""
    top = root.path if root is not None else "/"
    own: Counter[str] = Counter(
        dict(
            Case.objects.filter(person__org__path__startswith=top)
            .values_list("person__org__path")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("person__org__path", "n")
        )
    )
    if sum(own.values()) <= size:
        return None
    paths = sorted(Org.objects.filter(path__startswith=top).values_list("path", flat=True))
    under: Counter[str] = Counter()  # the cases of each org's subtree
    for path, n in own.items():
        parts = path.strip("/").split("/")
        for k in range(1, len(parts) + 1):
            under["/" + "/".join(parts[:k]) + "/"] += n
    children: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        parent = path[: path.rstrip("/").rfind("/") + 1]
        children[parent].append(path)
    out: list[Chunk] = []

    def split(path: str) -> None:
        if path != "/" and (under[path] <= size or not children[path]):
            if under[path]:
                out.append(Chunk(path, cases=under[path]))
            return
        if own[path]:
            out.append(Chunk(path, alone=True, cases=own[path]))
        for child in children[path]:
            split(child)

    split(top)
    return out


def _inspect_chunked(
    root: Org | None, as_of: datetime.date, say: Say, screened: bool, chunks: list[Chunk]
) -> Result:
    """The run chunk by chunk, so that only one chunk's records and facts are held at a time: each chunk's
    cases get the per-case rules as the one-pass run gives them; of each chunk's tree only what the
    org-level rules count over cases is kept (the admissions, with their cases' summarized facts, and the
    pools), and the org-level rules then run once over the whole tree with those counts, so each org's
    rules see its whole subtree, whichever chunks its cases were read in."""
    issues: list[Issue] = []
    admitted: list[Approval] = []
    pooled: dict[str, Counter[str]] = defaultdict(Counter)
    people: dict[str, PersonRow] = {}
    roots: dict[int, int] = {}
    n_cases = n_records = 0
    limits: Limits | None = None
    total = sum(c.cases for c in chunks)
    orgs = tree_orgs()  # every org and branch committee of the tree, once: each chunk's facts share them
    for chunk in chunks:
        loaded = tree_load(root=root, as_of=as_of, scope=chunk.scope(), orgs=orgs)
        sizes = {"cases": len(loaded.case_ids), "records": loaded.records}
        issues += _case_issues(loaded, lambda phase, **c: None, screened, sizes)
        n_cases += sizes["cases"]
        n_records += sizes["records"]
        tree = loaded.tree
        chunk_admitted = tree_approvals(tree)
        admitted += chunk_admitted
        for org, counts in tree_pools(tree).items():
            pooled[org].update(counts)
        for a in chunk_admitted:
            pid = a.facts.person_pid
            if pid in tree.people:
                people[pid] = tree.people[pid]
            if a.record.id in loaded.roots:
                roots[a.record.id] = loaded.roots[a.record.id]
        say(Phase.JUDGE, cases=n_cases, records=n_records, done=n_cases, total=total)
        limits = tree.limits
        loaded.frames._memo.clear()
        # Freed before the next chunk's load, so that one chunk is held at a time. The load's objects stay
        # out of the collector's passes (loader.no_gc froze them; inspect unfreezes at its end): they hold no
        # cycles to speak of (a collection here found 3 objects a district), so their references free them,
        # and a collection a chunk, which went over every object the run keeps, cost a second or two each.
        del tree, chunk_admitted, loaded
    sizes = {"cases": n_cases, "records": n_records}
    say(Phase.ORG, **sizes)
    assert limits is not None
    scope = subtree_scope(root)
    plans = {
        (code, year): {"quota": quota, "groups": groups}
        for code, year, quota, groups in Plan.objects.filter(scope("org__path")).values_list(
            "org__code", "year", "quota", "groups"
        )
    }
    whole = TreeFacts(
        as_of=as_of,
        limits=limits,
        root_path=root.path if root is not None else "/",
        orgs=orgs.rows,  # every org of the tree
        cases=(),  # the counts below stand for them
        people=people,
        plans=plans,
        committees=orgs.committees,  # every branch's
    )
    # The counts the org-level rules read (notice2018.approvals and .pools), as they count them over every
    # case of the tree: the admissions in date order (a stable sort: ties are one person's, in one chunk).
    whole.__dict__["_memo"] = {
        "approvals": sorted(admitted, key=lambda a: (a.record.date, a.facts.person_pid)),
        "pools": pooled,
    }
    issues += _tree_issues(whole, roots)
    issues.sort(key=lambda i: (i.org, i.person or "", i.rule, i.step, i.record or 0))
    say(Phase.DONE, **sizes, findings=len(issues))
    return Result(as_of, root.code if root else "", n_cases, n_records, issues)


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
