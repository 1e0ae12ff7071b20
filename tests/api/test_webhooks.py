"""Event webhooks against a real HTTP server on loopback: a step or a finding's move is POSTed, once the
transaction commits, signed with the subscription's secret; a receiver that fails or is down never breaks the
step entry, and the delivery log says what happened and is tried again."""

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from fazhan.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from fazhan.api.webhooks import webhook_add, webhook_remove
from fazhan.auditlog.models import AuditEvent
from fazhan.inspection.models import Finding
from fazhan.inspection.services import finding_explain
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_record_step, step_correct
from tests.inspection.test_pages import late_talk, start
from tests.procedure.conftest import day, legal_details

SECRET = "a-shared-secret-of-the-district"
EVERY = ["step.recorded", "step.corrected", "finding.opened", "finding.moved", "finding.closed"]


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    answers: list[int] = field(default_factory=lambda: [200])  # each request's status in turn; last repeats
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(dict(self.headers.items()), body))
            self.send_response(state.answers[min(len(state.received), len(state.answers)) - 1])
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/fazhan-events"
    settings.FAZHAN_WEBHOOK_TIMEOUT = 5
    settings.FAZHAN_WEBHOOK_ATTEMPTS = 3
    yield state
    server.shutdown()
    server.server_close()


def subscribe(w, url, events=EVERY, org=None):
    return webhook_add(
        actor=w.users["admin"],
        url=url,
        events=events,
        org=org or w.district,
        name="区档案系统",
        secret=SECRET,
    )


def signed(received: Received, secret: str = SECRET) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers["X-Fazhan-Signature"], expected)


def test_a_step_entered_through_the_api_is_posted_signed_after_it_commits(
    pw, receiver, api_for, django_capture_on_commit_callbacks
):
    subscription = subscribe(pw, receiver.url)
    api = api_for("sec1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(f"/api/v1/cases/{pw.case.pk}/steps", {"step": "S01", "date": "2020-03-02"})
        assert response.status_code == 201
        assert receiver.received == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    record = StepRecord.objects.get(case=pw.case, step="S01")
    [got] = receiver.received
    assert signed(got)
    assert not signed(got, "another secret")
    delivery = WebhookDelivery.objects.get()
    assert got.headers["X-Fazhan-Event"] == "step.recorded"
    assert got.headers["X-Fazhan-Delivery"] == delivery.uid
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert abs(int(got.headers["X-Fazhan-Timestamp"]) - time.time()) < 60
    body = got.json()
    assert body["version"] == 1
    assert body["event"] == "step.recorded"
    assert body["data"] == {
        "record": record.pk,
        "case": pw.case.pk,
        "person": "P0001",
        "org": "SZQ-LH-01",
        "step": "S01",
        "date": "2020-03-02",
        "supersedes": None,
        "findings": [],
    }
    assert "张三" not in got.body.decode()  # names and ID numbers stay in the record
    assert (delivery.subscription, delivery.status, delivery.attempts) == (
        subscription,
        DeliveryStatus.DELIVERED,
        1,
    )
    assert delivery.response_status == 200


def test_a_correction_is_step_corrected_naming_the_record_it_supersedes(
    pw, receiver, django_capture_on_commit_callbacks
):
    first = case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    subscribe(pw, receiver.url, events=["step.corrected"])
    with django_capture_on_commit_callbacks(execute=True):
        case_record_step(
            actor=None, case=pw.case, step="S02", date=day(10), details=legal_details("S02", 0, pw)
        )
        corrected = step_correct(
            actor=pw.users["sec1"], record=first, date=day(1), details={}, reason="日期抄错"
        )
    [got] = receiver.received  # the S02 was step.recorded, which this subscription does not take
    assert got.json()["event"] == "step.corrected"
    assert got.json()["data"]["record"] == corrected.pk
    assert got.json()["data"]["supersedes"] == first.pk
    assert got.json()["data"]["date"] == day(1).isoformat()


def test_a_failing_receiver_never_breaks_the_step_and_the_delivery_is_tried_again(
    pw, receiver, api_for, django_capture_on_commit_callbacks, capsys
):
    subscribe(pw, receiver.url)
    receiver.answers = [503, 200]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("sec1").post(
            f"/api/v1/cases/{pw.case.pk}/steps", {"step": "S01", "date": "2020-03-02"}
        )
    assert response.status_code == 201
    assert StepRecord.objects.filter(case=pw.case, step="S01").exists()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.PENDING, 1, 503)
    assert "503" in delivery.error
    call_command("webhooks", "retry")
    assert "delivered 1, failed 0" in capsys.readouterr().out
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.DELIVERED,
        2,
        200,
    )
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body  # the same event, the same delivery id
    assert (
        receiver.received[0].headers["X-Fazhan-Delivery"] == receiver.received[1].headers["X-Fazhan-Delivery"]
    )


