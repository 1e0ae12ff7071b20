"""The district reviewer's page of the official calendar (节假日安排): every year, official or provisional,
with its holidays and make-up days; a year's file uploaded there is loaded or refused line by line. No other
role reaches it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fazhan.auditlog.models import AuditEvent
from fazhan.core.models import CalendarYear
from tests.core.conftest import ARRANGEMENT_2027


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("2027.csv", text.encode(), content_type="text/csv")


def test_the_district_reviewer_sees_each_year_official_or_provisional_from_the_menu(world, client_for):
    client = client_for("district")
    home = client.get("/").content.decode()
    assert 'href="/calendar/"' in home
    page = client.get("/calendar/").content.decode()
    row_2027 = page.split('data-year="2027"')[1].split("</tr>")[0]
    row_2026 = page.split('data-year="2026"')[1].split("</tr>")[0]
    assert "暂计（仅法定节假日）" in row_2027
    assert "正式安排" in row_2026
    assert "chinese-calendar 1.11.0" in row_2026


def test_the_district_reviewer_loads_a_year_from_the_page(world, client_for):
    client = client_for("district")
    response = client.post("/calendar/", {"file": csv_file(ARRANGEMENT_2027)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="calendar-loaded"' in page
    assert "放假 28 天，调休上班 4 天。" in page
    assert "该年度没有进行中的公示。" in page
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, year.loaded_by) == ("2027.csv", world.users["district"])
    row_2027 = page.split('data-year="2027"')[1].split("</tr>")[0]
    assert "正式安排" in row_2027
    assert AuditEvent.objects.filter(action="calendar.load", actor=world.users["district"]).count() == 1


def test_a_bad_file_is_shown_line_by_line_at_its_field_and_nothing_is_loaded(world, client_for):
    bad = ARRANGEMENT_2027.replace("2027-02-20,workday", "2027-02-22,workday").replace(
        "2027-06-09", "2027-6-9"
    )
    response = client_for("district").post("/calendar/", {"file": csv_file(bad)})
    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split('id="field-file"')[1].split("</div>")[0]
    assert "第13行：类别：2027-02-22 是星期一，本来就是工作日" in errors
    assert "第23行：日期：“2027-6-9”不是 YYYY-MM-DD 格式的日期。" in errors
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEvent.objects.filter(action="calendar.load").exists()


@pytest.mark.parametrize("username", ["sec1", "lh_organizer", "lh_approver", "inspector_lh", "admin"])
def test_no_other_role_sees_or_loads_the_calendar(world, client_for, username):
    client = client_for(username)
    assert client.get("/calendar/").status_code == 403
    assert client.get("/calendar/2027/").status_code == 403
    assert client.post("/calendar/", {"file": csv_file(ARRANGEMENT_2027)}).status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()
    menu = client.get("/api/tokens/")  # a page every role has, with the menu
    assert menu.status_code == 200
    assert 'href="/calendar/"' not in menu.content.decode()


def test_a_years_page_lists_its_holidays_by_festival_and_its_make_up_days(world, client_for):
    client = client_for("district")
    provisional = client.get("/calendar/2027/").content.decode()
    assert "该年度的安排尚未载入" in provisional
    assert "2027-02-05 至 2027-02-08" in provisional
    assert "除夕、春节" in provisional
    official = client.get("/calendar/2026/").content.decode()
    assert "正式安排" in official
    assert "2026-10-01 至 2026-10-07" in official
    assert "2026-09-20（星期日）" in official
    assert client.get("/calendar/0/").status_code == 404
    assert client.get("/calendar/99999999999/").status_code == 404
