"""The official calendar as data (procedure.md B0.2): the years chinese-calendar covers are seeded into the
table, a year not loaded counts weekdays less the statutory holidays of the 放假办法 and says it is
provisional, and a year's file loaded by the district reviewer (the page) or on the command line makes it
official — refused line by line when it is not a year's arrangement, and in the trail when it is."""

import datetime
import io
import os
import subprocess
import sys

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.core.calendar import (
    WorkingDays,
    add_working_days,
    is_workday,
    official_years,
    statutory_holidays,
    working_days_between,
)
from fazhan.core.models import CalendarDay, CalendarYear
from fazhan.holidays.services import calendar_load
from tests.core.conftest import ARRANGEMENT_2027

D = datetime.date
SEEDED = range(2004, 2027)


def count(*args: str) -> str:
    out = io.StringIO()
    call_command("calendar", "count", *args, stdout=out)
    return out.getvalue().strip()


def load_command(path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("calendar", "load", str(path), stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


# --- the seed and the statutory holidays ---


def test_the_years_chinese_calendar_covers_are_seeded_and_count_as_it_does(db):
    assert set(SEEDED) <= set(CalendarYear.objects.values_list("year", flat=True))
    assert set(SEEDED) <= official_years()
    day = D(2004, 1, 1)
    while day.year < 2027:
        assert is_workday(day) == (chinese_calendar.is_workday(day), False), day
        day += datetime.timedelta(days=1)


def test_the_statutory_holidays_of_2027_are_those_of_the_2024_revision():
    """元旦 1 day, 春节 4 (除夕 and 初一 to 初三: the Spring Festival of 2027 is 6 February), 清明 1,
    劳动节 2, 端午 1, 中秋 1, 国庆 3 — and none of `holidays`' observed or substituted days."""
    assert statutory_holidays(2027) == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "除夕",
        D(2027, 2, 6): "春节",
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }
    assert (D(2027, 4, 5), "清明") in chinese_calendar.get_solar_terms(D(2027, 4, 1), D(2027, 4, 30))


def test_every_seeded_year_takes_its_statutory_weekdays_off(db):
    """What a loaded file is held to (a statutory holiday on a weekday is a day off) holds for every year
    chinese-calendar has, so a real year's arrangement is never refused for it."""
    holidays = set(CalendarDay.objects.filter(kind="holiday").values_list("day", flat=True))
    for year in SEEDED:
        for day in statutory_holidays(year):
            assert day.weekday() >= 5 or day in holidays, day


# --- counting across a year not loaded ---


def test_a_period_into_2027_counts_the_statutory_new_year_and_is_provisional_until_2027_is_loaded(
    db, load_2027
):
    assert working_days_between(D(2026, 12, 28), D(2027, 1, 1)) == WorkingDays(4, True)
    assert count("2026-12-28", "2027-01-01") == (
        "4 working days, provisional: 2027 not loaded (the statutory holidays only)"
    )
    assert count("2026-12-21", "2026-12-25") == "5 working days"
    # the make-up Saturday after the Spring Festival counts only once the arrangement says so
    assert working_days_between(D(2027, 2, 15), D(2027, 2, 21)) == WorkingDays(5, True)

    load_2027()

    assert working_days_between(D(2026, 12, 28), D(2027, 1, 1)) == WorkingDays(4, False)
    assert count("2026-12-28", "2027-01-01") == "4 working days"
    assert working_days_between(D(2027, 2, 15), D(2027, 2, 21)) == WorkingDays(6, False)
    assert working_days_between(D(2027, 2, 8), D(2027, 2, 12)) == WorkingDays(0, False)  # bridged
    assert add_working_days(D(2027, 2, 5), 5) == (D(2027, 2, 19), False)


def test_the_count_command_says_which_dates_it_cannot_read(db):
    with pytest.raises(CommandError, match="FROM: '2027-1-1' is not a date"):
        count("2027-1-1", "2027-01-05")
    with pytest.raises(CommandError, match="TO: before FROM"):
        count("2027-01-05", "2027-01-01")


# --- loading a year ---


def test_a_loaded_year_replaces_its_days_and_is_in_the_trail(db, load_2027):
    loaded = load_2027()
    assert (loaded.year, loaded.holidays, loaded.workdays, loaded.replaced) == (2027, 28, 4, "")
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, len(year.sha256)) == ("2027.csv", 64)
    event = AuditEvent.objects.get(action="calendar.load")
    assert event.data["year"] == 2027
    assert event.data["holidays"][:3] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert event.data["workdays"] == ["2027-02-20", "2027-05-08", "2027-09-26", "2027-10-09"]
    assert event.org_path == ""  # no org tree here: filed under its root where there is one

    fewer = ARRANGEMENT_2027.replace("2027-02-20,workday\n", "").replace("2027-02-12,holiday\n", "")
    again = load_2027(fewer)
    assert again.replaced == "2027.csv"
    assert CalendarDay.objects.filter(year=2027).count() == 30
    assert is_workday(D(2027, 2, 12)) == (True, False)
    assert is_workday(D(2027, 2, 20)) == (False, False)


