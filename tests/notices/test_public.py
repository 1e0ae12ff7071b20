"""The public's voice (issue 15, 群众参与): anyone sends an opinion on a notice's public page without an
account, within the period, a few an hour per address, robots caught by the honeypot; what they send holds
the person's next step (PUB-OBJECTION) until the township records its finding; a founded one withholds."""

import datetime
import subprocess

import pytest
import zxingcpp
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from fazhan.auditlog.models import AuditEvent
from fazhan.interchange.selectors import interchange_export
from fazhan.notices.models import EntryResult, FeedbackChannel, NoticeFeedback
from fazhan.notices.printing import notice_pdf
from fazhan.notices.selectors import notice_public_url
from fazhan.notices.services import (
    ERR_PUBLIC_CLOSED,
    ERR_PUBLIC_RATE,
    ERR_PUBLIC_REFUSED,
    notice_close,
    notice_feedback_record,
    notice_feedback_verify,
    notice_public_submit,
)
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import StepRefused, case_record_step
from tests.notices.conftest import publish
from tests.procedure.conftest import day, legal_details, pw, walk  # noqa: F401

JUNE_3 = datetime.datetime(2021, 6, 3, 2, tzinfo=datetime.UTC)  # 10:00 in Shanghai, within June 1–7
JULY_20 = datetime.datetime(2021, 7, 20, 2, tzinfo=datetime.UTC)
OPINION = "该同志去年在村里修路时占用了集体土地，希望组织核实。"


@pytest.fixture(autouse=True)
def fresh_counters(db):
    cache.clear()  # the per-address counters live in the cache
    yield
    cache.clear()


def send(notice, *, address="203.0.113.7", text=OPINION, about=True, **kwargs):
    entry = notice.entries.get() if about else None
    return notice_public_submit(notice=notice, text=text, address=address, entry=entry, **kwargs)


def test_an_opinion_is_stored_as_public_feedback_with_no_sender_and_the_trail_keeps_no_text(
    activist, time_machine
):
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    feedback = send(notice, contact="  微信 abc123  ")
    assert (feedback.channel, feedback.received_on, feedback.recorded_by) == (
        FeedbackChannel.PUBLIC,
        datetime.date(2021, 6, 3),
        None,
    )
    assert (feedback.summary, feedback.contact, feedback.entry.name) == (OPINION, "微信 abc123", "张三")
    general = send(notice, about=False, text="建议公示时间再长一些")
    assert general.entry is None
    event = AuditEvent.objects.filter(action="notice.public_feedback").order_by("pk").first()
    assert event.data["person"] == "P0001"
    assert "集体土地" not in str(event.data)
    assert "203.0.113.7" not in str(event.data)


def test_an_opinion_needs_its_text_within_the_length_and_a_short_contact(activist, time_machine, settings):
    settings.FAZHAN_PUBLIC_OPINION_MAX_CHARS = 20
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    with pytest.raises(ValidationError) as empty:
        send(notice, text="   ")
    assert empty.value.message_dict == {"text": ["请填写意见内容。"]}
    with pytest.raises(ValidationError) as long:
        send(notice, text="长" * 21)
    assert long.value.message_dict == {"text": ["意见内容不能超过 20 字（现有 21 字）。"]}
    with pytest.raises(ValidationError) as contact:
        send(notice, text="短", contact="1" * 101)
    assert "contact" in contact.value.message_dict
    assert not NoticeFeedback.objects.exists()


def test_an_address_sends_at_most_the_settings_opinions_in_an_hour(activist, time_machine, settings):
    settings.FAZHAN_PUBLIC_OPINIONS_PER_HOUR = 2
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    send(notice)
    send(notice)
    with pytest.raises(ValidationError) as third:
        send(notice)
    assert third.value.messages == [ERR_PUBLIC_RATE]
    send(notice, address="198.51.100.9")  # another address is its own count
    time_machine.move_to(JUNE_3 + datetime.timedelta(hours=1))
    send(notice)  # the next hour
    assert NoticeFeedback.objects.count() == 4


def test_the_honeypot_filled_stores_nothing_and_counts_against_the_address(activist, time_machine, settings):
    settings.FAZHAN_PUBLIC_OPINIONS_PER_HOUR = 2
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    for _ in range(2):
        with pytest.raises(ValidationError) as robot:
            send(notice, honeypot="http://spam.example")
        assert robot.value.messages == [ERR_PUBLIC_REFUSED]
    with pytest.raises(ValidationError, match="过于频繁"):
        send(notice)
    assert not NoticeFeedback.objects.exists()


