"""`fazhan verifytrail` at a million events: the chain is built in bulk (the same recipe audit_record uses),
then walked by trail_verify and compared with a bare streamed scan of the same rows (the baseline: what
reading the trail costs at all). The ratio says what checking the hashes adds; memory stays flat.

Run by `make bench` on SQLite and PostgreSQL (scripts/bench.sh sets DATABASE_URL to an empty database).
BENCH_TRAIL_EVENTS sets the number of events (default 1,000,000).
"""

import datetime
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from fazhan.auditlog.models import AuditEvent  # noqa: E402
from fazhan.auditlog.registry import trail_key  # noqa: E402
from fazhan.auditlog.selectors import trail_verify  # noqa: E402
from fazhan.auditlog.services import event_hash  # noqa: E402

EVENTS = int(os.environ.get("BENCH_TRAIL_EVENTS", "1000000"))
BATCH = 10_000


def build(n: int) -> None:
    prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    key = trail_key()
    for base in range(0, n, BATCH):
        rows = []
        for i in range(base, min(n, base + BATCH)):
            at = start + datetime.timedelta(seconds=i)
            data = {"pid": f"P{i:07d}", "step": "S05", "date": "2026-01-01"}
            org = f"SZQ/LH/{i % 40:02d}/"
            h = event_hash(
                prev,
                at=at,
                actor_id=None,
                action="step.record",
                target_type="procedure.steprecord",
                target_id=str(i),
                org_path=org,
                data=data,
                key=key,
            )
            rows.append(
                AuditEvent(
                    at=at,
                    action="step.record",
                    target_type="procedure.steprecord",
                    target_id=str(i),
                    org_path=org,
                    data=data,
                    prev_hash=prev,
                    hash=h,
                )
            )
            prev = h
        with transaction.atomic():
            AuditEvent.objects.bulk_create(rows)


def scan() -> int:
    count = 0
    for _row in AuditEvent.objects.order_by("id").values_list("id", "hash").iterator(chunk_size=5000):
        count += 1
    return count


def main() -> None:
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    build(EVENTS)
    print(
        f"{connection.vendor}: built {EVENTS} chained events in {time.perf_counter() - t0:.1f} s", flush=True
    )
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    scanned = scan()
    bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    check = trail_verify()
    verify = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert check.ok, check
    assert check.count == scanned == EVENTS, check
    print(
        f"{connection.vendor}: verifytrail {verify:.1f} s for {EVENTS} events "
        f"({EVENTS / verify:,.0f} events/s); bare scan {bare:.1f} s; ratio {verify / bare:.1f}x; "
        f"peak memory grew {max(0, rss1 - rss0) / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
