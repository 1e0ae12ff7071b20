"""Runs a job's work, once the request that started it has committed: on the database queue that `fazhan
worker` runs (settings.FAZHAN_JOBS = "queue", under `fazhan serve`), or on a thread of the web process
("thread": runserver, `make run`, the tests).

The queue is django-tasks with its database backend (django-tasks-db): the task rows live in Fazhan's own
database on either engine, so nothing else is installed or started, and a job outlives a restart of the web
server. A worker killed in the middle of a job leaves its task marked running: `fazhan worker` starts with
jobs_recover(), which puts such a job back in the queue when the worker that held it is gone (every kind of
work runs in one transaction, whole or nothing, so running it again from the start is safe).

Either way the work runs with its own database connection; a second thread writes the progress the work
reports to the Job row at most every PROGRESS_EVERY seconds, so the row moves even while the work holds a long
transaction open (on SQLite, which lets one writer in at a time, the row catches up when the work's
transaction ends; the page reads the live progress of a job running in its own process from memory:
selectors.job_as_now). A job whose thread's process dies stays active in its row and, with no sign of life
for STALE_AFTER, shows as interrupted.

An errand is a short piece of work after a commit that no one follows on a page, so it has no Job row: the
webhooks' sending (api.webhooks). Its owner registers it by name (errand_register) and launches it with
JSON arguments (errand_launch): on the queue, its task is written in the launching transaction, so it exists
exactly when what it is to work on does; on a thread, it starts once that transaction commits. The work
keeps its own state (a delivery stays pending until it is sent), so an errand run twice, or lost with a dead
worker and run again by jobs_recover, does no harm.
"""

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fazhan.jobs.models import Job, JobKind, JobState

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between two progress writes at most
ALIVE_EVERY = 60.0  # seconds: a quiet job still says it is alive this often
# A job still active with no sign of life for this long ran in a process that is gone.
STALE_AFTER = datetime.timedelta(minutes=10)
ERR_INTERNAL = "%(what)s未能完成：程序出错（%(name)s），详情已写入服务器日志；没有写入任何结果。"


class Report(Protocol):
    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What a job ended with: its message, a page to go on to, and a document it made (file name and
    content), which the job's row keeps for download (the page then links the download)."""

    message: str
    url: str = ""
    file: tuple[str, bytes] | None = None


Work = Callable[[Job, Report], Outcome]
# The function that does each kind of job, handed over by the app that owns the work in its AppConfig.ready()
# (work_register): work(job, report) -> Outcome, raising JobFailed (or a ValidationError / PermissionDenied
# of the service it calls) to fail with a message for the user. The runner knows no kind of work itself.
WORK: dict[str, Work] = {}


def work_register(kind: str, work: Work) -> None:
    if kind not in JobKind.values:
        raise ValueError(f"no job kind {kind!r}: {JobKind.values}")
    if kind in WORK and WORK[kind] is not work:
        raise LookupError(f"job kind {kind} has its work already: {WORK[kind].__qualname__}")
    WORK[kind] = work


class JobFailed(Exception):
    """The work cannot be done, for a reason the user should read (and a page to go to, if any)."""

    def __init__(self, message: str, url: str = ""):
        super().__init__(message)
        self.message, self.url = message, url


@dataclass
class Live:
    """The progress of a job running in this process, as the work last reported it."""

    message: str = ""
    done: int | None = None
    total: int | None = None
    version: int = 0


_live: dict[int, Live] = {}
_threads: dict[int, threading.Thread] = {}
_lock = threading.Lock()


def job_live(job_id: int) -> Live | None:
    with _lock:
        live = _live.get(job_id)
        return None if live is None else Live(live.message, live.done, live.total, live.version)


def job_launch(job_id: int) -> None:
    """Queue the job (or start its thread) when the current transaction commits (at once outside one)."""
    if settings.FAZHAN_JOBS == "queue":
        transaction.on_commit(lambda: job_task.enqueue(job_id))
    else:
        transaction.on_commit(lambda: _spawn(job_id))


@task()
def job_task(job_id: int) -> None:
    """The queue's task for one job: `fazhan worker` calls it with the job's id."""
    job_execute(job_id)


