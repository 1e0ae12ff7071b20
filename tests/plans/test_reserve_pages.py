"""The reserve plan and the cycle on the plan page: entered through its forms by the quota's roles, refused
with Chinese messages at the field, shown against the pool; a branch sees the cycle but not the district's
doors."""

import datetime
import io

import openpyxl
from django.utils import timezone

from fazhan.core.dates import date_cn
from fazhan.plans.models import CycleAct, Reserve, ReserveEntry
from fazhan.plans.services import reserve_set
from tests.procedure.conftest import walk

NEXT = timezone.localdate().year + 1


def _reserves(world):
    reserve_set(actor=None, org=world.district, year=NEXT, applicants=20, activists=10, targets=4)
    reserve_set(actor=None, org=world.township, year=NEXT, applicants=12, activists=6, targets=2)


def test_the_township_enters_a_reserve_and_a_village_at_zero_is_refused_at_its_field(world, client_for):
    _reserves(world)
    client = client_for("lh_organizer")
    url = f"/plans/SZQ-LH/{NEXT}/reserve/set/"
    page = client.post(url, {"org": "SZQ-LH-01", "applicants": 4, "activists": 0, "targets": 1})
    assert page.status_code == 200
    html = page.content.decode()
    assert "至少常态化储备 1 名入党积极分子" in html
    assert 'id="reserve-field-activists"' in html
    assert not Reserve.objects.filter(org=world.branch1).exists()
    page = client.post(
        url, {"org": "SZQ-LH-01", "applicants": 4, "activists": 2, "targets": 1, "young_farmers": 1}
    )
    assert page.status_code == 302
    assert Reserve.objects.get(org=world.branch1).activists == 2
    html = client.get(f"/plans/SZQ-LH/{NEXT}/").content.decode()  # the quota page shows the tables too
    assert 'id="reserve-table"' in html
    assert client_for("yx_organizer").get(f"/plans/SZQ-LH/{NEXT}/reserve/").status_code == 404
    assert "入党积极分子" in html
    assert "activist" not in html.split('id="reserve-table"')[1].split("</table>")[0].replace(
        'data-stage="activist"', ""
    )


def test_a_branch_takes_a_case_in_and_requests_its_number(pw, client_for):
    _reserves(pw)
    reserve_set(actor=None, org=pw.branch1, year=NEXT, applicants=4, activists=2, targets=1, young_farmers=1)
    walk(pw, "S03")
    client = client_for("sec1")
    today = timezone.localdate()
    page = client.post(f"/plans/SZQ-LH-01/{NEXT}/reserve/take-in/", {"case": pw.case.pk, "date": today})
    assert page.status_code == 302
    assert ReserveEntry.objects.get().case == pw.case
    page = client.post(
        f"/plans/SZQ-LH-01/{NEXT}/cycle/",
        {"org": "SZQ-LH-01", "step": "request", "date": today, "number": ""},
    )
    assert "请填写请求发展的人数" in page.content.decode()
    page = client.post(
        f"/plans/SZQ-LH-01/{NEXT}/cycle/",
        {"org": "SZQ-LH-01", "step": "request", "date": today, "number": 2, "note": "储备充足"},
    )
    assert page.status_code == 302
    act = CycleAct.objects.get()
    assert (act.actor.username, act.number) == ("sec1", 2)
    assert client.get(f"/plans/SZQ-LH-01/{NEXT}/").status_code == 403  # a branch keeps no quota page
    html = client.get(f"/plans/SZQ-LH-01/{NEXT}/reserve/").content.decode()
    assert "请求已报" in html
    assert 'data-person="P0001"' in html
    assert today.strftime("%Y-%m-%d") in html
    page = client.post(
        f"/plans/SZQ-LH-01/{NEXT}/cycle/", {"org": "SZQ-LH-01", "step": "guide", "date": today}
    )
    assert page.status_code == 403
    assert client.post(f"/plans/SZQ-LH-01/{NEXT}/reserve/set/", {"org": "SZQ-LH-01"}).status_code == 403
    tomorrow = today + datetime.timedelta(days=1)
    page = client.post(
        f"/plans/SZQ-LH-01/{NEXT}/cycle/",
        {"org": "SZQ-LH-01", "step": "request", "date": tomorrow, "number": 1},
    )
    assert "日期不能晚于今天" in page.content.decode()
    assert CycleAct.objects.get().number == 2

    download = client.get(f"/plans/SZQ-LH-01/{NEXT}/reserve/?format=xlsx")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["储量计划", "纳入计划人员", "工作进度"]

    def rows(sheet):  # under the title row and the header
        return list(book[sheet].iter_rows(min_row=3, values_only=True))

    assert [c.value for c in book["储量计划"][2]] == ["阶段", "储量计划", "现有"]  # a year not yet begun
    assert rows("储量计划") == [
        ("入党申请人", 4, 0),
        ("入党积极分子", 2, 1),  # 张三 since S03
        ("发展对象", 1, 0),
        ("青年农民党员（已发展）", 1, 0),
    ]
    assert rows("纳入计划人员") == [("张三", "P0001", pw.branch1.name, date_cn(today), "入党积极分子")]
    assert rows("工作进度") == [(pw.branch1.name, f"{date_cn(today)}（2 名）", None, None, "请求已报")]


def test_the_to_do_list_warns_an_org_under_its_reserve(pw, client_for):
    year = timezone.localdate().year
    reserve_set(actor=None, org=pw.district, year=year, applicants=4, activists=2, targets=0)
    reserve_set(actor=None, org=pw.township, year=year, applicants=2, activists=1, targets=0)
    reserve_set(actor=None, org=pw.branch1, year=year, applicants=0, activists=1, targets=0)
    html = client_for("sec1").get("/todo/").content.decode()
    assert "人员储备低于储量计划" in html
    assert 'data-org="SZQ-LH-01"' in html
    assert "入党积极分子储备 1 名，现有 0 名" in html
    assert "activist" not in html.split('id="reserve-warnings"')[1].split("</table>")[0]
    assert 'id="reserve-warnings"' not in client_for("sec2").get("/todo/").content.decode()
    township = client_for("lh_organizer").get("/todo/").content.decode()
    assert 'data-org="SZQ-LH"' in township
    assert 'data-org="SZQ-LH-01"' in township
    walk(pw, "S03")
    html = client_for("sec1").get("/todo/").content.decode()
    assert 'id="reserve-warnings"' not in html
