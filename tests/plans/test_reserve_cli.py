"""`fazhan plans`: the reserve and the cycle from the console, refused as the pages refuse, done as a user."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fazhan.auditlog.models import AuditEvent
from fazhan.plans.models import CycleAct, Reserve, ReserveEntry
from tests.procedure.conftest import walk

YEAR = 2021


def _run(*args) -> str:
    out = StringIO()
    call_command("plans", *args, stdout=out)
    return out.getvalue()


def test_the_console_sets_a_reserve_takes_a_case_in_and_records_a_request(pw):
    _run(
        "reserve",
        "set",
        "--org",
        "SZQ",
        "--year",
        str(YEAR),
        "--applicants",
        "20",
        "--activists",
        "10",
        "--targets",
        "4",
        "--user",
        "district",
    )
    _run(
        "reserve",
        "set",
        "--org",
        "SZQ-LH",
        "--year",
        str(YEAR),
        "--applicants",
        "10",
        "--activists",
        "5",
        "--targets",
        "2",
        "--user",
        "district",
    )
    with pytest.raises(CommandError, match="至少常态化储备 1 名入党积极分子"):
        _run(
            "reserve",
            "set",
            "--org",
            "SZQ-LH-01",
            "--year",
            str(YEAR),
            "--applicants",
            "3",
            "--activists",
            "0",
            "--targets",
            "1",
            "--user",
            "lh_organizer",
        )
    with pytest.raises(CommandError, match="--user"):
        _run(
            "reserve",
            "set",
            "--org",
            "SZQ-LH-01",
            "--year",
            str(YEAR),
            "--applicants",
            "3",
            "--activists",
            "1",
            "--targets",
            "1",
            "--user",
            "sec1",
        )
    _run(
        "reserve",
        "set",
        "--org",
        "SZQ-LH-01",
        "--year",
        str(YEAR),
        "--applicants",
        "3",
        "--activists",
        "1",
        "--targets",
        "1",
        "--young-farmers",
        "1",
        "--user",
        "lh_organizer",
    )
    assert Reserve.objects.get(org=pw.branch1).activists == 1
    walk(pw, "S03")
    out = _run(
        "reserve", "take-in", "--pid", "P0001", "--year", str(YEAR), "--date", "2020-11-02", "--user", "sec1"
    )
    assert "P0001" in out
    assert ReserveEntry.objects.get().taken_by.username == "sec1"
    out = _run(
        "cycle",
        "record",
        "--org",
        "SZQ-LH-01",
        "--year",
        str(YEAR),
        "--step",
        "request",
        "--date",
        "2020-11-10",
        "--number",
        "2",
        "--user",
        "sec1",
    )
    assert "请求已报" in out
    assert CycleAct.objects.get().actor.username == "sec1"
    assert AuditEvent.objects.filter(action="cycle.request", actor__username="sec1").exists()
    shown = _run("cycle", "show", "--org", "SZQ-LH", "--year", str(YEAR))
    assert "SZQ-LH-01" in shown
    assert "请求已报 2020-11-10 sec1 2" in shown
    report = _run("reserve", "show", "--org", "SZQ-LH-01", "--year", str(YEAR))
    assert "纳入计划 P0001 张三 入党积极分子" in report
    with pytest.raises(CommandError, match="--date"):
        _run(
            "cycle",
            "record",
            "--org",
            "SZQ-LH-01",
            "--year",
            str(YEAR),
            "--step",
            "request",
            "--date",
            "x",
            "--user",
            "sec1",
        )
    assert datetime.date(2020, 11, 10) == CycleAct.objects.get().date
