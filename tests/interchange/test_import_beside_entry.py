"""A large import beside a clerk's step entries (issue 13 item 6, issue 16 item 3): the import checks its file
before it takes the write lock, so step entries go on while it checks, none fails with "database is locked",
and the import is still whole or nothing: killed while it writes, nothing of it is visible."""

import datetime
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
    _path, sources, problems = file_sources(tmp_path)
    case = case_open(actor=None, person=world.p1, opened_on=datetime.date(2019, 3, 1))
    marks: dict[str, float] = {}
    writes: list[float] = []
    failures: list[BaseException] = []
    outcome: dict[str, object] = {}
    started = threading.Event()

    def progress(message: str) -> None:
        if message.startswith("已写入") and "written" not in marks:
            marks["written"] = time.monotonic()  # inside the write transaction: the check is over

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
                try:
                    case_record_step(
                        actor=None,
                        case=case,
                        step="S06",
                        date=day,
                        details={"kind": "thought_report"},
                        enforce=False,
                    )
                    writes.append(time.monotonic())
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
    during_check = [t for t in writes if marks["start"] < t < marks["written"]]
    assert during_check, (len(writes), marks)
    # Every entry is there, and the whole file.
    assert StepRecord.objects.filter(case=case, step="S06").count() == len(writes)
    assert Person.objects.filter(pid__startswith="C").count() == report.counts["person"]["create"] - sum(
        1 for s in sources if s.type == "person" and str(s.data["id"]).startswith("M")
    )
    assert report.counts["step"]["create"] == sum(1 for s in sources if s.type == "step")


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


def test_an_import_killed_while_it_writes_leaves_nothing(world, tmp_path):
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
            if "已写入人员" in line:  # persons written, steps still to come: inside the write transaction
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
