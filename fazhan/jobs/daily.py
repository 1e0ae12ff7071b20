"""`fazhan daily`, the daily timer's work: the reminders, the webhook deliveries still pending, a backup kept
by a retention of N daily and M monthly copies, a signed checkpoint of the trail, and the job queue's old rows
cleared. Each step runs the
project's own command (so the timer does exactly what an administrator would type) and is logged; one that
fails does not stop the others.

The steps name commands, not the apps that own them: this ground module imports no app above it."""

import datetime
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

log = logging.getLogger("fazhan.daily")

BACKUP_NAME = re.compile(r"^fazhan-(\d{4})(\d{2})(\d{2})-(\d{6})\.tar$")


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    said: str


def backup_name(now: datetime.datetime) -> str:
    return f"fazhan-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"


def backups_to_delete(names: list[str], *, keep_daily: int, keep_monthly: int) -> list[str]:
    """Of the backup files named like backup_name (others are never touched): keep the newest `keep_daily`
    days' (the last backup of each day) and, before them, the first backup of each of the `keep_monthly`
    newest months; the rest go. Newest first by the date in the name, never by the file's time."""
    dated = sorted((n for n in names if BACKUP_NAME.match(n)), reverse=True)
    keep: set[str] = set()
    days: list[str] = []
    for name in dated:  # newest first: the first seen of a day is its last backup
        day = name[7:15]
        if day not in days:
            days.append(day)
            if len(days) <= keep_daily:
                keep.add(name)
    older = [n for n in dated if n[7:15] not in days[:keep_daily]]
    months: dict[str, str] = {}
    for name in reversed(older):  # oldest first: the first seen of a month is its first backup
        months.setdefault(name[7:13], name)
    for month in sorted(months, reverse=True)[:keep_monthly]:
        keep.add(months[month])
    return [n for n in dated if n not in keep]


def step_remind() -> str:
    out = io.StringIO()
    # --send: each user's digest by mail and the configured channels, once a day (fazhan.reminders); the
    # last line is the day's summary (sent, already sent, failed)
    call_command("remind", "--send", stdout=out)
    lines = out.getvalue().splitlines()
    return lines[-1] if lines else "没有要发送的提醒"


def step_backup() -> str:
    folder = Path(settings.FAZHAN_BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / backup_name(timezone.now())
    call_command("backup", str(target), stdout=io.StringIO())
    gone = backups_to_delete(
        [p.name for p in folder.iterdir()],
        keep_daily=settings.FAZHAN_BACKUP_KEEP_DAILY,
        keep_monthly=settings.FAZHAN_BACKUP_KEEP_MONTHLY,
    )
    for name in gone:
        (folder / name).unlink(missing_ok=True)
    return f"{target}；按保留规则删除 {len(gone)} 份旧备份"


def step_checkpoint() -> str:
    out = io.StringIO()
    call_command("checkpoint", stdout=out)
    return out.getvalue().strip()


def step_tasks() -> str:
    """The queue's rows of tasks ended a month ago (the jobs' own rows, which the job pages show, stay)."""
    out = io.StringIO()
    call_command("prune_db_task_results", min_age_days=30, stdout=out)
    return out.getvalue().strip()


def step_webhooks() -> str:
    """The event deliveries a receiver did not take when they were sent (fazhan.api's webhooks), tried again:
    a receiver down all day still gets its events once a day, not only before the next one."""
    out = io.StringIO()
    call_command("webhooks", "retry", stdout=out)
    return out.getvalue().strip()


STEPS: list[tuple[str, Callable[[], str]]] = [
    ("remind", step_remind),
    ("webhooks", step_webhooks),
    ("backup", step_backup),
    ("checkpoint", step_checkpoint),
    ("tasks", step_tasks),
]


def daily_run(steps: list[tuple[str, Callable[[], str]]] | None = None) -> list[StepResult]:
    """Every step, each on its own: a failure is logged with its traceback and the next step runs."""
    results = []
    for name, step in steps or STEPS:
        log.info("daily %s: start", name)
        try:
            said = step()
        except BaseException as error:  # SystemExit of a command too: the next step still runs
            if isinstance(error, KeyboardInterrupt):
                raise
            log.exception("daily %s: failed", name)
            results.append(StepResult(name, False, f"{type(error).__name__}: {error}"))
        else:
            log.info("daily %s: done: %s", name, said)
            results.append(StepResult(name, True, said))
    return results
