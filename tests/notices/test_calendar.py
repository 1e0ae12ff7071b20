"""Notices and the official calendar: a notice over a year not loaded counts its statutory holidays and
says so on the screen and on the print; loading the year counts every open notice in it again, in the
trail, and lists those that now fall short of five working days (TGT-NOTICE)."""

import datetime
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fazhan.auditlog.models import AuditEvent
from fazhan.core.calendar import WorkingDays
from fazhan.notices.models import Notice
from fazhan.notices.services import notice_close
from tests.core.conftest import ARRANGEMENT_2027
from tests.core.test_calendar import load_command
from tests.notices.conftest import publish

DEC_28 = datetime.date(2026, 12, 28)  # a Monday
JAN_4 = datetime.date(2027, 1, 4)  # five working days on when 1 January alone is off
LONG_NEW_YEAR = ARRANGEMENT_2027.replace("2027-01-03,holiday\n", "2027-01-03,holiday\n2027-01-04,holiday\n")


def pdf_text(client, notice, tmp_path) -> str:
    response = client.get(f"/notices/{notice.pk}/print/")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / f"notice-{notice.pk}.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def test_a_notice_into_2027_counts_its_statutory_new_year_and_says_it_is_provisional(activist):
    notice = publish(activist, starts_on=DEC_28)
    assert (notice.ends_on, notice.working_days, notice.provisional) == (JAN_4, 5, True)
    published = AuditEvent.objects.get(action="notice.publish").data
    assert (published["working_days"], published["provisional"]) == (5, True)


def test_a_period_too_short_by_the_statutory_holidays_is_refused_saying_they_are_provisional(activist):
    with pytest.raises(ValidationError) as refused:
        publish(activist, starts_on=DEC_28, ends_on=datetime.date(2027, 1, 1))
    assert refused.value.message_dict["ends_on"][0].endswith("规则 TGT-NOTICE）")
    assert (
        "公示期仅 4 个工作日（应不少于 5 个；2027年节假日安排尚未公布，按法定节假日暂计）"
        in (refused.value.message_dict["ends_on"][0])
    )
    assert not Notice.objects.exists()


def test_the_printed_notice_over_a_provisional_period_says_so_until_the_year_is_loaded(
    activist, client_for, tmp_path, load_2027
):
    notice = publish(activist, starts_on=DEC_28)
    client = client_for("sec1")
    printed = pdf_text(client, notice, tmp_path)
    assert "公示时间：2026年12月28日至2027年1月4日（5个工作日）" in printed
    assert "注：2027年节假日安排尚未公布，工作日按法定节假日暂计，以国务院办公厅公布的安排为准。" in printed
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert 'id="notice-provisional"' in page
    assert "2027年节假日安排尚未公布" in page

    load_2027()

    printed = pdf_text(client, notice, tmp_path)
    assert "公示时间：2026年12月28日至2027年1月4日（5个工作日）" in printed
    assert "暂计" not in printed
    assert 'id="notice-provisional"' not in client.get(f"/notices/{notice.pk}/").content.decode()


def test_a_notice_within_an_official_year_prints_no_provisional_note(activist, client_for, tmp_path):
    notice = publish(activist)  # June 2021
    assert not notice.provisional
    assert "暂计" not in pdf_text(client_for("sec1"), notice, tmp_path)


def test_loading_the_year_recounts_an_open_notice_in_the_trail_and_lists_it_when_now_short(
    activist, client_for, load_2027
):
    notice = publish(activist, starts_on=DEC_28)

    loaded = load_2027(LONG_NEW_YEAR)  # a made-up arrangement: 4 January off too

    [recount] = loaded.recounts
    assert (recount.before, recount.after, recount.needed) == (WorkingDays(5, True), WorkingDays(4, False), 5)
    assert recount.short
    assert loaded.short == [recount]
    assert recount.url == f"/notices/{notice.pk}/"
    assert recount.label == "中共罗汉镇高桥村支部委员会 拟确定为发展对象公示 2026-12-28 至 2027-01-04"
    notice.refresh_from_db()
    assert (notice.working_days, notice.provisional) == (4, False)
    event = AuditEvent.objects.get(action="notice.recount")
    assert (event.target_id, event.org_path) == (str(notice.pk), activist.branch1.path)
    assert event.data == {"year": 2027, "working_days": [5, 4], "provisional": [True, False], "enough": False}
    page = client_for("sec1").get(f"/notices/{notice.pk}/").content.decode()
    assert 'id="notice-short"' in page
    assert "按现行节假日安排不足 5 个工作日" in page


def test_a_recount_that_leaves_enough_days_changes_only_the_provisional_mark(activist, load_2027):
    notice = publish(activist, starts_on=DEC_28)
    [recount] = load_2027().recounts
    assert (recount.after, recount.short, recount.changed) == (WorkingDays(5, False), False, True)
    notice.refresh_from_db()
    assert (notice.working_days, notice.provisional) == (5, False)
    assert AuditEvent.objects.filter(action="notice.recount").count() == 1
    [again] = load_2027().recounts  # the same file again: counted, nothing changed, nothing in the trail
    assert not again.changed
    assert AuditEvent.objects.filter(action="notice.recount").count() == 1


def test_fazhan_calendar_load_lists_the_notices_now_short(activist, tmp_path):
    publish(activist, starts_on=DEC_28)
    path = tmp_path / "2027.csv"
    path.write_text(LONG_NEW_YEAR, encoding="utf-8")
    code, out, _err = load_command(path)
    assert code == 0
    assert out.splitlines() == [
        "2027: 29 holidays, 4 make-up workdays loaded",
        "  中共罗汉镇高桥村支部委员会 拟确定为发展对象公示 2026-12-28 至 2027-01-04: "
        "5 → 4 working days  SHORT: needs 5",
        "1 open notices in 2027 recounted, 1 changed, 1 now short",
    ]


def test_the_reviewers_page_shows_the_notice_a_load_made_short(activist, client_for):
    notice = publish(activist, starts_on=DEC_28)
    upload = SimpleUploadedFile("2027.csv", LONG_NEW_YEAR.encode(), content_type="text/csv")
    response = client_for("district").post("/calendar/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="calendar-recounts"' in page
    assert f'href="/notices/{notice.pk}/"' in page
    assert "不足 5 个工作日" in page


def test_a_closed_notice_keeps_the_count_it_was_published_with(activist, load_2027, time_machine):
    time_machine.move_to(datetime.datetime(2027, 1, 20, 9, tzinfo=datetime.UTC))
    notice = publish(activist, starts_on=DEC_28)
    notice_close(actor=None, notice=notice, closed_on=datetime.date(2027, 1, 5))
    assert load_2027(LONG_NEW_YEAR).recounts == []
    notice.refresh_from_db()
    assert (notice.working_days, notice.provisional) == (5, True)
    assert not AuditEvent.objects.filter(action="notice.recount").exists()
