import datetime
import io
import re
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from fazhan.archive.models import ArchiveReview
from fazhan.archive.selectors import completeness_missing, person_completeness
from fazhan.archive.services import (
    ERR_NOT_CONVERTED,
    ERR_REVIEW_SAME_DAY,
    archive_review_record,
    attachment_add,
)
from fazhan.auditlog.models import AuditEvent
from fazhan.people.services import person_create
from fazhan.procedure.definition import ARCHIVE_CORE
from fazhan.procedure.services import case_open, case_record_step
from tests.archive.conftest import png_bytes, upload
from tests.conftest import make_id_number, person_data
from tests.procedure.conftest import day, next_offset, walk
from tests.workbooks import assert_shaped, table

AFTER = day(next_offset("S25") + 10)


def test_a_review_prefills_the_missing_items_from_the_completeness_matrix(pw):
    done = walk(pw)
    attachment_add(
        actor=pw.users["sec1"], record=done["S01"][0], material="application", upload=upload(png_bytes())
    )
    attachment_add(
        actor=pw.users["sec1"],
        record=done["S14"][0],
        material="volunteer_form",
        upload=upload(png_bytes("red")),
    )
    review = archive_review_record(
        actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, location="镇档案室2号柜"
    )
    assert "application" not in review.missing
    assert "volunteer_form" not in review.missing
    assert set(ARCHIVE_CORE) - {"application", "volunteer_form"} <= set(review.missing)
    assert review.reviewer == pw.township
    assert review.reviewed_by == pw.users["lh_organizer"]
    event = AuditEvent.objects.get(action="archive.review")
    assert event.data["missing"] == review.missing


def test_the_reviewer_may_confirm_a_different_list(pw):
    walk(pw)
    review = archive_review_record(
        actor=pw.users["lh_approver"], person=pw.p1, date=AFTER, missing=["publicity"]
    )
    assert review.missing == ["publicity"]


def test_a_review_before_conversion_is_refused(pw):
    walk(pw, "S23")
    with pytest.raises(ValidationError) as refused:
        archive_review_record(actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, missing=[])
    assert refused.value.message_dict == {"person": [ERR_NOT_CONVERTED]}
    assert not ArchiveReview.objects.exists()


def test_an_unknown_material_code_is_refused_at_the_missing_field(pw):
    walk(pw)
    with pytest.raises(ValidationError) as refused:
        archive_review_record(actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, missing=["passport"])
    assert list(refused.value.message_dict) == ["missing"]


def test_a_review_dated_before_the_conversion_is_refused_at_the_date(pw):
    walk(pw)
    with pytest.raises(ValidationError) as refused:
        archive_review_record(
            actor=pw.users["lh_organizer"], person=pw.p1, date=day(next_offset("S24") - 1), missing=[]
        )
    assert list(refused.value.message_dict) == ["date"]


def test_a_review_is_never_edited_a_later_one_supersedes_it(pw, client_for):
    walk(pw)
    archive_review_record(actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, missing=["publicity"])
    with pytest.raises(ValidationError) as refused:
        archive_review_record(actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, missing=[])
    assert refused.value.message_dict == {"date": [ERR_REVIEW_SAME_DAY]}
    later = AFTER + datetime.timedelta(days=30)
    archive_review_record(
        actor=pw.users["lh_organizer"], person=pw.p1, date=later, missing=[], location="柜3"
    )
    assert ArchiveReview.objects.count() == 2
    html = client_for("lh_organizer").get("/archive/register/?org=SZQ-LH").content.decode()
    row = html.split('data-person="P0001"')[1].split("</tr>")[0]
    assert later.isoformat() in row
    assert "柜3" in row
    assert "公示材料" not in row


def test_a_branch_secretary_cannot_sign_a_file_off(pw):
    walk(pw)
    with pytest.raises(PermissionDenied):
        archive_review_record(actor=pw.users["sec1"], person=pw.p1, date=AFTER, missing=[])


def test_the_review_form_is_prefilled_and_records_the_sign_off(pw, client_for):
    walk(pw)
    client = client_for("lh_organizer")
    form = client.get("/archive/people/P0001/").content.decode().split('id="review-form"')[1]
    checked = set(re.findall(r'name="missing" value="(\w+)"[^>]*checked', form))
    assert checked == set(completeness_missing(person_completeness(pw.p1)))
    assert set(ARCHIVE_CORE) <= checked  # nothing attached yet
    response = client.post(
        "/archive/people/P0001/review/",
        {"date": AFTER.isoformat(), "missing": ["application", "political_review"], "location": "镇档案室"},
    )
    assert response.status_code == 302
    review = ArchiveReview.objects.get()
    assert review.missing == ["application", "political_review"]
    assert review.location == "镇档案室"


