"""Webhooks on the job queue (settings.FAZHAN_JOBS = "queue", as under `fazhan serve`): the step entry only
writes the delivery and its task, in its own transaction; a real `fazhan worker` process sends it. A worker
killed with SIGKILL while the receiver holds the request leaves the delivery pending, never sent twice at
once, and the next worker (which queues the dead one's task again) delivers it, signed, once the dead sender's
claim has lapsed. Over the suite's engine; `transactional_db` so the worker sees the rows."""

import os
import signal
import time

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fazhan.api.models import DeliveryStatus, WebhookDelivery
from fazhan.jobs.runner import errand_task
from fazhan.procedure.services import case_record_step
from tests.api.test_webhooks import receiver, signed, subscribe  # noqa: F401  (receiver: a fixture)
from tests.jobs.test_worker import install_keys, start_worker, wait_for  # noqa: F401  (install_keys: a fixture)
from tests.procedure.conftest import day

WORKER_TIMEOUT = 2  # seconds a try may take in the worker: its claim lapses 2 × 2 + 10 s after it began


@pytest.fixture
def queued(install_keys, transactional_db, pw, settings, monkeypatch):  # noqa: F811
    settings.FAZHAN_JOBS = "queue"
    monkeypatch.setenv("FAZHAN_WEBHOOK_TIMEOUT", str(WORKER_TIMEOUT))
    monkeypatch.setenv("FAZHAN_WEBHOOK_ATTEMPTS", "3")
    return pw


def test_a_worker_killed_while_sending_leaves_the_delivery_to_the_next_worker(
    queued,
    receiver,  # noqa: F811
    install_keys,  # noqa: F811
    tmp_path,
):
    subscribe(queued, receiver.url)
    receiver.delay = 60.0  # the receiver holds the first request: the worker is killed inside it
    began = time.monotonic()
    case_record_step(actor=None, case=queued.case, step="S01", date=day(0), details={})
    assert time.monotonic() - began < 5
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    [task] = DBTaskResult.objects.filter(task_path=errand_task.module_path)
    assert task.status == TaskResultStatus.READY  # written with the step: nothing sent in this process
    assert receiver.received == []

    first = start_worker(install_keys, tmp_path)
    try:
        wait_for(lambda: len(receiver.received) == 1, within=60, worker=first, tmp_path=tmp_path, every=0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    left = WebhookDelivery.objects.get()
    assert (left.status, left.attempts) == (DeliveryStatus.PENDING, 0)  # the try never ended
    assert left.sending_until is not None  # claimed by the dead worker, until its claim lapses
    assert DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.RUNNING

    receiver.delay = 0.0
    wait = (left.sending_until.timestamp() - time.time()) + 0.5
    time.sleep(max(0.0, wait))
    second = start_worker(install_keys, tmp_path)
    try:
        done = WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists
        wait_for(done, within=60, worker=second, tmp_path=tmp_path)
    finally:
        second.terminate()
        second.wait(30)
    delivered = WebhookDelivery.objects.get()
    assert (delivered.attempts, delivered.response_status, delivered.sending_until) == (1, 200, None)
    assert len(receiver.received) == 2
    again = receiver.received[1]
    assert signed(again)
    assert (
        again.headers["X-Fazhan-Delivery"]
        == delivered.uid
        == receiver.received[0].headers["X-Fazhan-Delivery"]
    )
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == sorted([TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL])  # the dead one, again