def job_execute(job_id: int) -> None:
    """Run one queued job here, in this thread (the worker's task; what a job's thread runs)."""
    with _lock:
        _live[job_id] = Live()
    try:
        _run(job_id)
    finally:
        with _lock:
            _live.pop(job_id, None)


def worker_id() -> str:
    """The name a worker process claims its tasks under: the machine and the process, so a later worker can
    tell whether the one holding a task is still alive."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{get_random_string(8)}"


def _worker_alive(worker: str, *, progress_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    """On this machine, whether the worker's process is still there (a long SQLite import may be silent for
    longer than STALE_AFTER while it holds the write lock: silence alone must not run it twice); a worker of
    another machine, whether its job said something within STALE_AFTER."""
    host, _sep, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname()[:30] and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return False  # this process is new: the pid was the dead worker's before it was ours
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return progress_at is not None and progress_at >= now - STALE_AFTER


# --- errands: short work with no Job row -------------------------------------------------------------------

Errand = Callable[..., object]
ERRANDS: dict[str, Errand] = {}
_errand_threads: set[threading.Thread] = set()


def errand_register(name: str, work: Errand) -> None:
    if name in ERRANDS and ERRANDS[name] is not work:
        raise LookupError(f"errand {name} has its work already: {ERRANDS[name].__qualname__}")
    ERRANDS[name] = work


def errand_launch(name: str, *args) -> None:
    """Run the errand `name` with `args` (JSON values) off the request: a task on the queue, written in the
    current transaction ("queue"), or a thread started once it commits ("thread")."""
    if name not in ERRANDS:
        raise LookupError(f"no errand {name!r}: {sorted(ERRANDS)}")
    if settings.FAZHAN_JOBS == "queue":
        errand_task.enqueue(name, list(args))
    else:
        transaction.on_commit(lambda: _errand_spawn(name, list(args)), robust=True)


@task()
def errand_task(name: str, args: list) -> None:
    """The queue's task for one errand: `fazhan worker` calls it."""
    ERRANDS[name](*args)


def _errand_spawn(name: str, args: list) -> None:
    thread = threading.Thread(target=_errand_main, args=(name, args), name=f"fazhan-{name}", daemon=True)
    with _lock:
        _errand_threads.add(thread)
    thread.start()


def _errand_main(name: str, args: list) -> None:
    try:
        ERRANDS[name](*args)
    except Exception:
        log.exception("errand %s", name)
    finally:
        with _lock:
            _errand_threads.discard(threading.current_thread())
        connection.close()


def errands_recover(now: datetime.datetime | None = None) -> int:
    """Queue again each errand a dead worker left marked running (closed as failed). Returns how many."""
    now = now or timezone.now()
    again = 0
    held = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path=errand_task.module_path)
    for result in held.order_by("pk"):
        last = result.worker_ids[-1] if result.worker_ids else ""
        if _worker_alive(last, progress_at=result.started_at, now=now):
            continue
        with transaction.atomic():
            closed = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=now
            )
            name, args = result.args_kwargs["args"]
            if closed and name in ERRANDS:
                errand_task.enqueue(name, args)
                again += 1
        log.warning("errand %s: its worker %s is gone; queued again", result.args_kwargs["args"][0], last)
    return again


def jobs_recover() -> list[int]:
    """Put back in the queue each job whose task a dead worker left marked running: its task is closed as
    failed, the job goes back to queued (its row says why) and a new task is queued for it. Returns the
    jobs' ids. The errands a dead worker left running go back in the queue too (errands_recover). Called by
    `fazhan worker` as it starts."""
    now = timezone.now()
    recovered = []
    held = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path=job_task.module_path)
    for result in held.order_by("pk"):
        job_id = int(result.args_kwargs["args"][0])
        job = Job.objects.filter(pk=job_id).first()
        last = result.worker_ids[-1] if result.worker_ids else ""
        if _worker_alive(last, progress_at=job.progress_at if job else None, now=now):
            continue
        with transaction.atomic():
            DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=now
            )
            again = Job.objects.filter(pk=job_id, state__in=(JobState.QUEUED, JobState.RUNNING)).update(
                state=JobState.QUEUED,
                started_at=None,
                progress_at=now,
                message=_("上次运行它的后台进程已停止，任务已重新排队，将从头运行。"),
            )
            if again:
                job_launch(job_id)
                recovered.append(job_id)
        log.warning("job %s: its worker %s is gone; %s", job_id, last, "queued again" if again else "ended")
    errands_recover(now)
    return recovered


