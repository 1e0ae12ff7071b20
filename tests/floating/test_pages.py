"""The floating pages: the registers (scoped, contact masked for a role that does not telephone), a record
opened and closed from the page (bad input: the field's Chinese error, nothing written), the floating-member
orgs with their members' home orgs, and the migrant-worker report with its download."""

import datetime
import io

import openpyxl

from fazhan.auditlog.models import AuditEvent
from fazhan.floating.models import FloatingRecord
from fazhan.floating.services import floating_record_close, floating_record_open
from fazhan.people.choices import PartyStatus
from fazhan.people.services import person_create
from fazhan.procedure.services import case_record_step
from tests.conftest import make_id_number, person_data
from tests.floating.conftest import THERE
from tests.procedure.conftest import walk

SINCE = datetime.date(2025, 3, 1)
OUTSIDE = "中共遵义市汇川区高坪街道双龙村支部委员会"


def flow_out(w, person=None):
    return floating_record_open(
        actor=None,
        person=person or w.p1,
        direction="out",
        place="广东省东莞市长安镇",
        since=SINCE,
        other_org=w.floating_org,
        contact="13800001234",
    )


def flow_in(w, person, *, migrant=True, since=SINCE):
    return floating_record_open(
        actor=None,
        person=person,
        direction="in",
        place="贵州省遵义市汇川区",
        since=since,
        other_org_name=OUTSIDE,
        migrant_worker=migrant,
    )


def test_the_register_shows_the_contact_to_the_secretary_and_masks_it_for_the_inspector(fo, client_for):
    flow_out(fo)
    page = client_for("sec1").get("/floating/").content.decode()
    assert "13800001234" in page
    assert THERE in page
    assert "2025年3月1日" in page
    masked = client_for("inspector_lh").get("/floating/").content.decode()
    assert "138****1234" in masked
    assert "13800001234" not in masked


def test_a_branch_sees_only_its_own_records(fo, client_for):
    flow_out(fo)
    assert "张三" not in client_for("sec2").get("/floating/").content.decode()
    record = FloatingRecord.objects.get()
    response = client_for("sec2").post(f"/floating/{record.pk}/close/", {"until": "2025-09-01"})
    assert response.status_code == 404


def test_a_record_opened_and_closed_from_the_page(fo, client_for):
    client = client_for("sec1")
    response = client.post(
        "/floating/open/",
        {
            "person": "P0001",
            "direction": "in",
            "place": "贵州省遵义市",
            "since": "2025-03-01",
            "other_org_name": OUTSIDE,
            "migrant_worker": "on",
        },
    )
    assert response.status_code == 302
    record = FloatingRecord.objects.get()
    assert (record.direction, record.migrant_worker, record.org) == ("in", True, fo.branch1)
    assert client.post(f"/floating/{record.pk}/close/", {"until": "2025-09-01"}).status_code == 302
    record.refresh_from_db()
    assert record.until == datetime.date(2025, 9, 1)


def test_bad_input_is_named_at_its_field_and_writes_nothing(fo, client_for):
    client = client_for("sec1")
    response = client.post(
        "/floating/open/",
        {
            "person": "P0001",
            "direction": "out",
            "place": "广东",
            "since": "2025-03-01",
            "other_org": "SZQ-LH-02",
        },
    )
    assert response.status_code == 400
    assert "流出人员的对方党组织须为本区的流动党员党组织" in response.content.decode()
    assert client.post("/floating/open/", {"person": "P0001", "direction": "x"}).status_code == 400
    assert not FloatingRecord.objects.exists()


def test_the_floating_org_lists_its_members_with_their_home_orgs(fo, client_for):
    flow_out(fo)
    page = client_for("lh_organizer").get("/floating/orgs/").content.decode()
    assert THERE in page
    row = page.split('data-person="P0001"')[1].split("</tr>")[0]
    assert "中共罗汉镇高桥村支部委员会" in row


