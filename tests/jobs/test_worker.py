"""Jobs on the queue that `fazhan worker` runs (settings.FAZHAN_JOBS = "queue", as under `fazhan serve`): a
worker killed with SIGKILL in the middle of an import leaves its job running; the next worker to start puts
it back in the queue and the import ends done, written once. A real worker process on the suite's engine,
over the test database (the tests here need `transactional_db` so the worker sees the rows)."""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fazhan.auditlog.models import AuditEvent
from fazhan.core.keys import KEY_NAMES, generate_keys
from fazhan.jobs.models import Job, JobState
from fazhan.jobs.runner import job_task, jobs_recover
from fazhan.people.models import Person
from tests.conftest import make_id_number
from tests.fresh import REPO

MEMBERS = 3000  # an import that takes seconds here (COPY on PostgreSQL too): the worker is killed inside it


@pytest.fixture
def install_keys(settings):
    """Random keys, as an install has (the worker refuses the tests' fixed keys), set before the world is
    built under them, and handed to the worker process through its environment."""
    keys = generate_keys()
    for name, value in keys.items():
        setattr(settings, name, value)
    return keys


@pytest.fixture
def queued(install_keys, transactional_db, world, settings):
    settings.FAZHAN_JOBS = "queue"
    return world


def worker_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(keys: dict[str, str], tmp_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fazhan.settings",
        "FAZHAN_TEST_KEYS": "0",
        "FAZHAN_KEY_FILE": str(tmp_path / "keys.json"),
        "DATABASE_URL": worker_database_url(),
        **{name: keys[name] for name in KEY_NAMES},
    }
    command = [sys.executable, "-c", "from fazhan.cli import main; main()", "worker", "--interval", "0.2"]
    log = (tmp_path / "worker.log").open("a")
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(what, *, within: float, worker: subprocess.Popen, tmp_path, every: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while not what():
        if worker.poll() is not None:
            pytest.fail(f"the worker ended: {(tmp_path / 'worker.log').read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"not in {within} s: {(tmp_path / 'worker.log').read_text()}")
        time.sleep(every)


def members_file() -> bytes:
    records = [
        {"type": "header", "format": "fazhan-record", "version": 1, "profile": "shizhongqu-2018"},
        {"type": "org", "code": "SZQ-LH-09", "name": "中共罗汉镇新村支部委员会", "parent": "SZQ-LH"}
        | {"kind": "branch", "category": "village"},
    ]
    for i in range(MEMBERS):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 400)
        records.append(
            {"type": "person", "id": f"M{1000 + i}", "name": f"党员{i}", "org": "SZQ-LH-09"}
            | {"id_number": make_id_number(birth, 1 + (i % 400) * 2), "party_status": "full"}
            | {"joined_on": "1995-07-01"}
        )
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def test_a_worker_killed_in_the_middle_of_an_import_leaves_it_to_the_next_worker_which_finishes_it(
    queued, client_for, install_keys, tmp_path
):
    organizer = client_for("lh_organizer")
    upload = SimpleUploadedFile("members.jsonl", members_file())
    preview = organizer.post("/interchange/", {"file": upload})["Location"]
    confirmed = organizer.post(preview + "confirm/")
    job_id = int(confirmed["Location"].strip("/").split("/")[-1])
    assert Job.objects.get(pk=job_id).state == JobState.QUEUED  # on the queue: no thread ran it
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1

    first = start_worker(install_keys, tmp_path)
    try:
        running = Job.objects.filter(pk=job_id, state=JobState.RUNNING).exists
        wait_for(running, within=90, worker=first, tmp_path=tmp_path, every=0.02)
        time.sleep(0.2)  # into the import's work, well before its end (it checks every record first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    left = Job.objects.get(pk=job_id)
    assert left.state == JobState.RUNNING  # killed mid-job: nothing finished it
    assert not Person.objects.filter(org__code="SZQ-LH-09").exists()  # the import's transaction died with it

    second = start_worker(install_keys, tmp_path)
    try:
        ended = Job.objects.filter(pk=job_id, state__in=[JobState.DONE, JobState.FAILED]).exists
        wait_for(ended, within=180, worker=second, tmp_path=tmp_path)
    finally:
        second.terminate()
        second.wait(30)
    job = Job.objects.get(pk=job_id)
    assert (job.state, job.error) == (JobState.DONE, "")
    assert job.message.startswith("已导入 members.jsonl")
    assert Person.objects.filter(org__code="SZQ-LH-09").count() == MEMBERS
    assert AuditEvent.objects.filter(action="interchange.import").count() == 1
    assert "已重新排队上次中断的任务" in (tmp_path / "worker.log").read_text()
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == sorted([TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL])


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def claimed(job: Job, worker: str) -> DBTaskResult:
    result = job_task.enqueue(job.pk)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    return row


def test_recovery_requeues_the_job_of_a_dead_worker_and_leaves_a_live_workers_alone(queued, settings):
    settings.FAZHAN_JOBS = "thread"  # a job put back in the queue is not run here: only its row is looked at
    township, organizer = queued.township, queued.users["lh_organizer"]
    make = {"kind": "inspection.run", "org": township, "started_by": organizer}
    alive = Job.objects.create(title="alive", params={"a": 1}, **make)
    dead = Job.objects.create(title="dead", params={"a": 2}, **make)
    host = socket.gethostname()[:30]
    claimed(alive, f"{host}:{os.getppid()}:x")
    gone = claimed(dead, f"{host}:{dead_pid()}:y")
    settings.FAZHAN_JOBS = "queue"

    assert jobs_recover() == [dead.pk]
    assert Job.objects.get(pk=alive.pk).state == JobState.RUNNING
    requeued = Job.objects.get(pk=dead.pk)
    assert requeued.state == JobState.QUEUED
    assert "重新排队" in requeued.message
    assert DBTaskResult.objects.get(pk=gone.pk).status == TaskResultStatus.FAILED
    assert jobs_recover() == []  # once
