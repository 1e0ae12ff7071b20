"""The public page of a notice (issue 15): reached without a login by its token, never by its pk, showing
the notice as it is posted and nothing more; its opinion form keeps CSRF and says when it is closed. What it
brings in is the township's to read (masked for the branch), on the township's to-do list, and on the printed
公示情况登记表."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from fazhan.accounts.models import Role
from fazhan.accounts.services import role_assign, user_create
from fazhan.auditlog.models import AuditEvent
from fazhan.notices.models import FeedbackChannel, NoticeFeedback
from fazhan.notices.services import notice_close, notice_feedback_verify, notice_public_submit
from tests.conftest import PASSWORD
from tests.notices.conftest import CONTACT, publish

OPINION = "该同志在村里红白喜事上大操大办，群众有看法。"


@pytest.fixture(autouse=True)
def fresh_counters(db):
    cache.clear()
    yield
    cache.clear()


def running(w):
    """A notice whose period runs today."""
    return publish(w, starts_on=datetime.date.today())


def test_the_public_page_needs_no_login_and_shows_the_notice_as_posted(activist):
    notice = running(activist)
    page = Client().get(f"/gs/{notice.token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "关于张三拟确定为发展对象的公示" in text
    for shown in ("张三", "男", "1998.03", "中共罗汉镇高桥村支部委员会", CONTACT, 'id="public-form"'):
        assert shown in text
    assert "P0001" not in text
    assert "汉族" not in text
    assert 'name="viewport"' in text
    assert Client().get(f"/gs/{notice.pk}/").status_code == 404
    assert Client().get(f"/notices/{notice.pk}/").status_code == 302  # the rest still wants a login


def test_a_clerk_who_still_owes_the_second_factor_reads_the_public_page_as_anyone(activist):
    """A real login of a 2FA role that has not enrolled yet opens no intranet page, but the public's page of a
    notice (the same the public reads on a phone) is not the intranet: it opens, and so does its form."""
    notice = running(activist)
    user = user_create(actor=None, username="newcomer", password=PASSWORD, is_admin=False)
    role_assign(actor=None, user=user, role=Role.TOWNSHIP_APPROVER, org=activist.township)
    client = Client()
    client.post("/accounts/login/", {"username": "newcomer", "password": PASSWORD})
    assert client.get("/todo/")["Location"] == "/accounts/2fa/enrol/"
    page = client.get(f"/gs/{notice.token}/")
    assert page.status_code == 200
    assert 'id="public-form"' in page.content.decode()


def test_an_opinion_is_sent_with_the_csrf_token_and_the_page_thanks_the_sender(activist):
    notice = running(activist)
    entry = notice.entries.get()
    client = Client(enforce_csrf_checks=True)
    url = f"/gs/{notice.token}/"
    form = {"entry": entry.pk, "text": OPINION, "contact": "", "website": ""}
    assert client.post(url, form).status_code == 403  # no token, no opinion
    client.get(url)
    sent = client.post(url, {**form, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert sent.status_code == 302
    assert sent["Location"] == url + "?sent=1"
    assert 'id="public-sent"' in client.get(sent["Location"]).content.decode()
    feedback = NoticeFeedback.objects.get()
    assert (feedback.channel, feedback.entry, feedback.summary) == (FeedbackChannel.PUBLIC, entry, OPINION)
    empty = Client().post(url, {**form, "text": ""})
    assert empty.status_code == 400
    assert "请填写意见内容" in empty.content.decode()
    robot = Client().post(url, {**form, "website": "http://spam.example"})
    assert robot.status_code == 400
    assert "提交未被受理" in robot.content.decode()
    assert NoticeFeedback.objects.count() == 1


def test_behind_the_proxy_each_sender_is_counted_by_the_address_nginx_saw_in_one_shared_count(
    activist, settings
):
    """deploy/'s nginx sends every request from 127.0.0.1: the count is by the address it wrote (a forged
    X-Forwarded-For adds nothing), and it is kept in the database every worker of `fazhan serve` reads."""
    settings.FAZHAN_PROXY_COUNT = 1
    settings.FAZHAN_PUBLIC_OPINIONS_PER_HOUR = 1
    notice = running(activist)
    url = f"/gs/{notice.token}/"
    form = {"entry": notice.entries.get().pk, "text": OPINION, "contact": "", "website": ""}

    def post(forwarded):
        return Client().post(url, form, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert post("203.0.113.7").status_code == 302
    refused = post("1.2.3.4, 203.0.113.7")  # the same sender, a forged entry before it: refused
    assert refused.status_code == 400
    assert "过于频繁" in refused.content.decode()
    assert post("198.51.100.9").status_code == 302  # another sender behind the same proxy
    assert NoticeFeedback.objects.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM fazhan_cache")
        assert cursor.fetchone()[0] >= 2  # the counts are rows of the shared table, not a worker's memory


def test_after_the_period_the_page_says_it_is_closed_and_a_post_is_refused(activist):
    notice = publish(activist)  # 2021-06-01 to 2021-06-07
    url = f"/gs/{notice.token}/"
    page = Client().get(url).content.decode()
    assert 'id="public-closed"' in page
    assert 'id="public-form"' not in page
    assert "本次公示已于 2021年6月7日 结束" in page
    refused = Client().post(url, {"text": OPINION, "entry": "", "contact": "", "website": ""})
    assert refused.status_code == 400
    assert "不再受理网上意见" in refused.content.decode()
    assert not NoticeFeedback.objects.exists()


def test_what_the_public_sent_is_the_townships_to_read_and_to_do(activist, client_for):
    notice = running(activist)
    entry = notice.entries.get()
    feedback = notice_public_submit(notice=notice, text=OPINION, address="203.0.113.7", entry=entry)
    detail = f"/notices/{notice.pk}/"
    township = client_for("lh_organizer").get(detail).content.decode()
    assert OPINION in township
    assert f'id="verify-{feedback.pk}"' in township
    branch = client_for("sec1").get(detail).content.decode()
    assert OPINION not in branch
    assert "（网上反映，内容仅镇党委可见）" in branch
    assert f'id="verify-{feedback.pk}"' not in branch
    assert AuditEvent.objects.filter(action="notice.read").count() == 2
    todo = client_for("lh_organizer").get("/todo/").content.decode()
    row = todo.split('data-kind="notice_objection"')[1].split("</tr>")[0]
    assert "公示反映待核实" in row
    assert "张三" in row
    assert f'href="/notices/{notice.pk}/#feedback-{feedback.pk}"' in row
    assert 'data-kind="notice_objection"' not in client_for("sec1").get("/todo/").content.decode()
    notice_feedback_verify(
        actor=activist.users["lh_organizer"],
        feedback=feedback,
        finding="unfounded",
        verification="经走访，系按村规民约办理",
        verified_on=datetime.date.today(),
    )
    assert 'data-kind="notice_objection"' not in client_for("lh_organizer").get("/todo/").content.decode()


def test_the_notice_prints_with_its_register_of_reports_and_findings(activist, client_for):
    notice = publish(activist)
    feedback = NoticeFeedback.objects.create(
        notice=notice,
        entry=notice.entries.get(),
        received_on=datetime.date(2021, 6, 2),
        channel=FeedbackChannel.PUBLIC,
        summary=OPINION,
    )
    organizer = activist.users["lh_organizer"]
    notice_feedback_verify(
        actor=organizer,
        feedback=feedback,
        finding="partly",
        verification="经核实，婚宴规模超出村规民约",
        verified_on=datetime.date(2021, 6, 7),
    )
    notice_close(actor=organizer, notice=notice, closed_on=datetime.date(2021, 6, 8))
    url = f"/notices/{notice.pk}/print/register/"
    html = client_for("lh_organizer").get(url + "?format=html").content.decode()
    register = html.split('id="register"')[1]
    assert "公示情况登记表" in register
    for shown in (OPINION, "网上公示页", "经核实，婚宴规模超出村规民约", "部分属实", "张三（经核实暂缓）"):
        assert shown in register
    assert "公示期间收到意见反映 1 件，经核实：部分属实 1 件。张三 暂缓。" in register
    assert "关于张三拟确定为发展对象的公示" in html.split('id="register"')[0]  # the notice comes first
    branch = client_for("sec1").get(url + "?format=html").content.decode()
    assert OPINION not in branch
    assert "（网上反映，内容仅镇党委可见）" in branch
    pdf = client_for("lh_organizer").get(url)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
