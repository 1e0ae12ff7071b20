"""Import and export of a generated district file with full step histories (issue 4: under a minute; issue 16:
5,000 persons/s with their histories, under 2 GB resident at any size, the export in constant memory).

Each measured run is its own process (`fazhan import FILE`, `fazhan export FILE`, the real commands), so its
peak resident memory (getrusage of that child) is its own. Printed for each:

- each command's seconds beside the CPU seconds it used itself (on a loaded machine the wall clock says
  more about the others than about the import);
- the first import: seconds, persons/s, peak RSS, and how long it held the write lock;
- the second import of the same file (it must change nothing): seconds and its ratio to the first;
- the export of everything: seconds, peak RSS, and the file's size;
- the baseline of the same run: a raw executemany INSERT of the same person and step rows into a scratch table
  of this database, and the first import's time as a multiple of it (the machine is shared: ratios, not
  seconds, are what compare between runs).

    DATABASE_URL=sqlite:////tmp/b.sqlite3 .venv/bin/python benchmarks/bench_import.py [--persons N]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from fazhan.demo.sample import sample_records  # noqa: E402
from fazhan.people.models import Person  # noqa: E402
from fazhan.procedure.models import StepRecord  # noqa: E402
from tests.peak import run_measured_cpu  # noqa: E402

TARGET_PERSONS_PER_SECOND = 5_000
TARGET_RSS_MB = 2_000
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> tuple[float, float, str]:
    """Run `fazhan ARGS` as a child: (elapsed seconds, its own peak resident MB, its stdout)."""
    fazhan = str(Path(sys.executable).with_name("fazhan"))
    status, elapsed, cpu, peak, text, errors = run_measured_cpu([fazhan, *args], cwd=ROOT)
    if status != 0:
        raise SystemExit(f"fazhan {' '.join(args)} failed:\n{text[-3000:]}\n{errors[-3000:]}")
    print(f"  fazhan {args[0]}: {elapsed:.1f} s, of which {cpu:.1f} s of its own CPU")
    if args[0] == "import":
        held = lock_held(errors)
        if held is not None:
            print(f"  write lock held {held[0]:.1f} s ({held[1]:.1f} s CPU) of the command's {elapsed:.1f} s")
        else:
            print(f"  write lock held {lock_seconds(errors):.1f} s of the command's {elapsed:.1f} s")
    return elapsed, peak, text


def lock_held(progress: str) -> tuple[float, float] | None:
    """(seconds, CPU seconds) the import held its write transaction, as it says itself
    (interchange.services.LockTimer: "写入事务（写锁）持有 8.9 秒（其中本进程 CPU 2.1 秒）")."""
    for line in progress.splitlines():
        _, found, rest = line.partition("写入事务（写锁）持有 ")
        if found:
            seconds, _, rest = rest.partition(" 秒（其中本进程 CPU ")
            return float(seconds), float(rest.partition(" 秒")[0])
    return None


def lock_seconds(progress: str) -> float:
    """How long the import held its write transaction, from the command's progress lines ("[  2.7s] …"):
    from the message that the check passed (before it, the whole import was one transaction) to the end."""
    stamps = []
    for line in progress.splitlines():
        if line.startswith("[") and "s] " in line:
            at, _, message = line[1:].partition("s] ")
            stamps.append((float(at), message))
    if not stamps:
        return 0.0
    began = next((at for at, message in stamps if message.startswith("文件检查通过")), stamps[0][0])
    return stamps[-1][0] - began


def raw_baseline(records: list[dict]) -> float:
    """Seconds for a plain executemany of the same persons and steps into scratch tables (one transaction)."""
    persons = [
        (r["id"], r["name"], r["org"], json.dumps(r, ensure_ascii=False))
        for r in records
        if r["type"] == "person"
    ]
    steps = [
        (r["person"], r["step"], r["date"], json.dumps(r.get("details", {}), ensure_ascii=False))
        for r in records
        if r["type"] == "step"
    ]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_person")
        cursor.execute("DROP TABLE IF EXISTS bench_raw_step")
        cursor.execute(
            "CREATE TABLE bench_raw_person (pid varchar(40) PRIMARY KEY, name text, org text, data text)"
        )
        cursor.execute("CREATE TABLE bench_raw_step (pid varchar(40), step text, date text, details text)")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_raw_person VALUES (%s, %s, %s, %s)", persons)
        cursor.executemany(
            "INSERT INTO bench_raw_step (pid, step, date, details) VALUES (%s, %s, %s, %s)", steps
        )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_person")
        cursor.execute("DROP TABLE bench_raw_step")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"engine: {connection.vendor}; load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        path, exported = Path(tmp) / "record.jsonl", Path(tmp) / "export.jsonl"
        records = sample_records(persons=args.persons)
        with path.open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        persons = sum(r["type"] == "person" for r in records)
        steps = sum(r["type"] == "step" for r in records)
        print(f"file: {persons} persons, {steps} step records, {path.stat().st_size / 1e6:.1f} MB")
        baseline = raw_baseline(records)
        del records
        print(f"baseline: raw executemany of the same person and step rows: {baseline:6.2f} s")

        first_seconds, first_rss, _ = run("import", str(path))
        rate = persons / first_seconds
        print(
            f"first import:  {first_seconds:6.1f} s  {rate:7.0f} persons/s  peak {first_rss:6.0f} MB  "
            f"{first_seconds / baseline:5.1f}× the baseline  "
            f"(goal: {TARGET_PERSONS_PER_SECOND} persons/s, under {TARGET_RSS_MB} MB) "
            f"{'OK' if rate >= TARGET_PERSONS_PER_SECOND and first_rss < TARGET_RSS_MB else 'SHORT'}"
        )
        counts = (Person.objects.count(), StepRecord.objects.count())
        second_seconds, second_rss, report = run("import", str(path))
        print("\n".join("  " + line for line in report.splitlines() if ": created" in line))
        unchanged = all(
            ": created 0, updated 0," in line for line in report.splitlines() if ": created" in line
        )
        unchanged = unchanged and counts == (Person.objects.count(), StepRecord.objects.count())
        print(
            f"second import: {second_seconds:6.1f} s  peak {second_rss:6.0f} MB  "
            f"ratio to the first: {second_seconds / first_seconds:.2f} (goal: under 0.33)  "
            f"{'nothing changed' if unchanged else 'CHANGED'}"
        )
        export_seconds, export_rss, _ = run("export", str(exported))
        print(
            f"export:        {export_seconds:6.1f} s  peak {export_rss:6.0f} MB  "
            f"for a {exported.stat().st_size / 1e6:.1f} MB file"
        )
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
