"""The numbered-form register: ranges received into stock, issued in order, voided, lost, returned, and the
year's reconciliation (received = in stock + issued + used + voided + lost + returned)."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from fazhan.auditlog.models import AuditEvent
from fazhan.prereview.models import FormReceipt, FormStatus, NumberedForm
from fazhan.prereview.selectors import form_next_in_stock, form_reconcile
from fazhan.prereview.services import form_issue, form_range_receive, form_return, form_void
from tests.procedure.conftest import day, walk
from tests.workbooks import assert_shaped, table

RECEIVED = datetime.date(2021, 1, 5)


def receive(w, first=1, last=20, prefix="SZQ2021-", year=2021, actor="district"):
    return form_range_receive(
        actor=w.users[actor] if actor else None,
        org=w.district,
        year=year,
        prefix=prefix,
        first=first,
        last=last,
        received_on=RECEIVED,
    )


def test_a_range_is_received_into_stock_with_its_serials_and_one_audit_event(world):
    receipt = receive(world, 1, 200, prefix="SZQ2018-", year=2018)
    assert receipt.count == 200
    numbers = list(NumberedForm.objects.order_by("serial").values_list("number", flat=True))
    assert numbers[0] == "SZQ2018-0001"
    assert numbers[-1] == "SZQ2018-0200"
    assert len(numbers) == 200
    assert set(NumberedForm.objects.values_list("status", flat=True)) == {FormStatus.IN_STOCK}
    event = AuditEvent.objects.get(action="form.receive")
    assert event.data["count"] == 200
    assert event.data["first"] == "SZQ2018-0001"


def test_an_overlapping_range_is_refused_naming_the_serials_and_adds_nothing(world):
    receive(world, 1, 20)
    with pytest.raises(ValidationError) as refused:
        receive(world, 15, 30)
    message = refused.value.message_dict["first"][0]
    assert "SZQ2021-0015" in message
    assert "6 本" in message
    assert NumberedForm.objects.count() == 20
    assert FormReceipt.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prefix": "SZQ 2021"}, "prefix"),
        ({"first": 0}, "first"),
        ({"first": 10, "last": 5}, "last"),
        ({"first": 1, "last": 99999}, "last"),
        ({"year": 1999}, "year"),
    ],
)
def test_bad_ranges_are_refused_at_their_field(world, kwargs, field):
    args = {"first": 1, "last": 20, "prefix": "SZQ2021-", "year": 2021, **kwargs}
    with pytest.raises(ValidationError) as refused:
        receive(world, **args)
    assert field in refused.value.message_dict
    assert not NumberedForm.objects.exists()


def test_only_the_district_receives_and_returns(world):
    with pytest.raises(PermissionDenied):
        receive(world, actor="lh_organizer")
    receive(world, 1, 2)
    with pytest.raises(PermissionDenied):
        form_return(actor=world.users["lh_organizer"], form=NumberedForm.objects.first(), reason="多余")


def test_issue_takes_the_next_serial_from_stock(pw):
    receive(pw, 1, 5)
    assert form_next_in_stock().number == "SZQ2021-0001"
    walk(pw, "S13")  # the district's pass on day 585
    form = form_issue(actor=pw.users["district"], person=pw.p1, number="SZQ2021-0001", issued_on=day(588))
    assert form.receipt is not None
    assert form.status == FormStatus.ISSUED
    assert form.status_on == day(588)
    assert NumberedForm.objects.count() == 5  # issued from stock, not created
    assert form_next_in_stock().number == "SZQ2021-0002"


def test_a_returned_or_voided_serial_is_never_issued_again(pw):
    receive(pw, 1, 5)
    walk(pw, "S13")
    district = pw.users["district"]
    stock = NumberedForm.objects.get(number="SZQ2021-0003")
    form_return(actor=district, form=stock, reason="印刷错误，退回")
    with pytest.raises(ValidationError) as refused:
        form_issue(actor=district, person=pw.p1, number="SZQ2021-0003", issued_on=day(588))
    assert "FORM-ONE" in refused.value.message_dict["number"][0]
    first = form_issue(actor=district, person=pw.p1, number="SZQ2021-0001", issued_on=day(588))
    form_return(actor=district, form=first, reason="本人暂缓填写")
    first.refresh_from_db()
    assert first.status == FormStatus.RETURNED
    assert first.void_reason == "本人暂缓填写"
    again = form_issue(actor=district, person=pw.p1, number="SZQ2021-0002", issued_on=day(589))
    assert again.status == FormStatus.ISSUED
    with pytest.raises(ValidationError) as refused:
        form_return(actor=district, form=first, reason="再次")
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        form_return(actor=district, form=again, reason="  ")
    assert "void_reason" in refused.value.message_dict
    assert AuditEvent.objects.filter(action="form.return").count() == 2


def test_reconciliation_accounts_for_every_received_serial(pw):
    receive(pw, 1, 10)
    walk(pw, "S14")  # 张三's form SZQ2021-0001 issued from stock and used at S14
    district = pw.users["district"]
    form_return(actor=district, form=NumberedForm.objects.get(number="SZQ2021-0010"), reason="退回")
    result = form_reconcile(district, 2021, as_of=day(700))
    assert result.received == 10
    assert result.counts == {"used": 1, "in_stock": 8, "returned": 1}
    assert result.accounted == 10
    assert result.balanced
    assert result.skipped == []
    assert result.missing == []
    assert result.unreceived == []


def test_reconciliation_lists_gaps_skipped_serials_and_forms_never_received(pw):
    receive(pw, 1, 6)
    walk(pw, "S13")
    district = pw.users["district"]
    form_issue(actor=district, person=pw.p1, number="SZQ2021-0004", issued_on=day(588))
    form_void(actor=district, form=NumberedForm.objects.get(number="SZQ2021-0004"), reason="填错", lost=False)
    form_issue(actor=district, person=pw.p1, number="X-0001", issued_on=day(589))  # never received
    NumberedForm.objects.filter(number="SZQ2021-0006").delete()  # a row gone behind the system's back
    result = form_reconcile(district, 2021, as_of=day(700))
    assert result.received == 6
    assert result.counts == {"in_stock": 4, "voided": 1}
    assert not result.balanced
    assert result.accounted == 5
    assert result.missing == ["SZQ2021-0006"]
    assert result.skipped == ["SZQ2021-0001", "SZQ2021-0002", "SZQ2021-0003"]
    assert [f.number for f in result.unreceived] == ["X-0001"]


def test_reconciliation_is_the_districts(world):
    with pytest.raises(PermissionDenied):
        form_reconcile(world.users["lh_organizer"], 2021, as_of=RECEIVED)


# --- pages ---------------------------------------------------------------------------------------


def test_register_page_by_role_and_scope(pw, client_for):
    receive(pw, 1, 3)
    walk(pw, "S13")
    form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(588))
    district = client_for("district").get("/forms/").content.decode()
    assert 'data-form="SZQ2021-0002"' in district
    assert 'data-form="SZQ2021-0001"' in district
    township = client_for("lh_organizer").get("/forms/").content.decode()
    assert 'data-form="SZQ2021-0001"' in township
    assert 'data-form="SZQ2021-0002"' not in township
    assert 'data-form="SZQ2021-0001"' not in client_for("yx_organizer").get("/forms/").content.decode()
    assert client_for("sec1").get("/forms/").status_code == 403
    assert client_for("lh_organizer").get("/forms/reconcile/2021/").status_code == 403
    stock = NumberedForm.objects.get(number="SZQ2021-0002")
    assert (
        client_for("yx_organizer").post(f"/forms/{stock.pk}/return/", {"void_reason": "x"}).status_code == 404
    )
    assert (
        client_for("lh_organizer").post(f"/forms/{stock.pk}/return/", {"void_reason": "x"}).status_code == 404
    )


def test_register_filters_and_excel(pw, client_for):
    receive(pw, 1, 3)
    walk(pw, "S13")
    form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(588))
    client = client_for("district")
    issued = client.get("/forms/?status=issued").content.decode()
    assert 'data-form="SZQ2021-0001"' in issued
    assert 'data-form="SZQ2021-0002"' not in issued
    by_name = client.get("/forms/?q=张三").content.decode()
    assert 'data-form="SZQ2021-0001"' in by_name
    assert 'data-form="SZQ2021-0003"' not in by_name
    assert client.get("/forms/?year=abc").status_code == 200
    book = load_workbook(io.BytesIO(client.get("/forms/?status=in_stock&format=xlsx").content))
    assert_shaped(book.active, title="入党志愿书登记簿")
    rows = table(book.active)
    assert [r[0] for r in rows[1:]] == ["SZQ2021-0002", "SZQ2021-0003"]
    assert "511002" not in str(rows)  # no ID numbers in the download


def test_receive_and_return_through_the_page_with_field_errors(world, client_for):
    client = client_for("district")
    data = {"year": "2021", "number_prefix": "SZQ2021-", "first": "1", "last": "5", "width": "4"}
    response = client.post("/forms/receive/", {**data, "received_on": "2021-01-05"})
    assert response.status_code == 302
    assert NumberedForm.objects.count() == 5
    again = client.post("/forms/receive/", {**data, "first": "5", "last": "9", "received_on": "2021-01-05"})
    assert again.status_code == 200
    assert "SZQ2021-0005" in again.content.decode()
    assert NumberedForm.objects.count() == 5
    bad = client.post("/forms/receive/", {**data, "number_prefix": "坏 前缀", "received_on": "2021-01-05"})
    assert 'id="receive-field-number_prefix"' in bad.content.decode()
    assert bad.context["receive_form"].errors["number_prefix"]  # the service calls it prefix
    assert "has-error" in bad.content.decode()
    assert client_for("lh_organizer").post("/forms/receive/", data).status_code == 403
    stock = NumberedForm.objects.get(number="SZQ2021-0005")
    missing = client.post(f"/forms/{stock.pk}/return/", {"void_reason": ""})
    assert missing.status_code == 200
    assert 'id="return-errors"' in missing.content.decode()
    assert client.post(f"/forms/{stock.pk}/return/", {"void_reason": "多余"}).status_code == 302
    stock.refresh_from_db()
    assert stock.status == FormStatus.RETURNED


def test_reconciliation_page_and_excel_show_the_arithmetic(pw, client_for):
    receive(pw, 1, 4)
    walk(pw, "S14")
    client = client_for("district")
    page = client.get("/forms/reconcile/2021/").content.decode()
    assert '<tr data-row="received"><th>入库</th><td>4</td>' in page
    assert '<tr data-row="used"><th>已使用</th><td>1</td>' in page
    download = client.get("/forms/reconcile/2021/?format=xlsx")
    assert "filename*=utf-8''" + quote("2021年入党志愿书核对.xlsx") in download["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["核对", "异常编号"]  # one table per sheet
    assert_shaped(book["核对"], title="2021年入党志愿书核对")
    assert table(book["异常编号"])[0] == ("类别", "编号")
    rows = {r[0]: r[1] for r in table(book["核对"])[1:]}
    assert (rows["入库"], rows["库存"], rows["已使用"], rows["合计"], rows["平衡"]) == (4, 3, 1, 4, "是")
    assert client.get("/forms/reconcile/1800/").status_code == 404


def test_person_page_offers_the_next_serial_in_stock(pw, client_for):
    receive(pw, 7, 9)
    walk(pw, "S13")
    page = client_for("district").get("/people/P0001/").content.decode()
    assert 'value="SZQ2021-0007"' in page


def test_a_form_issued_after_a_void_records_what_it_replaces(pw, client_for):
    receive(pw, 1, 3)
    walk(pw, "S13")
    district = client_for("district")
    first = form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(588))
    response = district.post("/people/P0001/form/void/", {"void_reason": "填写错误", "lost": ""})
    assert response.status_code == 302
    response = district.post(
        "/people/P0001/form/issue/", {"number": "SZQ2021-0002", "issued_on": day(589).isoformat()}
    )
    assert response.status_code == 302
    second = NumberedForm.objects.get(number="SZQ2021-0002")
    assert second.replaces == first
    assert AuditEvent.objects.filter(action="form.issue").last().data["replaces"] == "SZQ2021-0001"
