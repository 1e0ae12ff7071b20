"""The downloads that list people name them: the 人员编号 (an internal id) stands beside the person's name,
never instead of it (style: ids may stand beside names). Each export is read as the user downloads it."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from fazhan.archive.services import archive_review_record
from fazhan.people.models import Person
from fazhan.prereview.services import form_issue, form_range_receive
from tests.procedure.conftest import day, next_offset, pw, walk  # noqa: F401
from tests.workbooks import table

PID = "人员编号"
NAME_HEADERS = ("姓名", "领用人")


def named_rows(content: bytes) -> list[tuple[str, str]]:
    """(name, pid) of every row that carries a pid, after checking the column just before the pid names
    a person."""
    rows = table(load_workbook(io.BytesIO(content)).active)
    headers = list(rows[0])
    assert PID in headers, headers
    at = headers.index(PID)
    assert at > 0, f"no name beside {PID}: {headers}"
    assert headers[at - 1] in NAME_HEADERS, f"no name beside {PID}: {headers}"
    return [(r[at - 1], r[at]) for r in rows[1:] if r[at]]


def assert_named(pairs: list[tuple[str, str]]) -> None:
    assert pairs, "the export lists nobody: the check would prove nothing"
    names = dict(Person.objects.filter(pid__in=[p for _n, p in pairs]).values_list("pid", "name"))
    assert all(name == names[pid] for name, pid in pairs), pairs


def test_the_check_refuses_a_pid_without_its_name():
    book = Workbook()
    book.active.append(["x"])
    book.active.append(["到期日", PID, "所在党组织"])
    book.active.append(["2021-01-01", "P0001", "高桥村"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(AssertionError, match="no name beside"):
        named_rows(out.getvalue())


def test_the_todo_download_names_each_person(pw, client_for):  # noqa: F811
    walk(pw, "S01")  # applied: the talk is due
    assert_named(named_rows(client_for("sec1").get("/todo/?format=xlsx").content))


def test_the_archive_register_download_names_each_person(pw, client_for):  # noqa: F811
    walk(pw)
    archive_review_record(
        actor=pw.users["lh_organizer"],
        person=pw.p1,
        date=day(next_offset("S25") + 10),
        missing=[],
        location="柜1",
    )
    download = client_for("lh_organizer").get("/archive/register/?org=SZQ-LH&format=xlsx")
    assert_named(named_rows(download.content))


def test_the_form_register_download_names_each_holder(pw, client_for):  # noqa: F811
    form_range_receive(
        actor=None,
        org=pw.district,
        year=2021,
        prefix="SZQ2021-",
        first=1,
        last=2,
        received_on=datetime.date(2021, 1, 5),
    )
    walk(pw, "S13")
    form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(588))
    download = client_for("district").get("/forms/?status=issued&format=xlsx")
    assert_named(named_rows(download.content))
