"""The inspection at district scale: `fazhan synth --scale district` (10,000 candidates with their full step
histories), then the whole-tree inspection timed against a straightforward per-case loop (the single-case
facts and evaluate, case by case) over the same data. The loop is timed on a sample and extrapolated.

Run by `make bench` on SQLite and PostgreSQL (scripts/bench.sh sets DATABASE_URL to an empty database).
"""

import itertools
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from fazhan.demo.synth import synth_build  # noqa: E402
from fazhan.inspection.loader import case_facts_full  # noqa: E402
from fazhan.inspection.run import Phase, Progress, case_findings, inspect  # noqa: E402
from fazhan.procedure.models import Case  # noqa: E402

SAMPLE = int(os.environ.get("BENCH_SAMPLE", "300"))


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    call_command("migrate", verbosity=0)
    scale = os.environ.get("BENCH_SCALE", "district")
    t0 = time.perf_counter()
    synth = synth_build(scale=scale)
    built = time.perf_counter() - t0
    print(f"{connection.vendor}: synth --scale {scale}: {synth.counts} in {built:.1f} s", flush=True)
    as_of = synth.as_of

    inspect(root=None, as_of=as_of)  # warm caches (translations, rule registry, Polars)
    runs, cpu, phases = [], [], []
    for _ in range(5):
        marks: list[tuple[float, Progress]] = []
        c0 = _cpu()
        t0 = time.perf_counter()
        result = inspect(
            root=None, as_of=as_of, progress=lambda p, marks=marks: marks.append((time.perf_counter(), p))
        )
        runs.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
        phases.append(_phases(t0, marks))
    best = min(runs)
    records = result.records
    print(
        "inspection (set-based: columnar load, Polars screens, exact rules on the flagged cases, org-level "
        "rules on the cases' summaries):"
    )
    print(f"  best of 5 {best:.2f} s (runs {_list(runs)}); median {sorted(runs)[2]:.2f} s")
    print(f"  phases of the best run: {phases[runs.index(best)]}")
    print(
        f"  CPU seconds (this process and its threads): {_list(cpu)}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    judged = next(p.total for _at, p in marks if p.phase == Phase.JUDGE)
    print(f"  {result.cases} cases, {records} step records, {len(result.issues)} findings")
    print(f"  the screens sent {judged} of the {result.cases} cases to the exact rules")
    print(f"  {records / best:,.0f} step records/s, {result.cases / best:,.0f} cases/s")
    found = {(i.rule, i.org, i.person) for i in result.issues}
    missed = [p for p in synth.planted if (p.rule, p.org, p.person) not in found]
    print(f"  planted violations: {len(synth.planted)}, found: {len(synth.planted) - len(missed)}")
    if missed:
        print(f"  MISSED: {missed}")
    t0 = time.perf_counter()
    unscreened = inspect(root=None, as_of=as_of, screened=False)
    every = time.perf_counter() - t0
    same = [i.key for i in unscreened.issues] == [i.key for i in result.issues]
    print(f"every rule on every case (no screens, forked workers): {every:.2f} s; same findings: {same}")

    ids = sorted(Case.objects.values_list("pk", flat=True))
    sample = random.Random(1).sample(ids, min(SAMPLE, len(ids)))
    t0, c0 = time.perf_counter(), _cpu()
    for case in Case.objects.filter(pk__in=sample).select_related("person__org", "person__work_unit_org"):
        case_findings(case_facts_full(case, as_of=as_of))
    per_case = (time.perf_counter() - t0) / len(sample)
    per_case_cpu = (_cpu() - c0) / len(sample)
    loop = per_case * len(ids)
    print(
        f"per-case loop (case_facts + evaluate per case): {per_case * 1000:.1f} ms/case "
        f"on a sample of {len(sample)}, "
        f"extrapolated to {len(ids)} cases: {loop:.1f} s"
    )
    print(f"  (CPU {per_case_cpu * 1000:.1f} ms/case; the database server's time is not in it)")
    print(f"ratio per-case loop / inspection: {loop / best:.1f}× (wall clock)")
    print(f"ratio unscreened run / inspection: {every / best:.1f}×")
    goal = "met" if best < 2 else "NOT met"
    print(f"goal (district under 2 s): {goal} ({best:.2f} s)")
    if missed:
        sys.exit(1)  # the inspection must find what the generator planted


def _phases(t0: float, marks: list[tuple[float, Progress]]) -> str:
    """How long each phase of the run took: from the first report of a phase to the first of the next."""
    names = {Phase.LOAD: "load", Phase.SCREEN: "screen", Phase.JUDGE: "judge", Phase.ORG: "org-level rules"}
    begun = [(at, p.phase) for i, (at, p) in enumerate(marks) if i == 0 or marks[i - 1][1].phase != p.phase]
    return ", ".join(
        f"{names[phase]} {ended - started:.2f} s"
        for (started, phase), (ended, _next) in itertools.pairwise(begun)
    )


if __name__ == "__main__":
    main()