def test_a_file_that_is_not_a_years_arrangement_is_refused_line_by_line_and_nothing_is_written(db):
    bad = (
        "date,kind\n"
        "2027-01-01,holiday\n"
        "2027-1-2,holiday\n"  # line 3
        "2027-01-03,rest\n"  # line 4
        "2027-01-01,holiday\n"  # line 5: twice
        "2028-01-01,holiday\n"  # line 6: another year
        "2027-01-04,workday\n"  # line 7: a Monday
        "2027-01-09\n"  # line 8: no kind
    )
    with pytest.raises(ValidationError) as refused:
        calendar_load(actor=None, data=bad.encode(), filename="bad.csv")
    assert refused.value.message_dict == {
        "file": [
            "第3行：日期：“2027-1-2”不是 YYYY-MM-DD 格式的日期。",
            "第4行：类别：“rest”不是 holiday（放假）或 workday（调休上班）。",
            "第5行：日期：2027-01-01 在第 2 行已经出现过。",
            "第8行：类别：每行应为两列：日期,类别（如 2027-01-01,holiday）。",
            "第6行：日期：一个文件只能是一年的安排（第一个日期是 2027 年的）。",
            "第7行：类别：2027-01-04 是星期一，本来就是工作日；调休上班日只能是星期六或星期日。",
        ]
    }
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEvent.objects.filter(action="calendar.load").exists()


def test_a_file_that_works_or_leaves_out_a_statutory_holiday_is_refused(db):
    works_new_year = ARRANGEMENT_2027.replace("2027-01-01,holiday", "2027-01-01,workday")
    with pytest.raises(ValidationError) as refused:
        calendar_load(actor=None, data=works_new_year.encode())
    assert refused.value.messages == [
        "第2行：类别：2027-01-01 是星期五，本来就是工作日；调休上班日只能是星期六或星期日。"
    ]
    without_mid_autumn = ARRANGEMENT_2027.replace("2027-09-15,holiday\n", "")
    with pytest.raises(ValidationError) as refused:
        calendar_load(actor=None, data=without_mid_autumn.encode())
    assert refused.value.messages == ["文件：日期：2027-09-15（中秋节）是法定节假日，文件中没有列为放假。"]
    saturday_new_year = "2022-01-01,workday\n"  # a Saturday: allowed as a make-up day, but it is 元旦
    with pytest.raises(ValidationError) as refused:
        calendar_load(actor=None, data=saturday_new_year.encode())
    assert "第1行：类别：2022-01-01（元旦）是法定节假日，应放假。" in refused.value.messages
    assert CalendarYear.objects.get(year=2022).source.startswith("chinese-calendar")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "文件：文件中没有日期。"),
        (b"date,kind\n\n", "文件：文件中没有日期。"),
        (
            "2027-01-01,holiday\n".encode("gbk") + "放假".encode("gbk"),
            "文件：不是 UTF-8 编码的文本文件。",
        ),
        (
            b"1999-01-01,holiday\n",
            "第1行：日期：只能载入 2000 年至 {next} 年的安排（次年的安排一般在上一年年底公布）。",
        ),
        (
            b"2035-01-01,holiday\n",
            "第1行：日期：只能载入 2000 年至 {next} 年的安排（次年的安排一般在上一年年底公布）。",
        ),
    ],
)
def test_an_empty_unreadable_or_far_off_file_is_refused(db, data, problem):
    with pytest.raises(ValidationError) as refused:
        calendar_load(actor=None, data=data)
    assert refused.value.messages == [problem.format(next=timezone.localdate().year + 1)]


