"""A province on one machine (issue 16 item 5), PostgreSQL only: `fazhan synth --scale province`
(BENCH_DISTRICTS districts of the district scale, default 2; 100 is the full province of ~1M candidates), its
export as JSON Lines (`fazhan export`), the whole catalogue over it (run.inspect in chunks of
BENCH_CHUNK_CASES, default a district), and the DuckDB baseline (benchmarks/duckdb_province.py) over the
export; each a child process whose time and peak RSS are its own (os.wait4), then the two's findings (rule,
person or org) compared for the baseline's rules. BENCH_PROVINCE_DB: a database already holding a province
(the build is skipped). The step-record scan of one township is EXPLAINed, with and without the indexes, to
show whether they pay.

    scripts/bench.sh benchmarks/bench_province.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")
if os.environ.get("BENCH_PROVINCE_DB"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_PROVINCE_DB"]

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from duckdb_province import RULES  # noqa: E402

from fazhan.organizations.models import Org  # noqa: E402

AS_OF = "2026-12-04"
# The inspection as `fazhan inspect` runs it, with the chunk size given (run.inspect's chunk_cases).
INSPECT = """
import datetime, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")
import django
django.setup()
from fazhan.inspection.run import inspect
as_of, chunk, out = datetime.date.fromisoformat(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
result = inspect(root=None, as_of=as_of, chunk_cases=chunk)
with open(out, "w", encoding="utf-8") as f:
    json.dump([i.as_json() for i in result.issues], f, ensure_ascii=False)
"""
PYTHON = sys.executable


CPU: dict[str, float] = {}  # the last child's CPU seconds (user + system), its own children's included


def child(args: list[str], *, out: Path | None = None) -> tuple[float, float]:
    """Run a child process to its end: (seconds, its peak RSS in MB, its own children's included); its CPU
    seconds in CPU["last"] (the machine is shared: wall time is the load's as much as ours)."""
    t0 = time.perf_counter()
    with open(out or os.devnull, "w") as sink:
        proc = subprocess.Popen(args, stdout=sink, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    CPU["last"] = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{err[-3000:]}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_province: PostgreSQL only (synth --scale province copies into PostgreSQL): skipped")
        return
    call_command("migrate", verbosity=0)
    districts = int(os.environ.get("BENCH_DISTRICTS", "2"))
    manage = [PYTHON, "manage.py"]
    load = os.getloadavg()[0]
    if not Org.objects.exists():
        seconds, peak = child(
            [*manage, "synth", "--scale", "province", "--districts", str(districts), "--today", AS_OF]
        )
        print(
            f"synth --scale province --districts {districts}: {seconds:.1f} s ({CPU['last']:.1f} s CPU), "
            f"peak RSS {peak:.0f} MB"
        )
    with connection.cursor() as cursor:
        cursor.execute("select count(*) from procedure_case")
        cases = cursor.fetchone()[0]
        cursor.execute("select count(*) from procedure_steprecord")
        steps = cursor.fetchone()[0]
        cursor.execute("select pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    print(f"{cases:,} cases, {steps:,} step records; database {size / 2**30:.2f} GB on disk")
    work = Path(tempfile.mkdtemp(prefix="bench_province_"))
    export = work / "province.jsonl"
    seconds, peak = child([*manage, "export", str(export)])
    print(
        f"fazhan export (JSON Lines): {seconds:.1f} s, peak RSS {peak:.0f} MB, "
        f"{export.stat().st_size / 2**20:.0f} MB"
    )

    findings = work / "fazhan.json"
    chunk = int(os.environ.get("BENCH_CHUNK_CASES", "10000"))  # a district a chunk
    fazhan_s, fazhan_peak = child([PYTHON, "-c", INSPECT, AS_OF, str(chunk), str(findings)])
    fazhan_cpu = CPU["last"]
    duck = work / "duckdb.tsv"
    duck_s, duck_peak = child(
        [PYTHON, "benchmarks/duckdb_province.py", str(export), AS_OF, "--out", str(duck)]
    )
    duck_cpu = CPU["last"]
    print(
        f"fazhan inspection (whole catalogue, chunks of at most {chunk:,} cases): {fazhan_s:.1f} s "
        f"({fazhan_cpu:.1f} s CPU), peak RSS {fazhan_peak:.0f} MB"
    )
    print(
        f"duckdb baseline (12 rules, load of the export included): {duck_s:.1f} s "
        f"({duck_cpu:.1f} s CPU), peak RSS {duck_peak:.0f} MB"
    )
    print(
        f"ratio fazhan / duckdb: {fazhan_s / duck_s:.1f}× (goal ≤ 2×); goal < 60 s: "
        f"{'met' if fazhan_s < 60 else 'NOT met'}; load average {load:.1f} → {os.getloadavg()[0]:.1f}"
    )
    ours: dict[str, set[str]] = {r: set() for r in RULES}
    for issue in json.loads(findings.read_text(encoding="utf-8")):
        if issue["rule"] in ours:
            ours[issue["rule"]].add(issue["person"] or issue["org"])
    theirs: dict[str, set[str]] = {r: set() for r in RULES}
    for line in duck.read_text(encoding="utf-8").splitlines():
        rule, who = line.split("\t")
        theirs[rule].add(who)
    print("findings (rule: fazhan / duckdb / both):")
    for rule in RULES:
        both = len(ours[rule] & theirs[rule])
        print(f"  {rule}: {len(ours[rule])} / {len(theirs[rule])} / {both}")
    explain()


def explain() -> None:
    """The step records of one township as the loader reads them, with and without the index on case."""
    township = Org.objects.filter(kind="committee").order_by("path").first()
    if township is None:
        return
    sql = (
        "select s.id, s.step, s.date from procedure_steprecord s join procedure_case c on c.id = s.case_id "
        "join people_person p on p.id = c.person_id join organizations_org o on o.id = p.org_id "
        "where o.path like %s"
    )
    with connection.cursor() as cursor:
        for label, setting in (("with indexes", "on"), ("sequential scans only", "off")):
            cursor.execute(f"set enable_indexscan = {setting}; set enable_bitmapscan = {setting}")
            cursor.execute("explain (analyze, format json) " + sql, [township.path + "%"])
            plan = cursor.fetchone()[0][0]
            nodes = Counter()
            stack = [plan["Plan"]]
            while stack:
                node = stack.pop()
                nodes[node["Node Type"]] += 1
                stack += node.get("Plans", [])
            print(f"one township's step records, {label}: {plan['Execution Time']:.0f} ms ({dict(nodes)})")
        cursor.execute("reset enable_indexscan; reset enable_bitmapscan")


if __name__ == "__main__":
    main()
