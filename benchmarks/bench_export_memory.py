"""The streamed exports' memory (issue 16 item 4: "constant memory at any size, a million persons under
500 MB"): a synth district of 10,000 and of 100,000 candidates, each in a database of its own, exported by
`fazhan export` as JSON Lines and as the ledger (the workbook, openpyxl's write-only mode), each export a
child process whose peak resident memory is its own (tests/peak.py). Beside them the baseline: `fazhan
check`, the same command line with Django and every app loaded and nothing exported. What the issue asks
is that the exports' peak stays near the baseline and does not grow with the district.

    DATABASE_URL=sqlite:////tmp/b.sqlite3 .venv/bin/python benchmarks/bench_export_memory.py \
        [--sizes 10000,100000] [--keep DIR]

On PostgreSQL each size gets a database of its own beside DATABASE_URL's (dropped afterwards). On SQLite
`--keep DIR` keeps each size's database in DIR and reuses it on the next run (the synth of 100,000
candidates takes about half an hour on a loaded machine; the exports a few minutes). Each line gives the
peak resident memory, the wall and the CPU seconds (the command's own, what a shared machine does not
distort) and the file's size; the last lines the growth of each export's peak from the smallest size to
the largest, beside the baseline's."""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")

from tests.peak import run_measured_cpu  # noqa: E402

FAZHAN = str(Path(sys.executable).with_name("fazhan"))


def build(cases: int) -> None:
    """In a child: migrate the (empty) database of DATABASE_URL and write a district of `cases`."""
    import django

    django.setup()
    from django.core.management import call_command

    from fazhan.demo.synth import synth_build

    call_command("migrate", verbosity=0, interactive=False)
    print(synth_build(scale="district", cases=cases).counts)


def database_for(url: str, cases: int, tmp: Path) -> tuple[str, str | None]:
    """A fresh database for one size (on SQLite, in `tmp`: kept there when it is --keep's): (its URL, the
    PostgreSQL database to drop afterwards)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp / f'export{cases}.sqlite3'}", None
    base, _, name = url.rpartition("/")
    name = f"{name.split('?')[0]}_{cases}"
    _psql(url, f'drop database if exists "{name}"', f'create database "{name}"')
    return f"{base}/{name}", name


def _psql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def measured(label: str, argv: list[str], env: dict, out: Path | None = None) -> float:
    status, seconds, cpu, peak, _stdout, err = run_measured_cpu(argv, env=env, cwd=ROOT)
    if status != 0:
        raise SystemExit(f"{label} failed ({status}):\n{err[-3000:]}")
    size = f"{out.stat().st_size / 1e6:8.1f} MB file" if out is not None else " " * 16
    print(f"  {label:<26} peak {peak:6.0f} MB   {seconds:7.1f} s wall  {cpu:7.1f} s CPU  {size}")
    return peak


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each figure as it comes
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000", help="candidates of each district")
    parser.add_argument("--keep", type=Path, default=None, help="SQLite: keep (and reuse) the databases here")
    parser.add_argument("--build", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build is not None:
        build(args.build)
        return 0
    url = os.environ["DATABASE_URL"]
    peaks: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kept = args.keep if args.keep is not None and url.startswith("sqlite") else None
        if kept is not None:
            kept.mkdir(parents=True, exist_ok=True)
        for cases in (int(s) for s in args.sizes.split(",")):
            db_url, drop = database_for(url, cases, kept or work)
            env = os.environ | {"DATABASE_URL": db_url}
            try:
                if kept is not None and (kept / f"export{cases}.sqlite3").exists():
                    print(f"district of {cases} candidates: kept in {kept}")
                    peaks[cases] = _measure(cases, env, work)
                    continue
                made = subprocess.run(
                    [sys.executable, __file__, "--build", str(cases)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if made.returncode != 0:
                    raise SystemExit(f"synth of {cases} failed:\n{made.stderr[-3000:]}")
                print(f"district of {cases} candidates: {made.stdout.strip()}")
                peaks[cases] = _measure(cases, env, work)
            finally:
                if drop:
                    _psql(url, f'drop database if exists "{drop}"')
    sizes = sorted(peaks)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for kind in ("baseline", "jsonl", "xlsx"):
            grown = peaks[large][kind] - peaks[small][kind]
            print(f"{kind}: peak {grown:+.0f} MB from {small} to {large} candidates")
    return 0


def _measure(cases: int, env: dict, work: Path) -> dict[str, float]:
    """The baseline's peak and each export's, of one size's database."""
    peaks = {"baseline": measured("fazhan check (baseline)", [FAZHAN, "check"], env)}
    for kind in ("jsonl", "xlsx"):
        out = work / f"district{cases}.{kind}"
        peaks[kind] = measured(f"fazhan export .{kind}", [FAZHAN, "export", str(out)], env, out)
        out.unlink()
    return peaks


if __name__ == "__main__":
    sys.exit(main())
