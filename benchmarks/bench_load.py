"""The load test (issue 16 item 7): a synth district (`synth --scale district`, 10,000 candidates) served by
`fazhan serve` on a free loopback port, and locust (benchmarks/locustfile.py, headless, for a bounded time)
asking for a mix of the person page, the to-do list, the findings lists and step entries at 50 and then 100
requests per second, as a branch secretary, a township organizer and a district reviewer. Prints each
page's p50/p95/p99 and errors at each rate, the load generator's core, and the machine's load.

Before the load, every page of the mix is asked once through Django's test client as each login, to check
that it answers 200 and to count its queries (the first place to look when a page is slow).

    DATABASE_URL=sqlite:////tmp/b.sqlite3 .venv/bin/python benchmarks/bench_load.py [--seconds 60]
        [--rates 50,100] [--cases N]

The goal (issue 16): p99 under 150 ms at 100 rps on the district."""

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")
os.environ.setdefault("FAZHAN_HTTPS", "false")  # served on plain HTTP on loopback

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from fazhan.accounts.models import Role, User  # noqa: E402
from fazhan.accounts.services import role_assign, user_create  # noqa: E402
from fazhan.demo.synth import synth_build  # noqa: E402
from fazhan.inspection.models import Finding, InspectionRun  # noqa: E402
from fazhan.inspection.run import inspect  # noqa: E402
from fazhan.inspection.services import inspection_run  # noqa: E402
from fazhan.organizations.models import Org  # noqa: E402
from fazhan.procedure.models import Case, StepRecord  # noqa: E402
from fazhan.procedure.selectors import case_facts  # noqa: E402
from fazhan.procedure.timeline import steps_recordable  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "Bench@2018-load"  # passes both password policies
LOGINS = (  # (login, role, org): a branch's secretary, a township's organizer, the district's reviewer
    ("bench_branch", Role.BRANCH_SECRETARY, "SZQ-T01-01"),
    ("bench_township", Role.TOWNSHIP_ORGANIZER, "SZQ-T01"),
    ("bench_district", Role.DISTRICT_REVIEWER, "SZQ"),
)
PATHS_EACH = 40  # person pages and step entries each login asks for (drawn at random)
GOAL_P99_MS = 150


def bench_logins() -> list[User]:
    users = []
    for username, role, code in LOGINS:
        user = user_create(actor=None, username=username, password=PASSWORD, second_factor_exempt=True)
        role_assign(actor=None, user=user, role=role, org=Org.objects.get(code=code))
        users.append(user)
    return users


def bench_targets(users: list[User], run: InspectionRun, rng: random.Random) -> dict[str, dict]:
    """Each login's paths: persons and open cases in its subtree, its recordable steps, the findings lists."""
    rules = list(
        Finding.objects.filter(last_run=run).values_list("rule", flat=True).distinct().order_by("rule")
    )
    targets = {}
    for user, (_name, _role, code) in zip(users, LOGINS, strict=True):
        org = Org.objects.get(code=code)
        cases = list(
            Case.objects.filter(person__org__path__startswith=org.path, closed_on__isnull=True)
            .select_related("person__org")
            .order_by("pk")
        )
        sample = rng.sample(cases, min(len(cases), PATHS_EACH * 3))
        persons = [f"/people/{c.person.pid}/" for c in sample[:PATHS_EACH]]
        steps = []
        for case in sample:
            recordable = steps_recordable(user, case, case_facts(case))
            if recordable:
                steps.append(f"/cases/{case.pk}/step/?step={recordable[0].code}")
            if len(steps) >= PATHS_EACH:
                break
        findings = [f"/inspection/runs/{run.pk}/"]
        findings += [f"/inspection/runs/{run.pk}/?rule={r}" for r in rules[:8]]
        findings += [f"/inspection/runs/{run.pk}/?page=2"]
        targets[user.username] = {
            "password": PASSWORD,
            "persons": persons,
            "steps": steps,
            "findings": findings,
        }
    return targets