def test_the_review_form_shows_a_bad_date_at_its_field(pw, client_for):
    walk(pw)
    response = client_for("lh_organizer").post(
        "/archive/people/P0001/review/", {"date": "2019-02-30", "location": "镇档案室"}
    )
    assert response.status_code == 400
    assert 'id="review-field-date"' in response.content.decode()
    assert not ArchiveReview.objects.exists()


def test_the_register_lists_converted_members_and_filters_the_unreviewed(pw, client_for):
    walk(pw)
    client = client_for("lh_organizer")
    html = client.get("/archive/register/?org=SZQ-LH&unreviewed=1").content.decode()
    assert 'data-person="P0001"' in html
    assert "未审核" in html
    archive_review_record(actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, location="镇档案室")
    assert (
        'data-person="P0001"' not in client.get("/archive/register/?org=SZQ-LH&unreviewed=1").content.decode()
    )
    html = client.get("/archive/register/?org=SZQ-LH").content.decode()
    assert 'data-person="P0001"' in html
    assert "镇档案室" in html


def test_a_member_not_yet_converted_is_not_on_the_register(pw, client_for):
    walk(pw, "S23")
    html = client_for("lh_organizer").get("/archive/register/?org=SZQ-LH").content.decode()
    assert 'data-person="P0001"' not in html


def test_the_register_downloads_as_excel(pw, client_for):
    walk(pw)
    archive_review_record(
        actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, missing=["publicity"], location="柜1"
    )
    response = client_for("lh_organizer").get("/archive/register/?org=SZQ-LH&format=xlsx")
    assert response.status_code == 200
    assert quote("档案审核登记-中共罗汉镇委员会-") in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert_shaped(sheet, title="中共罗汉镇委员会档案审核登记")
    assert sheet["D3"].number_format == 'yyyy"年"m"月"d"日"'  # the conversion date
    rows = table(sheet)
    assert rows[0][:4] == ("姓名", "人员编号", "所在党支部", "转正日期")
    assert rows[1][0] == "张三"
    assert rows[1][1] == "P0001"
    assert rows[1][7] == "公示材料"
    assert rows[1][8] == "柜1"


def test_the_register_of_another_township_is_404(pw, client_for):
    walk(pw)
    assert client_for("yx_organizer").get("/archive/register/?org=SZQ-LH").status_code == 404
    html = client_for("yx_organizer").get("/archive/register/").content.decode()
    assert 'data-person="P0001"' not in html


def test_a_branch_secretary_sees_the_register_of_the_branch(pw, client_for):
    walk(pw)
    html = client_for("sec1").get("/archive/register/").content.decode()
    assert 'data-person="P0001"' in html
    assert client_for("sec2").get("/archive/register/?org=SZQ-LH-01").status_code == 404


def test_the_register_costs_the_same_queries_for_one_file_or_many(pw, client_for):
    walk(pw)
    client = client_for("lh_organizer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/archive/register/?org=SZQ-LH").status_code == 200
        return len(captured.captured_queries)

    one = queries()
    archive_review_record(actor=pw.users["lh_organizer"], person=pw.p1, date=AFTER, missing=[])
    # a second converted member, with the same history
    other = person_create(
        actor=None,
        pid="P0009",
        id_number=make_id_number(datetime.date(1996, 1, 1), 51),
        data=person_data(pw.branch2, name="孙七"),
    )
    case = case_open(actor=None, person=other, opened_on=pw.case.opened_on)
    for r in pw.case.steps.order_by("date", "id"):  # the same history, entered as history (no rule refuses)
        case_record_step(actor=None, case=case, step=r.step, date=r.date, details=r.details, enforce=False)
    html = client.get("/archive/register/?org=SZQ-LH").content.decode()
    assert 'data-person="P0009"' in html
    assert queries() == one


@pytest.mark.parametrize("code", ["\x00", "SZQ-LH'--", "NOPE", "SZQ-YX"])
def test_a_bad_or_foreign_org_code_for_the_register_is_404(pw, client_for, code):
    assert client_for("sec1").get("/archive/register/", {"org": code}).status_code == 404


def test_no_org_code_opens_the_register_of_the_users_own_subtree(pw, client_for):
    html = client_for("yx_organizer").get("/archive/register/", {"org": ""}).content.decode()
    assert "中共永兴镇委员会" in html.split('id="register-org"')[1].split("</select>")[0]