def test_the_migrant_report_counts_the_workers_and_those_in_the_procedure(fo, pw, client_for):
    # 高桥村: 张三 (an activist on the legal path) and a member flowed in as migrant workers, 王五 flowed in
    # but is no migrant worker; 双河村: 李四, no case; 赵六 of 永兴镇 lies outside 罗汉镇's report.
    walk(pw, "S04")
    flow_in(fo, fo.p1)
    member = person_create(
        actor=None,
        pid="M0500",
        id_number=make_id_number(datetime.date(1985, 4, 4), 51),
        data=person_data(
            fo.branch1, name="钱七", party_status=PartyStatus.FULL, joined_on=datetime.date(2010, 7, 1)
        ),
    )
    flow_in(fo, member)
    flow_in(fo, fo.p3, migrant=False)
    flow_in(fo, fo.p2)
    flow_in(fo, fo.p_yx)
    response = client_for("lh_organizer").get("/floating/migrants/?day=2025-06-01&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True) if r and r[0]]
    header = rows.index(next(r for r in rows if r[0] == "党组织"))
    assert rows[header + 1 :] == [
        ["中共罗汉镇高桥村支部委员会", 2, 0, 1, 0, 1, 0, 1],
        ["中共罗汉镇双河村支部委员会", 1, 0, 0, 0, 0, 0, 0],
        ["合计", 3, 0, 1, 0, 1, 0, 1],
    ]
    before = client_for("lh_organizer").get("/floating/migrants/?day=2025-02-01").content.decode()
    assert "没有登记流入农民工" in before  # none had flowed in yet


def test_a_migrant_worker_in_the_procedure_is_counted_at_their_stage_on_the_day(fo, pw, client_for):
    flow_in(fo, fo.p1, since=datetime.date(2020, 1, 1))
    case_record_step(actor=None, case=pw.case, step="S01", date=datetime.date(2020, 3, 2), details={})
    page = client_for("sec1").get("/floating/migrants/?day=2020-06-01").content.decode()
    table = page.split('id="migrants"')[1]
    row = table.split("<td>中共罗汉镇高桥村支部委员会")[1].split("</tr>")[0]
    assert [c.split(">")[-1] for c in row.split("</td>")[:-1]][1:] == ["1", "1", "0", "0", "1", "0", "0"]


def test_a_branch_sees_the_floating_org_its_members_went_to_with_its_own_members_only(fo, client_for):
    flow_out(fo)  # 张三 of 高桥村
    flow_out(fo, person=fo.p2)  # 李四 of 双河村
    page = client_for("sec1").get("/floating/orgs/").content.decode()
    assert THERE in page
    assert 'data-person="P0001"' in page
    assert 'data-person="P0002"' not in page
    township = client_for("lh_organizer").get("/floating/orgs/").content.decode()
    assert 'data-person="P0002"' in township


def test_an_administrator_reads_no_floating_page_and_a_download_is_in_the_trail(fo, client_for):
    for url in ("/floating/", "/floating/orgs/", "/floating/migrants/"):
        assert client_for("admin").get(url).status_code == 403
    client_for("lh_organizer").get("/floating/migrants/?format=xlsx")
    assert AuditEvent.objects.filter(action="floating.migrants_download").count() == 1


def test_the_person_page_lists_the_persons_outflows_and_inflows_within_the_users_reach(fo, client_for):
    record = floating_record_open(
        actor=fo.users["sec1"],
        person=fo.p1,
        direction="out",
        place="广东省东莞市长安镇",
        since=datetime.date(2025, 3, 1),
        other_org=fo.floating_org,
        contact="13800001234",
    )
    floating_record_close(actor=fo.users["sec1"], record=record, until=datetime.date(2025, 9, 1), note="返乡")
    page = client_for("sec1").get(f"/people/{fo.p1.pid}/").content.decode()
    section = page[page.index('id="person-floating"') :]
    assert "流出" in section
    assert "广东省东莞市长安镇" in section
    assert "中共罗汉镇驻东莞流动党员支部委员会" in section
    assert "2025-03-01" in section
    assert "2025-09-01" in section
    assert "返乡" in section
    assert "13800001234" not in section  # the contact stays on the register
    assert 'id="person-floating"' not in client_for("sec1").get(f"/people/{fo.p2.pid}/").content.decode()
