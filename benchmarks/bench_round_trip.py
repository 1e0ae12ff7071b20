"""The district-scale round trip (issue: honest at every door): `fazhan synth --scale district` (10,000
candidates), exported as JSON Lines and as the ledger, each imported back into the same database, which must
change nothing; then the ledger's preview with the findings its records would raise (the dry run).

Reports each step's time beside the baseline measured in the same run (the JSON Lines export: the same
records read once), and the peak resident memory of this process.

    DATABASE_URL=sqlite:////tmp/b.sqlite3 .venv/bin/python benchmarks/bench_round_trip.py [--cases N]
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from fazhan.demo.synth import synth_build  # noqa: E402
from fazhan.interchange.files import file_sources  # noqa: E402
from fazhan.interchange.ledger import ledger_export_bytes  # noqa: E402
from fazhan.interchange.selectors import interchange_export, interchange_lines  # noqa: E402
from fazhan.interchange.services import interchange_check, interchange_import  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, work, baseline: float | None = None):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    ratio = f"  {seconds / baseline:5.2f}× the export" if baseline else ""
    print(f"{label:<34} {seconds:7.1f} s{ratio}   peak {peak_mb():6.0f} MB")
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=None)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, interactive=False)
    synth = synth_build(scale="district", cases=args.cases)
    print(f"district: {synth.counts}")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "district.jsonl"

        def export_jsonl():
            with jsonl.open("w", encoding="utf-8") as out:
                out.writelines(interchange_lines(interchange_export()))

        _none, base = timed("export JSON Lines (baseline)", export_jsonl)
        ledger, _s = timed("export the ledger", lambda: ledger_export_bytes(), base)
        for name, content in (("JSON Lines", jsonl.read_bytes()), ("ledger", ledger)):
            parsed = file_sources("district.xlsx" if name == "ledger" else "district.jsonl", content)

            def again(parsed=parsed):
                return interchange_import(
                    actor=None, sources=parsed.sources, problems=parsed.problems, notes=parsed.notes
                )

            report, _s = timed(f"import the {name} again", again, base)
            unchanged = report.ok and report.changed == 0
            failed = failed or not unchanged
            print(f"  {'nothing changed' if unchanged else 'CHANGED: ' + report.summary()}")
        parsed = file_sources("district.xlsx", ledger)

        def preview():
            return interchange_check(parsed.sources, parsed.problems, notes=parsed.notes, judge=True)[0]

        report, _s = timed("preview the ledger with findings", preview, base)
        print(f"  {sum(f.count for f in report.findings)} new findings in {len(report.findings)} rules")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
