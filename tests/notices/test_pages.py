"""The notice pages: a branch secretary publishes from 公示, records and verifies what the public reports and
closes the notice; the posted notice prints as a PDF; the person page lists it; the step-7 entry form
carries its period; a notice outside the user's subtree is 404; `fazhan notices` lists them."""

import datetime
import io
import subprocess

from django.core.management import call_command
from django.test import override_settings
from PIL import Image

from fazhan.auditlog.models import AuditEvent
from fazhan.notices.models import EntryResult, Notice, NoticeFeedback
from fazhan.notices.services import notice_close
from tests.notices.conftest import CONTACT, publish


def test_a_notice_is_published_from_its_page_naming_the_chosen_candidates(activist, client_for):
    client = client_for("sec1")
    page = client.get("/notices/new/?org=SZQ-LH-01&kind=target").content.decode()
    assert f'value="{activist.case.pk}"' in page
    assert "培养满一年" in page
    response = client.post(
        "/notices/new/?org=SZQ-LH-01&kind=target",
        {"cases": [activist.case.pk], "starts_on": "2021-06-01", "ends_on": "", "contact": CONTACT},
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/notices/{notice.pk}/"
    assert notice.ends_on == datetime.date(2021, 6, 7)
    listed = client.get("/notices/").content.decode()
    assert f'href="/notices/{notice.pk}/"' in listed
    assert "5 个工作日" in listed


def test_a_short_period_is_refused_at_its_field_and_nothing_is_published(activist, client_for):
    response = client_for("sec1").post(
        "/notices/new/?org=SZQ-LH-01&kind=target",
        {"cases": [activist.case.pk], "starts_on": "2021-06-01", "ends_on": "2021-06-03", "contact": CONTACT},
    )
    assert response.status_code == 400
    field = response.content.decode().split('id="notice-field-ends_on"')[1].split("</div>")[0]
    assert "公示期仅 3 个工作日（应不少于 5 个）——确定发展对象前公示不少于5个工作日" in field
    assert "（《细则》（2014）第十三条（地方实践），规则 TGT-NOTICE）" in field
    assert not Notice.objects.exists()


def test_reports_are_recorded_verified_and_the_notice_closed_from_its_page(activist, client_for):
    notice = publish(activist)
    entry = notice.entries.get()
    client = client_for("sec1")
    added = client.post(
        f"/notices/{notice.pk}/feedback/",
        {
            "entry": entry.pk,
            "received_on": "2021-06-02",
            "channel": "letter",
            "summary": "来信反映其邻里纠纷",
        },
    )
    assert added.status_code == 302
    report = NoticeFeedback.objects.get()
    refused = client.post(f"/notices/{notice.pk}/close/", {"closed_on": "2021-06-08"})
    assert refused.status_code == 400
    assert "还有 1 条反映没有核实" in refused.content.decode()
    verified = client.post(
        f"/notices/{notice.pk}/feedback/{report.pk}/verify/",
        {
            f"v{report.pk}-finding": "unfounded",
            f"v{report.pk}-verification": "经村委会调解，纠纷已了结，与本人表现无关",
            f"v{report.pk}-verified_on": "2021-06-04",
        },
    )
    assert verified.status_code == 302
    assert client.post(f"/notices/{notice.pk}/close/", {"closed_on": "2021-06-08"}).status_code == 302
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "公示期间收到意见反映 1 件，经核实：反映不属实 1 件。" in page
    assert "来信反映其邻里纠纷" in page
    assert AuditEvent.objects.filter(action="notice.read", target_id=str(notice.pk)).exists()
    assert 'id="feedback-form"' not in page  # closed: nothing more to record
    assert notice.entries.get().result == EntryResult.PASSED


def test_a_report_dated_before_the_notice_is_said_at_its_field(activist, client_for):
    notice = publish(activist)
    response = client_for("sec1").post(
        f"/notices/{notice.pk}/feedback/",
        {"entry": "", "received_on": "2021-05-20", "channel": "phone", "summary": "x"},
    )
    assert response.status_code == 400
    field = response.content.decode().split('id="feedback-field-received_on"')[1].split("</div>")[0]
    assert "公示 2021-06-01 才开始" in field
    assert not NoticeFeedback.objects.exists()


def test_the_step_7_form_carries_the_closed_notices_period(activist, client_for):
    notice = publish(activist)
    notice_close(actor=None, notice=notice, closed_on=datetime.date(2021, 6, 8))
    form = client_for("sec1").get(f"/cases/{activist.case.pk}/step/?step=S07").content.decode()
    assert 'name="d_publicity_from" value="2021-06-01"' in form
    assert 'name="d_publicity_to" value="2021-06-07"' in form
    person = client_for("sec1").get("/people/P0001/").content.decode()
    assert 'id="person-notices"' in person
    assert "公示无异议" in person


def test_the_posted_notice_prints_with_its_title_candidates_and_period(activist, client_for, tmp_path):
    notice = publish(activist)
    response = client_for("sec1").get(f"/notices/{notice.pk}/print/")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "关于张三拟确定为发展对象的公示" in flat
    assert "公示时间：2021年6月1日至2021年6月7日（5个工作日）" in flat
    assert "中共罗汉镇高桥村支部委员会" in flat
    assert "511002" not in flat  # no ID number on a public notice
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    assert sum(image.histogram()[:128]) > 0.005 * image.width * image.height


def test_a_notice_outside_the_users_subtree_is_404_and_a_reader_may_not_act(activist, client_for):
    notice = publish(activist)
    assert client_for("yx_organizer").get(f"/notices/{notice.pk}/").status_code == 404
    assert client_for("sec2").get(f"/notices/{notice.pk}/").status_code == 404
    inspector = client_for("inspector_lh")
    page = inspector.get(f"/notices/{notice.pk}/").content.decode()
    assert 'id="feedback-form"' not in page
    refused = inspector.post(
        f"/notices/{notice.pk}/feedback/",
        {"entry": "", "received_on": "2021-06-02", "channel": "phone", "summary": "x"},
    )
    assert refused.status_code == 403
    assert client_for("inspector_lh").get("/notices/new/").status_code == 403


def test_fazhan_notices_lists_a_subtrees_notices(activist):
    publish(activist)
    out = io.StringIO()
    call_command("notices", "--org", "SZQ-LH", "--open", stdout=out)
    assert "SZQ-LH-01" in out.getvalue()
    assert "1 人" in out.getvalue()
    assert "1 notices" in out.getvalue()
    out = io.StringIO()
    call_command("notices", "--org", "SZQ-YX", stdout=out)
    assert out.getvalue().strip() == "0 notices"


def test_while_a_notice_runs_its_page_offers_no_close_but_says_from_when(activist, client_for):
    today = datetime.date.today()
    notice = publish(activist, starts_on=today)
    page = client_for("sec1").get(f"/notices/{notice.pk}/").content.decode()
    assert 'id="close-form"' not in page
    assert f"公示 {notice.ends_on.isoformat()} 期满，次日起可以办结。" in page
    assert 'id="feedback-form"' in page


def test_an_open_notice_whose_period_has_ended_is_on_the_to_do_list_until_closed(activist, client_for):
    notice = publish(activist)
    todo = client_for("sec1").get("/todo/").content.decode()
    assert 'data-kind="notice_close"' in todo
    assert "公示期满，待核实反映并办结" in todo
    assert 'data-kind="notice_close"' not in client_for("sec2").get("/todo/").content.decode()
    notice_close(actor=None, notice=notice, closed_on=datetime.date(2021, 6, 8))
    assert 'data-kind="notice_close"' not in client_for("sec1").get("/todo/").content.decode()


def test_the_notice_list_costs_the_same_queries_for_one_notice_or_many(activist, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("lh_organizer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as caught:
            assert client.get("/notices/").status_code == 200
        return len(caught.captured_queries)

    notice = publish(activist)
    one = queries()
    for k in range(3):  # closed, the case may be named again
        notice_close(actor=None, notice=notice, closed_on=notice.ends_on + datetime.timedelta(days=1))
        notice = publish(activist, starts_on=datetime.date(2021, 7, 1 + 7 * k))
    assert Notice.objects.count() == 4
    assert queries() == one


def test_the_notice_list_states_the_least_period_the_rule_declares(activist, client_for):
    client = client_for("sec1")
    assert "公示不少于5个工作日" in client.get("/notices/").content.decode()
    with override_settings(FAZHAN_PROCEDURE={"notice_working_days": 7}):
        listed = client.get("/notices/").content.decode()
    assert "公示不少于7个工作日" in listed
    assert "不少于5个工作日" not in listed
