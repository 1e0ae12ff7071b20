"""The training pages and `fazhan training`: the same services and selector behind a form, a download and the
console."""

import datetime
import io

import openpyxl
import pytest

from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import PersonRole
from fazhan.training.models import NegativeItem, TrainingSession
from tests.interchange.conftest import run
from tests.userfacing import bare_codes

DAY = "2021-03-15"


def post_session(client, **overrides):
    data = {
        "org": "SZQ-LH",
        "topic": "发展党员工作流程图学习",
        "date": DAY,
        "hours": "4",
        "d_secretaries": ["M0001"],
        "d_contacts": ["P0002"],
        **overrides,
    }
    return client.post("/training/new/", data)


def test_a_township_organizer_records_a_session_on_the_page(world, client_for):
    client = client_for("lh_organizer")
    assert "登记一次培训" in client.get("/training/").content.decode()
    response = post_session(client)
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    page = client.get("/training/").content.decode()
    assert "发展党员工作流程图学习" in page
    assert "高建国" in page
    assert "（党组织书记）" in page
    assert session.attendance.count() == 2


def test_bad_input_on_the_page_shows_the_field_error_in_chinese_and_writes_nothing(world, client_for):
    client = client_for("lh_organizer")
    response = post_session(client, d_contacts=["P0004"])  # 永兴镇's, outside 罗汉镇
    assert response.status_code == 200
    assert "没有人员编号为 P0004 的人员" in response.content.decode()
    response = post_session(client, hours="-1", date="2021-02-30")
    assert response.status_code == 200
    assert not TrainingSession.objects.exists()


def test_a_branch_secretary_reads_but_may_not_record(world, client_for):
    client = client_for("sec1")
    assert "登记一次培训" not in client.get("/training/").content.decode()
    assert post_session(client).status_code == 403
    assert not TrainingSession.objects.exists()


def test_the_untrained_page_and_its_workbook_give_the_same_figures(world, client_for):
    PersonRole.objects.create(person=world.m1, role="branch_secretary")  # 高建国, 高桥村, never trained
    client = client_for("lh_organizer")
    page = client.get("/training/untrained/").content.decode()
    assert 'data-org="SZQ-LH-01"' in page
    assert "高建国" in page
    response = client.get("/training/untrained/?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    counts = book["未参训统计"]
    rows = {r[0]: r[1:] for r in counts.iter_rows(min_row=3, values_only=True)}
    assert rows["中共罗汉镇高桥村支部委员会"] == (1, 1, 0, 0, 0, 0)
    assert rows["中共罗汉镇双河村支部委员会"] == (0, 0, 0, 0, 0, 0)
    people = list(book["未参训名单"].iter_rows(min_row=3, values_only=True))
    assert people == [("中共罗汉镇高桥村支部委员会", "党组织书记", "高建国", "M0001", None)]


def test_the_township_edits_its_negative_list_and_a_branch_inherits_it(world, client_for):
    client = client_for("lh_organizer")
    assert "使用通知所列各项（默认）" in client.get("/training/negative/SZQ-LH-01/").content.decode()
    items = "涉嫌违纪违法正在被调查处理\n参与赌博屡教不改的\n"
    assert client.post("/training/negative/SZQ-LH/set/", {"items": items}).status_code == 302
    keys = list(NegativeItem.objects.values_list("key", flat=True))
    assert keys == [
        "under_investigation",
        "SZQ-LH-1",
    ]  # the notice's item keeps its key, the new one gets one
    page = client.get("/training/negative/SZQ-LH-01/").content.decode()
    assert "沿用上级组织 中共罗汉镇委员会 的清单" in page
    assert "参与赌博屡教不改的" in page
    assert client.post("/training/negative/SZQ-LH/set/", {"items": "  \n"}).status_code == 200
    assert client.post("/training/negative/SZQ-LH/set/", {"inherit": "1"}).status_code == 302
    assert not NegativeItem.objects.exists()
    assert client_for("sec1").post("/training/negative/SZQ-LH-01/set/", {"items": "甲"}).status_code == 403
    assert client_for("yx_organizer").get("/training/negative/SZQ-LH-01/").status_code == 404


def test_the_console_records_a_session_and_prints_the_report(world):
    PersonRole.objects.create(person=world.m1, role="branch_secretary")
    status, out = run(
        "training", "add", "--org", "SZQ-LH", "--topic", "细则学习", "--date", DAY, "--hours", "3",
        "--attend", "M0001:branch_secretary", "--user", "lh_organizer",
    )  # fmt: skip
    assert status == 0
    assert "1 attended" in out
    assert AuditEvent.objects.filter(
        action="training.session_create", actor=world.users["lh_organizer"]
    ).exists()
    _status, out = run("training", "untrained", "--user", "lh_organizer")
    assert "中共罗汉镇高桥村支部委员会\t1/0\t0/0\t0/0" in out
    _status, out = run("training", "untrained", "--user", "lh_organizer", "--as-of", "2021-03-14")
    assert "中共罗汉镇高桥村支部委员会\t1/1\t0/0\t0/0" in out  # the day before the training
    with pytest.raises(Exception, match="只有乡镇党委组织委员"):
        run("training", "add", "--org", "SZQ-LH", "--topic", "x", "--date", DAY, "--hours", "3",
            "--attend", "M0001:contact", "--user", "sec1")  # fmt: skip
    _status, out = run("training", "negative", "show", "--org", "SZQ-LH-01")
    assert out.splitlines()[0] == "中共罗汉镇高桥村支部委员会 负面清单（通知所列（默认））"
    assert len(out.splitlines()) == 6


def test_the_session_date_cannot_be_in_the_future(world, client_for):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = post_session(client_for("lh_organizer"), date=tomorrow)
    assert "培训日期不能晚于今天" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"org": "SZQ-YX", "topic": "x", "date": DAY, "hours": "1"},  # another township's: not a choice
        {"org": "SZQ-LH", "topic": "x", "date": "junk", "hours": "NaN"},
        {"org": "SZQ-LH", "topic": "x" * 300, "date": DAY, "hours": "1e999", "d_contacts": ["\x00"]},
        {
            "org": "SZQ-LH",
            "topic": "x",
            "date": DAY,
            "hours": "2",
            "d_contacts": ["M0001"],
            "d_introducers": ["M0001"],
        },
    ],
)
def test_junk_on_the_session_form_is_no_500_and_writes_nothing(world, client_for, data):
    response = client_for("lh_organizer").post("/training/new/", data)
    assert response.status_code == 200
    assert not TrainingSession.objects.exists()


