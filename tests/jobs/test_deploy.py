"""deploy/: the systemd units pass `systemd-analyze verify` and start real `fazhan` commands with options
those commands accept; `fazhan daily` runs every step even when one fails, and keeps its backups by the
retention of N daily and M monthly copies."""

import datetime
import io
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from fazhan.jobs.daily import backups_to_delete
from tests.fresh import REPO

DEPLOY = REPO / "deploy"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
INSTALLED = "/opt/fazhan/.venv/bin/fazhan"


def exec_starts(unit: Path) -> list[list[str]]:
    return [
        shlex.split(line.split("=", 1)[1])
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]


def test_the_units_are_the_server_the_worker_and_the_daily_timer():
    assert {u.name for u in UNITS} == {
        "fazhan.service",
        "fazhan-worker.service",
        "fazhan-daily.service",
        "fazhan-daily.timer",
    }
    assert "Unit=fazhan-daily.service" in (DEPLOY / "fazhan-daily.timer").read_text()
    assert (DEPLOY / "nginx-fazhan.conf").exists()


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda u: u.name)
def test_each_units_exec_start_is_a_fazhan_command_with_options_it_accepts(unit):
    (command,) = exec_starts(unit)
    assert command[0] == INSTALLED
    name, args = command[1], command[2:]
    app = get_commands()[name]
    assert app.startswith("fazhan."), f"{name} is not one of Fazhan's commands"
    load_command_class(app, name).create_parser("fazhan", name).parse_args(args)


def test_systemd_analyze_verify_finds_nothing_to_say_about_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    # The units name the installed command; here it is this checkout's, so verify can check it exists.
    here = str(Path(sys.executable).with_name("fazhan"))
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED, here))
    done = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / u.name) for u in UNITS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def names(days: list[str], time: str = "023000") -> list[str]:
    return [f"fazhan-{d.replace('-', '')}-{time}.tar" for d in days]


def test_the_retention_keeps_the_last_backup_of_the_newest_days_and_the_first_of_the_newest_months():
    start = datetime.date(2026, 1, 1)
    days = [(start + datetime.timedelta(days=i)).isoformat() for i in range(100)]  # to 10 April
    present = [*names(days), *names(["2026-04-10"], "140000"), "notes.txt", "fazhan-2026.tar"]

    gone = backups_to_delete(present, keep_daily=3, keep_monthly=2)

    kept = set(present) - set(gone)
    assert kept == {
        *names(["2026-04-09", "2026-04-08"]),
        *names(["2026-04-10"], "140000"),  # that day's last
        *names(["2026-04-01", "2026-03-01"]),  # the first of each of the two newest months before them
        "notes.txt",  # never a file of another name
        "fazhan-2026.tar",
    }


def test_daily_runs_every_step_though_one_fails_and_exits_non_zero(
    transactional_db, world, settings, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")  # the backup's folder cannot be made: that step fails
    settings.FAZHAN_BACKUP_DIR = blocked / "backups"
    out = io.StringIO()
    with pytest.raises(CommandError, match="备份") as refused:
        call_command("daily", stdout=out)
    assert refused.value.returncode == 1
    said = out.getvalue().splitlines()
    assert said[0].startswith("到期提醒（remind）完成")
    assert said[1] == "补发事件推送（webhooks）完成：delivered 0, failed 0"
    assert said[2].startswith("备份（backup）失败")
    assert said[3].startswith("审计日志签名检查点（checkpoint）完成：Checkpoint of event")
    assert said[4].startswith("清理队列记录（tasks）完成")

    settings.FAZHAN_BACKUP_DIR = tmp_path / "backups"
    call_command("daily", stdout=io.StringIO())
    assert [p.suffix for p in (tmp_path / "backups").iterdir()] == [".tar"]