def check_pages(users: list[User], targets: dict[str, dict]) -> list[str]:
    """Each kind of page once per login through the test client: its status and its query count. A page
    that does not answer 200 is dropped from the mix (and said); a refused entry must write nothing."""
    problems = []
    print(f"{'login':<16} {'page':<22} {'status':>6} {'queries':>8} {'ms':>7}")
    for user in users:
        client = Client()
        client.force_login(user)
        paths = targets[user.username]
        for kind in ("persons", "findings", "steps"):
            kept = []
            for n, path in enumerate(paths[kind]):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    status = client.get(path).status_code
                ms = (time.perf_counter() - started) * 1000
                if status == 200:
                    kept.append(path)
                else:
                    problems.append(f"{user.username} {path}: {status}")
                if n == 0 or status != 200:
                    label = f"{kind} {path[:14]}"
                    print(f"{user.username:<16} {label:<22} {status:>6} {len(queries):>8} {ms:7.0f}")
            paths[kind] = kept
        # the first to-do list computes it (every open case's facts) and keeps it; the second reads it back
        for label in ("to-do list (computed)", "to-do list (kept)"):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                status = client.get("/todo/").status_code
            ms = (time.perf_counter() - started) * 1000
            print(f"{user.username:<16} {label:<22} {status:>6} {len(queries):>8} {ms:7.0f}")
            if status != 200:
                problems.append(f"{user.username} /todo/: {status}")
        if paths["steps"]:
            before = StepRecord.objects.count()
            path = paths["steps"][0]
            step = path.rsplit("=", 1)[1]
            with CaptureQueriesContext(connection) as queries:
                status = client.post(
                    path, {"step": step, "date": "2000-01-01"}, HTTP_HX_REQUEST="true"
                ).status_code
            print(f"{user.username:<16} {'step entry (refused)':<22} {status:>6} {len(queries):>8}")
            if status != 200 or StepRecord.objects.count() != before:
                problems.append(f"{user.username} refused entry {path}: {status}, wrote a record?")
    return problems


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(BIN / "fazhan"), "serve", "--bind", f"127.0.0.1:{port}"],
        env=os.environ | {"FAZHAN_HTTPS": "false"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 300  # the first serve collects and compresses the static files
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"fazhan serve ended ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("fazhan serve did not answer within 300 s")


def percentile(sorted_ms: list[float], p: float) -> float:
    """The nearest-rank percentile."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, min(len(sorted_ms), round(p / 100 * len(sorted_ms) + 0.5)))
    return sorted_ms[rank - 1]


def load(port: int, rate: int, seconds: int, targets_file: Path, work: Path) -> tuple[list, str]:
    """One locust run at `rate` requests per second (half as many users, two requests a second each)."""
    users = max(1, rate // 2)
    samples = work / f"samples-{rate}.json"
    env = os.environ | {
        "BENCH_TARGETS": str(targets_file),
        "BENCH_PER_USER": str(rate / users),
        "BENCH_SAMPLES": str(samples),
        "BENCH_WARMUP": "5",
    }
    argv = [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless"]
    argv += ["-u", str(users), "-r", str(users), "-t", f"{seconds + 5}s", "--stop-timeout", "10"]
    argv += ["--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "WARNING"]
    core = "any core (no taskset)"
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        core = f"core {os.cpu_count() - 1} (taskset)"  # type: ignore[operator]
        argv = ["taskset", "-c", str(os.cpu_count() - 1), *argv]  # type: ignore[operator]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if not samples.exists():
        raise SystemExit(f"locust wrote no samples ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(samples.read_text()), core


def report(rate: int, seconds: int, samples: list, core: str) -> bool:
    by_page: dict[str, list] = {}
    for name, ms, failed in samples:
        by_page.setdefault(name, []).append((ms, failed))
    by_page["all"] = [(ms, failed) for _n, ms, failed in samples]
    print(f"\n{rate} rps asked for {seconds} s; load generator on {core}; load {os.getloadavg()[0]:.1f}")
    print(f"{'page':<24} {'requests':>8} {'rps':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    ok = True
    for name, rows in sorted(by_page.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        ms = sorted(m for m, _f in rows)
        errors = sum(1 for _m, f in rows if f)
        p99 = percentile(ms, 99)
        print(
            f"{name:<24} {len(rows):>8} {len(rows) / seconds:>6.1f} {percentile(ms, 50):>7.0f} "
            f"{percentile(ms, 95):>7.0f} {p99:>7.0f} {errors:>6}"
        )
        if name == "all":
            ok = errors == 0 and p99 < GOAL_P99_MS
            verdict = "met" if ok else "NOT met"
            print(f"{'':<24} mean {statistics.fmean(ms):.0f} ms; goal p99 < {GOAL_P99_MS} ms: {verdict}")
    return ok


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each figure as it comes
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=None, help="candidates (default: the district's 10,000)")
    parser.add_argument("--seconds", type=int, default=60, help="measured seconds at each rate")
    parser.add_argument("--rates", default="50,100", help="requests per second, in order")
    args = parser.parse_args()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    synth = synth_build(scale="district", cases=args.cases)
    users = bench_logins()
    today = timezone.localdate()
    run = inspection_run(actor=None, org=None, as_of=today, result=inspect(root=None, as_of=today))
    print(f"district: {synth.counts}; {Finding.objects.filter(last_run=run).count()} findings saved")
    print(f"set up in {time.perf_counter() - started:.0f} s; each page once through the test client:")
    targets = bench_targets(users, run, random.Random(2018))
    problems = check_pages(users, targets)
    for problem in problems:
        print(f"!! {problem}")
    connection.close()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        targets_file = work / "targets.json"
        targets_file.write_text(json.dumps(targets, ensure_ascii=False))
        port = free_port()
        server = serve(port, work / "serve.log")
        ok = not problems
        try:
            print(f"\nfazhan serve on 127.0.0.1:{port}; uptime: {os.popen('uptime').read().strip()}")
            for rate in (int(r) for r in args.rates.split(",")):
                samples, core = load(port, rate, args.seconds, targets_file, work)
                ok = report(rate, args.seconds, samples, core) and ok
        finally:
            server.terminate()
            server.wait(timeout=60)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