def test_after_the_period_the_service_refuses_an_opinion(activist, time_machine):
    notice = publish(activist)
    time_machine.move_to(datetime.datetime(2021, 5, 31, 2, tzinfo=datetime.UTC))
    with pytest.raises(ValidationError, match="2021-06-01 开始"):
        send(notice)
    time_machine.move_to(datetime.datetime(2021, 6, 8, 2, tzinfo=datetime.UTC))
    with pytest.raises(ValidationError) as late:
        send(notice)
    assert late.value.messages == [ERR_PUBLIC_CLOSED % {"d": "2021-06-07"}]
    assert not NoticeFeedback.objects.exists()


def s07(w):
    return case_record_step(
        actor=w.users["sec1"], case=w.case, step="S07", date=day(500), details=legal_details("S07", 0, w)
    )


def test_the_next_step_is_refused_with_the_rule_until_the_objection_has_its_finding(activist, time_machine):
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    objection = send(notice)
    time_machine.move_to(JULY_20)
    with pytest.raises(StepRefused) as refused:
        s07(activist)
    assert [f.rule for f in refused.value.findings] == ["PUB-OBJECTION"]
    text = refused.value.message_dict["date"][0]
    assert text.startswith(
        "张三 在“中共罗汉镇高桥村支部委员会 拟确定为发展对象公示 2021-06-01 至 2021-06-07”中"
    )
    assert "有 1 条群众反映尚未核实" in text
    assert text.endswith("（2018年发展党员工作通知第七部分，规则 PUB-OBJECTION）")
    assert not StepRecord.objects.filter(case=activist.case, step="S07").exists()
    # the branch does not look into what the public sent; the township does
    with pytest.raises(PermissionDenied):
        notice_feedback_verify(
            actor=activist.users["sec1"],
            feedback=objection,
            finding="unfounded",
            verification="x",
            verified_on=datetime.date(2021, 6, 7),
        )
    notice_feedback_verify(
        actor=activist.users["lh_organizer"],
        feedback=objection,
        finding="unfounded",
        verification="经查，所修道路系村民代表大会决定，不存在占地",
        verified_on=datetime.date(2021, 6, 7),
    )
    assert s07(activist).step == "S07"


def test_a_founded_objection_withholds_the_person_when_the_notice_closes(activist, time_machine):
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    objection = send(notice)
    time_machine.move_to(JULY_20)
    organizer = activist.users["lh_organizer"]
    notice_feedback_verify(
        actor=organizer,
        feedback=objection,
        finding="founded",
        verification="经实地核实，确有占用集体土地情况",
        verified_on=datetime.date(2021, 6, 8),
    )
    closed = notice_close(actor=organizer, notice=notice, closed_on=datetime.date(2021, 6, 9))
    assert closed.entries.get().result == EntryResult.WITHHELD
    assert closed.conclusion == "公示期间收到意见反映 1 件，经核实：反映属实 1 件。张三 暂缓。"


def test_the_printed_notice_carries_the_public_pages_address_as_a_qr_code(activist, tmp_path, settings):
    settings.FAZHAN_PUBLIC_BASE_URL = "https://dangjian.example.gov.cn"
    notice = publish(activist)
    url = notice_public_url(notice)
    assert url == f"https://dangjian.example.gov.cn/gs/{notice.token}/"
    assert notice.token != str(notice.pk)
    assert len(notice.token) >= 24
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(notice_pdf(notice))
    # the PDF as a printer draws it (poppler), read back by a QR decoder (zxing-cpp)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True
    )
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))]
    assert found == [url]


def test_the_public_pages_channel_cannot_be_typed_in_by_hand(activist):
    notice = publish(activist)
    with pytest.raises(ValidationError) as typed:
        notice_feedback_record(
            actor=activist.users["lh_organizer"],
            notice=notice,
            received_on=datetime.date(2021, 6, 2),
            channel=FeedbackChannel.PUBLIC,
            summary="冒充网上反映",
        )
    assert "channel" in typed.value.message_dict
    assert not NoticeFeedback.objects.exists()


def test_an_opinion_from_the_public_page_leaves_in_the_interchange_file_as_a_web_report(
    activist, time_machine
):
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    send(notice)
    reports = [r for r in interchange_export() if r["type"] == "notice_report"]
    assert [(r["person"], r["channel"], r["received_on"]) for r in reports] == [
        ("P0001", "web", "2021-06-03")
    ]
    assert OPINION not in str(reports)  # what was said does not travel