def test_a_receiver_that_is_down_is_logged_and_given_up_after_the_last_try(
    pw, settings, django_capture_on_commit_callbacks
):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subscribe(pw, f"http://127.0.0.1:{port}/gone")
    settings.FAZHAN_WEBHOOK_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    call_command("webhooks", "retry")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert "Connection refused" in delivery.error or "URLError" in delivery.error


def test_a_4xx_answer_is_final_at_once(pw, receiver, django_capture_on_commit_callbacks):
    subscribe(pw, receiver.url)
    receiver.answers = [410]
    with django_capture_on_commit_callbacks(execute=True):
        case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.FAILED, 1, 410)


def test_findings_opened_and_moved_reach_the_subscriptions_over_their_org(
    pw, receiver, django_capture_on_commit_callbacks
):
    subscribe(pw, receiver.url, events=["finding.opened", "finding.moved"])
    elsewhere = subscribe(pw, receiver.url + "/yx", org=pw.township2)  # 永兴镇: not 罗汉镇's findings
    late_talk(pw)  # S01 on day 0, the talk on day 50: APP-TALK
    with django_capture_on_commit_callbacks(execute=True):
        start(pw)
    finding = Finding.objects.get(rule="APP-TALK")
    opened = [r.json() for r in receiver.received if r.json()["data"]["finding"] == finding.pk]
    assert [o["event"] for o in opened] == ["finding.opened"]
    data = opened[0]["data"]
    assert (data["rule"], data["org"], data["person"], data["status"], data["action"]) == (
        "APP-TALK",
        "SZQ-LH-01",
        "P0001",
        "open",
        "found",
    )
    assert all(signed(r) for r in receiver.received)
    before = len(receiver.received)
    with django_capture_on_commit_callbacks(execute=True):
        finding_explain(actor=pw.users["sec1"], finding=finding, explanation="谈话记录日期抄错")
    [moved] = receiver.received[before:]
    assert moved.json()["event"] == "finding.moved"
    assert (moved.json()["data"]["action"], moved.json()["data"]["status"]) == ("explained", "explained")
    assert not WebhookDelivery.objects.filter(subscription=elsewhere).exists()


def test_only_the_system_administrator_keeps_subscriptions_and_bad_input_names_its_field(pw, receiver):
    with pytest.raises(PermissionDenied):
        webhook_add(actor=pw.users["lh_organizer"], url=receiver.url, events=EVERY, org=pw.district)
    with pytest.raises(ValidationError) as bad_url:
        webhook_add(actor=pw.users["admin"], url="ftp://x.example/", events=EVERY, org=pw.district)
    assert "url" in bad_url.value.message_dict
    with pytest.raises(ValidationError) as bad_event:
        webhook_add(actor=pw.users["admin"], url=receiver.url, events=["step.deleted"], org=pw.district)
    assert "step.deleted" in bad_event.value.message_dict["events"][0]
    assert not WebhookSubscription.objects.exists()
    made = subscribe(pw, receiver.url)
    with pytest.raises(PermissionDenied):
        webhook_remove(actor=pw.users["sec1"], subscription=made)
    webhook_remove(actor=pw.users["admin"], subscription=made)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="webhook.")] == [
        "webhook.add",
        "webhook.remove",
    ]


def test_the_webhooks_command_adds_lists_and_removes(
    pw, receiver, capsys, django_capture_on_commit_callbacks
):
    call_command("webhooks", "add", receiver.url, "--events", "step.recorded", "--org", "SZQ-LH")
    out = capsys.readouterr().out
    made = WebhookSubscription.objects.get()
    assert f"secret (shown once): {made.secret}" in out
    assert made.events == ["step.recorded"]
    assert made.org == pw.township
    call_command("webhooks", "list")
    assert f"{made.pk}  active  SZQ-LH  {receiver.url}  step.recorded" in capsys.readouterr().out
    call_command("webhooks", "remove", str(made.pk))
    with django_capture_on_commit_callbacks(execute=True):
        case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    assert receiver.received == []  # removed: nothing sent
    with pytest.raises(CommandError, match="events"):
        call_command("webhooks", "add", receiver.url, "--events", "nothing")
