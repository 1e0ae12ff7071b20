"""Import of a generated 10,000-person file with full step histories (issue 4: under a minute here).

Reports persons per second for the first import, then imports the same file again, checks that it changed
nothing (no record created or updated, the row counts unchanged), and reports the second import's time as a
ratio to the first (the baseline measured in the same run).

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

from fazhan.demo.sample import sample_records  # noqa: E402
from fazhan.interchange.reader import jsonl_sources  # noqa: E402
from fazhan.interchange.services import interchange_import  # noqa: E402
from fazhan.people.models import Person  # noqa: E402
from fazhan.procedure.models import StepRecord  # noqa: E402

TARGET_SECONDS = 60


def import_file(path: Path):
    started, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8") as lines:
        sources, problems = jsonl_sources(lines)
    report = interchange_import(actor=None, sources=sources, problems=problems, filename=path.name)
    elapsed = time.perf_counter() - started
    print(f"  ({elapsed:.1f} s elapsed, {time.process_time() - cpu:.1f} s of CPU in this process)")
    return report, elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, interactive=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "record.jsonl"
        records = sample_records(persons=args.persons)
        with path.open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        persons = sum(r["type"] == "person" for r in records)
        steps = sum(r["type"] == "step" for r in records)
        print(f"file: {persons} persons, {steps} step records, {path.stat().st_size / 1e6:.1f} MB")

        first, first_seconds = import_file(path)
        if not first.ok:
            print("\n".join(map(str, first.problems[:20])))
            return 1
        print(
            f"first import:  {first_seconds:6.1f} s  {persons / first_seconds:7.0f} persons/s  "
            f"(target: under {TARGET_SECONDS} s) {'OK' if first_seconds < TARGET_SECONDS else 'SLOW'}"
        )
        counts = (Person.objects.count(), StepRecord.objects.count())
        second, second_seconds = import_file(path)
        unchanged = second.ok and second.changed == 0
        unchanged = unchanged and counts == (Person.objects.count(), StepRecord.objects.count())
        print(
            f"second import: {second_seconds:6.1f} s  "
            f"ratio to the first: {second_seconds / first_seconds:.2f}  "
            f"changed records: {second.changed} ({'nothing changed' if unchanged else 'CHANGED'})"
        )
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
