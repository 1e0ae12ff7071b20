"""Event webhooks against a real HTTP server on loopback: a step or a finding's move is POSTed, once the
transaction commits and off the request (here on the thread of FAZHAN_JOBS = "thread"; the queue's worker in
test_webhook_worker.py), signed with the subscription's secret; a receiver that is slow, fails or is down
never holds up or breaks the step entry, and the delivery log says what happened and is tried again.

The sending runs on its own thread and connection, so these tests need `transactional_db` (tw): the thread
cannot see the rows of a test wrapped in a transaction."""

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
from django.db import transaction

from fazhan.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from fazhan.api.webhooks import webhook_add, webhook_remove
from fazhan.auditlog.models import AuditEvent
from fazhan.inspection.models import Finding
from fazhan.inspection.services import finding_explain
from fazhan.jobs.runner import jobs_join
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
    delay: float = 0.0  # seconds the receiver takes before it answers
    answered: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)  # ends every delay at once


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(dict(self.headers.items()), body))
            state.released.wait(state.delay)
            self.send_response(state.answers[min(len(state.received), len(state.answers)) - 1])
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            state.answered.set()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/fazhan-events"
    settings.FAZHAN_WEBHOOK_TIMEOUT = 5
    settings.FAZHAN_WEBHOOK_ATTEMPTS = 3
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def tw(transactional_db, pw):
    """The procedure world in a database the sending thread can see."""
    return pw


def sent(within: float = 20.0) -> None:
    """Wait for the sending threads of this process to end."""
    jobs_join(within)


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


def test_a_step_entered_through_the_api_returns_at_once_and_is_posted_signed_after(tw, receiver, api_for):
    subscription = subscribe(tw, receiver.url)
    receiver.delay = 3.0  # a slow receiver: each answer takes three seconds
    api = api_for("sec1")
    began = time.monotonic()
    response = api.post(f"/api/v1/cases/{tw.case.pk}/steps", {"step": "S01", "date": "2020-03-02"})
    took = time.monotonic() - began
    assert response.status_code == 201
    assert not receiver.answered.is_set()  # the entry answered before the receiver did
    assert took < receiver.delay, f"the step entry took {took:.2f} s: it waited for the receiver"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)  # not answered yet
    assert receiver.answered.wait(15)
    sent()
    assert time.monotonic() - began >= 3.0  # it arrived after the step entry had answered
    record = StepRecord.objects.get(case=tw.case, step="S01")
    [got] = receiver.received
    assert signed(got)
    assert not signed(got, "another secret")
    delivery.refresh_from_db()
    assert got.headers["X-Fazhan-Event"] == "step.recorded"
    assert got.headers["X-Fazhan-Delivery"] == delivery.uid
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert abs(int(got.headers["X-Fazhan-Timestamp"]) - time.time()) < 60
    body = got.json()
    assert body["version"] == 1
    assert body["event"] == "step.recorded"
    assert body["data"] == {
        "record": record.pk,
        "case": tw.case.pk,
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


def test_nothing_is_sent_before_the_commit_nor_for_a_transaction_rolled_back(tw, receiver):
    subscribe(tw, receiver.url)
    pending = []

    def entry_that_fails_after_the_hook():
        with transaction.atomic():
            case_record_step(actor=None, case=tw.case, step="S01", date=day(0), details={})
            pending.append(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count())
            raise RuntimeError("the step entry fails after the hook ran")

    with pytest.raises(RuntimeError):
        entry_that_fails_after_the_hook()
    assert pending == [1]
    sent()
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_correction_is_step_corrected_naming_the_record_it_supersedes(tw, receiver):
    first = case_record_step(actor=None, case=tw.case, step="S01", date=day(0), details={})
    subscribe(tw, receiver.url, events=["step.corrected"])
    case_record_step(actor=None, case=tw.case, step="S02", date=day(10), details=legal_details("S02", 0, tw))
    corrected = step_correct(actor=tw.users["sec1"], record=first, date=day(1), details={}, reason="日期抄错")
    sent()
    [got] = receiver.received  # the S02 was step.recorded, which this subscription does not take
    assert got.json()["event"] == "step.corrected"
    assert got.json()["data"]["record"] == corrected.pk
    assert got.json()["data"]["supersedes"] == first.pk
    assert got.json()["data"]["date"] == day(1).isoformat()


def test_a_failing_receiver_never_breaks_the_step_and_the_delivery_is_tried_again(
    tw, receiver, api_for, capsys
):
    subscribe(tw, receiver.url)
    receiver.answers = [503, 200]
    response = api_for("sec1").post(
        f"/api/v1/cases/{tw.case.pk}/steps", {"step": "S01", "date": "2020-03-02"}
    )
    assert response.status_code == 201
    sent()
    assert StepRecord.objects.filter(case=tw.case, step="S01").exists()
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


def test_a_receiver_that_is_down_is_logged_and_given_up_after_the_last_try(tw, settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subscribe(tw, f"http://127.0.0.1:{port}/gone")
    settings.FAZHAN_WEBHOOK_ATTEMPTS = 2
    case_record_step(actor=None, case=tw.case, step="S01", date=day(0), details={})
    sent()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    call_command("webhooks", "retry")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert "Connection refused" in delivery.error or "URLError" in delivery.error


def test_a_4xx_answer_is_final_at_once(tw, receiver):
    subscribe(tw, receiver.url)
    receiver.answers = [410]
    case_record_step(actor=None, case=tw.case, step="S01", date=day(0), details={})
    sent()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.FAILED, 1, 410)


def test_findings_opened_and_moved_reach_the_subscriptions_over_their_org(tw, receiver):
    pw = tw
    subscribe(pw, receiver.url, events=["finding.opened", "finding.moved"])
    elsewhere = subscribe(pw, receiver.url + "/yx", org=pw.township2)  # 永兴镇: not 罗汉镇's findings
    late_talk(pw)  # S01 on day 0, the talk on day 50: APP-TALK
    start(pw)
    sent()
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
    finding_explain(actor=pw.users["sec1"], finding=finding, explanation="谈话记录日期抄错")
    sent()
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


def test_the_webhooks_command_adds_lists_and_removes(pw, receiver, capsys):
    call_command("webhooks", "add", receiver.url, "--events", "step.recorded", "--org", "SZQ-LH")
    out = capsys.readouterr().out
    made = WebhookSubscription.objects.get()
    assert f"secret (shown once): {made.secret}" in out
    assert made.events == ["step.recorded"]
    assert made.org == pw.township
    call_command("webhooks", "list")
    assert f"{made.pk}  active  SZQ-LH  {receiver.url}  step.recorded" in capsys.readouterr().out
    call_command("webhooks", "remove", str(made.pk))
    case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    assert not WebhookDelivery.objects.exists()  # removed: nothing to send
    with pytest.raises(CommandError, match="events"):
        call_command("webhooks", "add", receiver.url, "--events", "nothing")