def test_only_the_district_reviewer_loads_a_year(world):
    for username in ("sec1", "lh_organizer", "lh_approver", "inspector_lh", "admin"):
        with pytest.raises(PermissionDenied):
            calendar_load(actor=world.users[username], data=ARRANGEMENT_2027.encode())
    assert not CalendarYear.objects.filter(year=2027).exists()
    calendar_load(actor=world.users["district"], data=ARRANGEMENT_2027.encode())
    event = AuditEvent.objects.get(action="calendar.load")
    assert (event.actor, event.org_path) == (world.users["district"], world.district.path)


def test_fazhan_calendar_load_prints_the_bad_lines_and_exits_1_writing_nothing(db, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("2027-01-01,holiday\n2027-02-30,holiday\n", encoding="utf-8")
    code, out, err = load_command(path)
    assert code == 1
    assert out.splitlines() == ["第2行：日期：“2027-02-30”不是 YYYY-MM-DD 格式的日期。"]
    assert "nothing loaded" in err
    assert not CalendarYear.objects.filter(year=2027).exists()

    path.write_text(ARRANGEMENT_2027, encoding="utf-8")
    code, out, _err = load_command(path)
    assert code == 0
    assert out.splitlines() == [
        "2027: 28 holidays, 4 make-up workdays loaded",
        "0 open notices in 2027 recounted, 0 changed, 0 now short",
    ]
    assert count("2026-12-28", "2027-01-01") == "4 working days"


def test_fazhan_calendar_years_says_which_are_official(db, load_2027):
    out = io.StringIO()
    call_command("calendar", "years", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["2027", "provisional", "13"]
    assert lines[1].split()[:2] == ["2026", "official"]
    load_2027()
    out = io.StringIO()
    call_command("calendar", "years", stdout=out)
    assert out.getvalue().splitlines()[0].split()[:3] == ["2027", "official", "28"]


# --- another process's load ---


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_a_year_loaded_by_another_process_is_counted_here_from_the_next_request_or_connection(
    transactional_db, client, tmp_path
):
    """`fazhan calendar load` on the command line while the web server runs: the server's copy of the table
    follows from its next request (a connection kept open) or its next connection."""
    path = tmp_path / "2027.csv"
    path.write_text(ARRANGEMENT_2027, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": _database_url()}
    command = [sys.executable, "-m", "fazhan.cli", "calendar", "load", str(path)]
    connection.ensure_connection()  # a connection kept open, as with CONN_MAX_AGE > 0
    assert working_days_between(D(2027, 2, 15), D(2027, 2, 21)) == WorkingDays(5, True)

    subprocess.run(command, env=env, check=True, capture_output=True)
    assert working_days_between(D(2027, 2, 15), D(2027, 2, 21)) == WorkingDays(5, True)  # not yet read
    client.get("/healthz")  # a request on it
    assert working_days_between(D(2027, 2, 15), D(2027, 2, 21)) == WorkingDays(6, False)

    path.write_text(ARRANGEMENT_2027.replace("2027-02-20,workday\n", ""), encoding="utf-8")
    subprocess.run(command, env=env, check=True, capture_output=True)
    connection.close()
    assert CalendarYear.objects.filter(year=2027).exists()  # a new connection
    assert working_days_between(D(2027, 2, 15), D(2027, 2, 21)) == WorkingDays(5, False)