@pytest.mark.parametrize("data", [{}, {"items": "x" * 400}, {"items": "\x00"}])
def test_junk_on_the_negative_list_form_is_no_500_and_writes_nothing(world, client_for, data):
    response = client_for("lh_organizer").post("/training/negative/SZQ-LH/set/", data)
    assert response.status_code in (200, 302)
    assert not NegativeItem.objects.filter(label__startswith="xxxx").exists()


def test_the_pages_name_their_checks_in_chinese_with_the_id_only_beside(world, client_for):
    client = client_for("lh_organizer")
    sessions = client.get("/training/").content.decode()
    assert "“培养联系人、入党介绍人须参加发展党员业务培训”" in sessions
    assert bare_codes(sessions) == []
    negative = client.get("/training/negative/SZQ-LH/").content.decode()
    assert "“政治上不合格负面清单”" in negative
    assert bare_codes(negative) == []


def test_a_session_is_corrected_on_its_page_and_the_trail_keeps_what_it_said(world, client_for):
    from fazhan.auditlog.selectors import trail_verify

    client = client_for("lh_organizer")
    post_session(client)
    session = TrainingSession.objects.get()
    assert f'href="/training/{session.pk}/edit/"' in client.get("/training/").content.decode()
    form = client.get(f"/training/{session.pk}/edit/").content.decode()
    assert 'value="发展党员工作流程图学习"' in form
    assert 'value="M0001"' in form
    assert bare_codes(form) == []
    response = client.post(
        f"/training/{session.pk}/edit/",
        {
            "org": "SZQ-LH",
            "topic": "细则专题学习",
            "date": "2021-03-16",
            "hours": "3",
            "d_introducers": ["P0002"],
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.topic, session.date, str(session.hours)) == (
        "细则专题学习",
        datetime.date(2021, 3, 16),
        "3.0",
    )
    assert list(session.attendance.values_list("person__pid", "role")) == [("P0002", "introducer")]
    event = AuditEvent.objects.get(action="training.session_update")
    assert event.data["before"]["topic"] == "发展党员工作流程图学习"
    assert event.data["before"]["attendance"] == [["M0001", "branch_secretary"], ["P0002", "contact"]]
    check = trail_verify()
    assert check.ok, [p.text for p in check.problems]


def test_a_bad_correction_shows_the_field_error_and_changes_nothing(world, client_for):
    client = client_for("lh_organizer")
    post_session(client)
    session = TrainingSession.objects.get()
    response = client.post(
        f"/training/{session.pk}/edit/", {"org": "SZQ-LH", "topic": "", "date": DAY, "hours": "4"}
    )
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    session.refresh_from_db()
    assert session.topic == "发展党员工作流程图学习"
    assert session.attendance.count() == 2


def test_a_session_entered_by_mistake_is_deleted_with_its_attendance_and_the_trail_verifies(
    world, client_for
):
    from fazhan.auditlog.selectors import trail_verify

    client = client_for("lh_organizer")
    post_session(client)
    session = TrainingSession.objects.get()
    assert client.post(f"/training/{session.pk}/delete/").status_code == 302
    assert not TrainingSession.objects.exists()
    event = AuditEvent.objects.get(action="training.session_delete")
    assert event.data["topic"] == "发展党员工作流程图学习"
    assert event.data["attendance"] == [["M0001", "branch_secretary"], ["P0002", "contact"]]
    check = trail_verify()
    assert check.ok, [p.text for p in check.problems]


def test_only_who_may_record_may_correct_or_delete_and_outside_the_subtree_it_is_404(world, client_for):
    post_session(client_for("lh_organizer"))
    session = TrainingSession.objects.get()
    reader = client_for("inspector_lh")  # reads the township's trainings, records none
    assert f'id="session-{session.pk}"' in reader.get("/training/").content.decode()  # the row is listed
    assert "/edit/" not in reader.get("/training/").content.decode()
    assert reader.get(f"/training/{session.pk}/edit/").status_code == 403
    assert reader.post(f"/training/{session.pk}/delete/").status_code == 403
    other = client_for("yx_organizer")
    assert other.get(f"/training/{session.pk}/edit/").status_code == 404
    assert other.post(f"/training/{session.pk}/delete/").status_code == 404
    assert client_for("lh_organizer").get(f"/training/{session.pk}/delete/").status_code == 405
    assert TrainingSession.objects.get().attendance.count() == 2