def jobs_join(timeout: float | None = None) -> None:
    """Wait for the jobs running in this process to end (tests, and a clean shutdown)."""
    with _lock:
        threads = [*_threads.values(), *_errand_threads]
    for thread in threads:
        thread.join(timeout)


def _spawn(job_id: int) -> None:
    thread = threading.Thread(target=_main, args=(job_id,), name=f"fazhan-job-{job_id}", daemon=True)
    with _lock:
        _live[job_id] = Live()
        _threads[job_id] = thread
    thread.start()


def _main(job_id: int) -> None:
    try:
        _run(job_id)
    except Exception:  # the job's row could not even be read or written: nothing more to tell anyone
        log.exception("job %s", job_id)
    finally:
        with _lock:
            _live.pop(job_id, None)
            _threads.pop(job_id, None)
        connection.close()


def _run(job_id: int) -> None:
    now = timezone.now()
    started = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, progress_at=now
    )
    if not started:
        return
    job = Job.objects.select_related("org", "started_by").get(pk=job_id)
    writer = _ProgressWriter(job_id)
    writer.start()
    try:
        outcome = WORK[job.kind](job, _reporter(job_id))
    except JobFailed as exc:
        writer.stop()
        _finish(job_id, JobState.FAILED, error=exc.message, url=exc.url)
    except (ValidationError, PermissionDenied) as exc:
        writer.stop()
        _finish(job_id, JobState.FAILED, error=_said(exc))
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, job.kind)
        writer.stop()
        what = JobKind(job.kind).label
        _finish(job_id, JobState.FAILED, error=_(ERR_INTERNAL) % {"what": what, "name": type(exc).__name__})
    else:
        writer.stop()
        if outcome.file is not None:
            _keep(job, *outcome.file)
        _finish(job_id, JobState.DONE, message=outcome.message, url=outcome.url)


def _keep(job: Job, name: str, content: bytes) -> None:
    """The job's document on disk under MEDIA_ROOT (the storage names it) and on the row."""
    job.output.save(name, ContentFile(content), save=False)
    Job.objects.filter(pk=job.pk).update(output=job.output.name, output_name=name[:200])


def _said(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc) or _("您的角色不能办理此项工作。")


def _finish(job_id: int, state: str, *, message: str = "", error: str = "", url: str = "") -> None:
    now = timezone.now()
    fields: dict = {"state": state, "finished_at": now, "progress_at": now, "result_url": url, "error": error}
    if message:
        fields["message"] = message[:300]
    Job.objects.filter(pk=job_id).update(**fields)


def _reporter(job_id: int) -> Report:
    def report(message: str, done: int | None = None, total: int | None = None) -> None:
        with _lock:
            live = _live.get(job_id)
            if live is not None:
                live.message, live.done, live.total = message[:300], done, total
                live.version += 1

    return report


class _ProgressWriter:
    """Copies the live progress of one job to its row at most every PROGRESS_EVERY seconds, from its own
    thread and connection, so a write never waits inside the work's transaction."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name=f"fazhan-job-{job_id}-progress", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()

    def _loop(self) -> None:
        written, alive = -1, timezone.now()
        try:
            while not self.stopped.wait(PROGRESS_EVERY):
                live = job_live(self.job_id)
                now = timezone.now()
                if live is None or (live.version == written and (now - alive).total_seconds() < ALIVE_EVERY):
                    continue
                if self._write(live, now):
                    written, alive = live.version, now
        finally:
            connection.close()

    def _write(self, live: Live, now) -> bool:
        try:
            Job.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(
                message=live.message, done=live.done, total=live.total, progress_at=now
            )
        except OperationalError:  # SQLite: the work's transaction holds the write lock; try again later
            return False
        return True
