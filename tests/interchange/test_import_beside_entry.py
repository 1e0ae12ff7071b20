"""A large import beside a clerk's step entries (issue 13 item 6, issue 16 item 3): the import checks its file
before it takes the write lock, so step entries go on while it checks, none fails with "database is locked",
and the import is still whole or nothing: killed while it writes, nothing of it is visible."""

import datetime
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from fazhan.auditlog.models import AuditEvent
from fazhan.demo.sample import sample_records
from fazhan.interchange.reader import jsonl_sources
from fazhan.interchange.services import interchange_import
from fazhan.people.models import Person
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import case_open, case_record_step

pytestmark = pytest.mark.django_db(transaction=True)
PERSONS = 300  # six branches: a few seconds of checking on this machine


def file_sources(tmp_path: Path, persons: int = PERSONS):
    path = tmp_path / "district.jsonl"
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in sample_records(persons=persons))
    with path.open(encoding="utf-8") as lines:
        sources, problems = jsonl_sources(lines)
    return path, sources, problems


def test_step_entries_go_on_while_a_large_import_is_checked_and_none_fails(world, tmp_path):
    """Issue 13 item 6: one thread imports a file of thousands of step records while another records steps
    through the step service, on a connection with the configured busy timeout. Every entry goes in: those
    that come while the import holds the write lock wait for it, none longer than the busy timeout; the
    import built its trail events before it took the lock."""
    _path, sources, problems = file_sources(tmp_path)
    steps_in_file = sum(1 for s in sources if s.type == "step")
    case = case_open(actor=None, person=world.p1, opened_on=datetime.date(2019, 3, 1))
    marks: dict[str, float] = {}
    messages: list[str] = []
    writes: list[tuple[float, float]] = []  # (began, done) of each entry
    failures: list[BaseException] = []
    outcome: dict[str, object] = {}
    started = threading.Event()

    def progress(message: str) -> None:
        messages.append(message)
        if message.startswith("文件检查通过"):
            marks.setdefault("locked", time.monotonic())  # the write transaction begins
        if message.startswith("已写入") and "written" not in marks:
            marks["written"] = time.monotonic()  # inside the write transaction: the check is over
        if message.startswith("写入事务"):
            marks.setdefault("unlocked", time.monotonic())  # committed

    def importer():
        try:
            started.set()
            marks["start"] = time.monotonic()
            outcome["report"] = interchange_import(
                actor=None, sources=sources, problems=problems, filename="district.jsonl", progress=progress
            )
            marks["end"] = time.monotonic()
        except BaseException as error:  # reported below
            outcome["error"] = error
        finally:
            connections.close_all()

    def clerk():
        started.wait(5)
        day = datetime.date(2019, 6, 1)
        try:
            while "end" not in marks and "error" not in outcome:
                began = time.monotonic()
                try:
                    case_record_step(
                        actor=None,
                        case=case,
                        step="S06",
                        date=day,
                        details={"kind": "thought_report"},
                        enforce=False,
                    )
                    writes.append((began, time.monotonic()))
                    day += datetime.timedelta(days=1)
                except Exception as error:  # every failure counts: "database is locked" above all
                    failures.append(error)
                time.sleep(0.02)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=importer), threading.Thread(target=clerk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert "error" not in outcome, outcome
    report = outcome["report"]
    assert report.ok, report.problems[:5]
    assert failures == []
    # Entries were written while the import checked its file (before its write transaction began).
    during_check = [done for _began, done in writes if marks["start"] < done < marks["written"]]
    assert during_check, (len(writes), marks)
    # The trail's events of the file's step records were built before the lock, one per record.
    assert f"已准备审计记录 {steps_in_file} 条" in messages[: messages.index("文件检查通过，正在写入")]
    if connection.vendor == "sqlite":
        timeout = settings.DATABASES["default"]["OPTIONS"]["timeout"]
        assert timeout == settings.FAZHAN_SQLITE_BUSY_TIMEOUT
        # An entry that came while the import held the lock waited for it and went in, within the timeout.
        waited = [
            done - began for began, done in writes if began < marks["unlocked"] and done > marks["locked"]
        ]
        assert max(waited, default=0.0) < timeout, (waited, marks)
    # Every entry is there, and the whole file.
    assert StepRecord.objects.filter(case=case, step="S06").count() == len(writes)
    assert Person.objects.filter(pid__startswith="C").count() == report.counts["person"]["create"] - sum(
        1 for s in sources if s.type == "person" and str(s.data["id"]).startswith("M")
    )
    assert report.counts["step"]["create"] == steps_in_file
    assert StepRecord.objects.exclude(case=case).count() == steps_in_file
    out = io.StringIO()
    call_command("verifytrail", stdout=out)
    assert "Trail intact" in out.getvalue()


def test_an_entry_on_a_person_the_file_names_makes_the_import_check_again(world, tmp_path):
    """Something the check read changed before the lock was taken: the file is checked again under it."""
    _path, sources, problems = file_sources(tmp_path, persons=50)
    first = interchange_import(actor=None, sources=sources, problems=problems)
    assert first.ok
    person = Person.objects.filter(pid__startswith="C", cases__isnull=False).first()
    case = Case.objects.filter(person=person).first()
    messages: list[str] = []

    def progress(message: str) -> None:
        messages.append(message)
        if message.startswith("已比对") and len(messages) < 100 and not getattr(progress, "done", False):
            progress.done = True  # type: ignore[attr-defined]
            case_record_step(
                actor=None,
                case=case,
                step="S06",
                date=datetime.date(2020, 1, 2),
                details={"kind": "thought_report"},
                enforce=False,
            )

    again = interchange_import(actor=None, sources=sources, problems=problems, progress=progress)
    assert again.ok
    assert "检查期间有其他记录写入，正在重新检查" in messages
    assert again.changed == 0  # the clerk's entry stays; the file's records were all there
    assert StepRecord.objects.filter(case=case, date=datetime.date(2020, 1, 2)).count() == 1


def database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.parametrize(
    "when",
    [
        "已暂存步骤记录",  # staging its step records, before the write transaction (issue 13 item 6)
        "已写入人员",  # persons written, steps still to come: inside the write transaction
    ],
)
def test_an_import_killed_while_it_writes_leaves_nothing(world, tmp_path, when):
    path, sources, _problems = file_sources(tmp_path)
    events_before = AuditEvent.objects.count()
    persons_before = Person.objects.count()
    env = os.environ | {"DATABASE_URL": database_url()}
    fazhan = str(Path(sys.executable).with_name("fazhan"))
    child = subprocess.Popen(
        [fazhan, "import", str(path)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    seen = []
    try:
        for line in child.stderr:  # the command's progress, one line each
            seen.append(line)
            if when in line:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.wait(60)
    assert child.returncode == -signal.SIGKILL, seen
    assert Person.objects.count() == persons_before
    assert not StepRecord.objects.exists()
    assert AuditEvent.objects.count() == events_before
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchone()[0] == "ok"
    # And the same file imports whole afterwards.
    report = interchange_import(actor=None, sources=sources, problems=[])
    assert report.ok
    assert report.counts["step"]["create"] == sum(1 for s in sources if s.type == "step")


CLERK = """
import datetime, os, sys, time
import django
django.setup()
from django.db import connection
from fazhan.procedure.models import Case
from fazhan.procedure.services import case_record_step
case, stop, day = Case.objects.get(pk=int(sys.argv[1])), sys.argv[2], datetime.date(2019, 6, 1)
print("ready", time.time(), flush=True)
while not os.path.exists(stop):
    began = time.time()
    try:
        case_record_step(actor=None, case=case, step="S06", date=day, details={"kind": "thought_report"},
                         enforce=False)
        print("ok", began, time.time(), flush=True)
        day += datetime.timedelta(days=1)
    except Exception as error:
        print("fail", began, time.time(), type(error).__name__, str(error).replace(chr(10), " "), flush=True)
    time.sleep(0.02)
"""


def test_a_clerk_in_another_process_never_waits_out_an_import_of_thousands(world, tmp_path):
    """Issue 13 item 6: the import stages its step records (a TEMP table on SQLite) without the write lock
    and swaps them in at the end in one short transaction; a clerk's step entries in another process, with
    a busy timeout far shorter than the import, all go in: some while the import stages, none fails."""
    _path, sources, problems = file_sources(tmp_path, persons=1500)
    case = case_open(actor=None, person=world.p1, opened_on=datetime.date(2019, 3, 1))
    stop = tmp_path / "stop"
    events_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    env = os.environ | {"DATABASE_URL": database_url(), "FAZHAN_SQLITE_BUSY_TIMEOUT": "8"}
    clerk = subprocess.Popen(
        [sys.executable, "-c", CLERK, str(case.pk), str(stop)], env=env, stdout=subprocess.PIPE, text=True
    )
    marks: dict[str, float] = {}

    def progress(message: str) -> None:
        if message.startswith("已比对步骤记录"):
            marks.setdefault("staging", time.time())  # the check is over: the rows are built and staged
        if message.startswith("文件检查通过"):
            marks.setdefault("locked", time.time())  # the write transaction begins

    try:
        assert clerk.stdout.readline().startswith("ready")
        time.sleep(0.5)
        report = interchange_import(
            actor=None, sources=sources, problems=problems, filename="district.jsonl", progress=progress
        )
        marks["end"] = time.time()
        time.sleep(0.5)
    finally:
        stop.touch()
        lines = clerk.communicate(timeout=60)[0].splitlines()
    assert report.ok, report.problems[:5]
    failed = [line for line in lines if line.startswith("fail")]
    written = [float(line.split()[2]) for line in lines if line.startswith("ok")]
    assert failed == [], failed[:3]
    assert [t for t in written if marks["staging"] < t < marks["locked"]], (len(written), marks)
    assert [t for t in written if t > marks["end"]]
    # Whole: every record of the file, every entry of the clerk, and a trail that verifies.
    assert StepRecord.objects.filter(case=case, step="S06").count() == len(written)
    assert report.counts["step"]["create"] == sum(1 for s in sources if s.type == "step")
    assert StepRecord.objects.exclude(case=case).count() == report.counts["step"]["create"]
    new_events = AuditEvent.objects.filter(id__gt=events_before)
    assert new_events.filter(action="interchange.import").count() == 1
    assert new_events.filter(action="interchange.step.create").count() == report.counts["step"]["create"]
    assert new_events.filter(action="step.record").count() == len(written)
    out = io.StringIO()
    call_command("verifytrail", stdout=out)
    assert "Trail intact" in out.getvalue()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'fazhan_stage_%'")
            assert cursor.fetchall() == []  # the staging table is dropped once swapped in
