"""The province's messaging gateway as a real HTTP server on loopback: the signed JSON it receives, and a
gateway that fails, tried again with pauses, then recorded as failed."""

import hashlib
import hmac
import time

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.desk.todo import todo_for_user
from fazhan.reminders.channels import DELIVERY_HEADER, SIGNATURE_HEADER
from fazhan.reminders.models import ACTION_FAILED, ReminderSend, SendStatus
from fazhan.reminders.services import ALREADY, FAILED, SENT, reminder_preference_set, reminders_send
from tests.procedure.conftest import walk
from tests.reminders.conftest import HANG, SECRET


def _approver_with_work(pw):
    """The branch meeting held; the gateway reaches everyone with work (no address needed), so the others
    (the branch's secretary, the township organizer…) decline messages, leaving the approver's alone."""
    walk(pw, "S15")
    for name, user in pw.users.items():
        if name != "lh_approver":
            reminder_preference_set(actor=user, email_digest=True, message_digest=False)
    return pw.users["lh_approver"]


def test_the_gateway_reaches_each_user_with_work(pw, endpoint):
    walk(pw, "S15")
    outcomes = reminders_send(today=timezone.localdate())
    # the township's work after the branch meeting; the branch waits on it, with nothing to do
    with_work = {n for n, u in pw.users.items() if todo_for_user(u, today=timezone.localdate())}
    assert with_work == {"lh_organizer", "lh_approver"}
    assert {o.user.username for o in outcomes} == with_work
    assert {r.json()["user"]["username"] for r in endpoint.received} == {o.user.username for o in outcomes}


def test_the_gateway_receives_the_digest_signed_with_the_shared_secret(pw, endpoint):
    user = _approver_with_work(pw)
    today = timezone.localdate()
    [outcome] = reminders_send(today=today)
    assert (outcome.user, outcome.channel, outcome.result) == (user, "webhook", SENT)
    [request] = endpoint.received
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers[SIGNATURE_HEADER], expected)
    forged = "sha256=" + hmac.new(b"another secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] != forged
    assert request.headers[DELIVERY_HEADER] == f"{today.isoformat()}-{user.pk}"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    payload = request.json()
    assert payload["user"] == {"username": "lh_approver", "name": "lh_approver"}
    assert payload["org"] == {"code": "SZQ-LH", "name": "中共罗汉镇委员会"}
    assert payload["counts"] == {"overdue": 1, "available": 1}
    by_kind = {i.kind: i for i in todo_for_user(user, today=today)}
    assert [(p["kind"], p["group"], p["label"]) for p in payload["items"]] == [
        ("approval", "overdue", "接收预备党员待镇党委审批"),
        ("committee_talk", "available", "审批前镇党委派人谈话"),
    ]
    for item in payload["items"]:
        assert item["url"] == "https://fazhan.example.gov.cn" + by_kind[item["kind"]].form_url
        assert item["due"] == by_kind[item["kind"]].due.isoformat()
    assert "张三" not in request.body.decode()  # no person's name leaves the intranet


def test_a_failing_gateway_is_tried_three_times_with_pauses_then_recorded_as_failed(pw, endpoint):
    user = _approver_with_work(pw)
    endpoint.answers = [503]
    started = time.monotonic()
    [outcome] = reminders_send(today=timezone.localdate())
    assert time.monotonic() - started >= 0.05 + 0.1  # the pauses: the base, then twice it
    assert outcome.result == FAILED
    assert "503" in outcome.error
    assert len(endpoint.received) == 3
    send = ReminderSend.objects.get(user=user, channel="webhook")
    assert (send.status, send.attempts) == (SendStatus.FAILED, 3)
    [event] = AuditEvent.objects.filter(action=ACTION_FAILED)
    assert event.data["error"] == "HTTPError"
    assert event.data["attempts"] == 3


def test_a_gateway_that_recovers_on_the_second_try_gets_it_once(pw, endpoint):
    _approver_with_work(pw)
    endpoint.answers = [500, 200]
    [outcome] = reminders_send(today=timezone.localdate())
    assert outcome.result == SENT
    assert len(endpoint.received) == 2
    assert ReminderSend.objects.get().attempts == 2
    assert [o.result for o in reminders_send(today=timezone.localdate())] == [ALREADY]
    assert len(endpoint.received) == 2


def test_a_refusal_of_the_gateway_is_not_tried_again(pw, endpoint):
    _approver_with_work(pw)
    endpoint.answers = [400]
    [outcome] = reminders_send(today=timezone.localdate())
    assert outcome.result == FAILED
    assert len(endpoint.received) == 1


def test_the_opt_out_of_messages_is_respected(pw, endpoint):
    user = _approver_with_work(pw)
    reminder_preference_set(actor=user, email_digest=True, message_digest=False)
    assert reminders_send(today=timezone.localdate()) == []
    assert endpoint.received == []


def test_a_webhook_without_its_secret_or_an_unknown_channel_is_refused_at_start_up(settings):
    settings.FAZHAN_REMINDER_CHANNELS = ["webhook", "pigeon"]
    settings.FAZHAN_REMINDER_WEBHOOK_URL, settings.FAZHAN_REMINDER_WEBHOOK_SECRET = "http://127.0.0.1:9/", ""
    with pytest.raises(SystemCheckError, match=r"(?s)reminders\.E001.*reminders\.E002"):
        call_command("check")
    settings.FAZHAN_REMINDER_CHANNELS = ["email", "webhook"]
    settings.FAZHAN_REMINDER_WEBHOOK_SECRET = SECRET
    call_command("check")


def test_a_gateway_that_does_not_answer_in_time_is_tried_again(pw, endpoint, settings):
    _approver_with_work(pw)
    settings.FAZHAN_REMINDER_WEBHOOK_TIMEOUT = 0.2
    endpoint.answers = [HANG, 200]
    [outcome] = reminders_send(today=timezone.localdate())
    assert outcome.result == SENT
    assert len(endpoint.received) == 2
    assert ReminderSend.objects.get().attempts == 2
