"""The 接口推送 page: only the system administrator opens it (and sees it in the menu); it adds a subscription
through the command's service (the secret shown once, a bad address refused at its field, nothing written),
removes one, and sends a delivery that did not arrive again — each change in the trail. The sending itself
is on a thread here, tested against a real receiver in test_webhooks.py and in a browser."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from fazhan.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from fazhan.api.pages import error_said
from fazhan.api.webhooks import ERR_RETRY_DELIVERED, delivery_retry
from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_verify
from tests.api.test_webhooks import EVERY, subscribe

URL = "/api/webhooks/"


def a_delivery(subscription, status=DeliveryStatus.FAILED, **more) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        subscription=subscription,
        uid="d" * 32,
        event="step.recorded",
        payload={"data": {}},
        status=status,
        **more,
    )


def test_only_the_system_administrator_has_the_page_and_its_menu_entry(pw, client_for):
    admin = client_for("admin").get(URL)
    assert admin.status_code == 200
    assert "接口推送" in admin.content.decode()
    for other in ("lh_organizer", "secadmin", "sec1"):
        client = client_for(other)
        assert client.get(URL).status_code == 403
        assert "接口推送" not in client.get("/api/tokens/").content.decode()
        assert (
            client.post(
                URL, {"url": "https://x.example/", "events": EVERY, "org": pw.district.pk}
            ).status_code
            == 403
        )
    assert not WebhookSubscription.objects.exists()


def test_the_administrators_landing_page_links_the_pages_outside_the_admin(pw, client_for):
    """An administrator lands on the admin's index (desk's home sends them there): it lists the pages of
    their roles that live outside the admin, 接口推送 for the system administrator only."""
    landing = client_for("admin").get("/", follow=True)
    assert landing.redirect_chain
    assert landing.redirect_chain[-1][0].rstrip("/").endswith("/admin")
    page = landing.content.decode()
    assert 'id="fazhan-pages"' in page
    assert f'href="{URL}"' in page
    assert "接口推送" in page
    other = client_for("secadmin").get("/", follow=True).content.decode()
    assert 'id="fazhan-pages"' in other
    assert f'href="{URL}"' not in other


def test_the_page_adds_a_subscription_showing_its_secret_once_in_chinese(pw, client_for):
    client = client_for("admin")
    answer = client.post(
        URL,
        {
            "name": "区档案系统",
            "url": "https://dangan.example.cn/in",
            "events": ["step.recorded", "finding.closed"],
            "org": pw.township.pk,
        },
    )
    assert answer.status_code == 302
    made = WebhookSubscription.objects.get()
    page = client.get(URL).content.decode()
    assert made.secret in page
    assert (made.url, made.events, made.org, made.created_by) == (
        "https://dangan.example.cn/in",
        ["step.recorded", "finding.closed"],
        pw.township,
        pw.users["admin"],
    )
    assert "录入步骤、问题关闭" in page
    assert "step.recorded" not in page.split('id="subscriptions"')[1]  # the events in Chinese
    again = client.get(URL).content.decode()
    assert made.secret not in again  # shown once
    assert AuditEvent.objects.filter(action="webhook.add", target_id=str(made.pk)).exists()


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [("ftp://x.example/in", ["step.recorded"], "url"), ("https://x.example/in", ["step.deleted"], "events")],
)
def test_a_bad_address_or_an_unknown_event_is_refused_at_its_field(pw, client_for, url, events, field):
    answer = client_for("admin").post(URL, {"url": url, "events": events, "org": pw.district.pk})
    assert answer.status_code == 200
    assert field in answer.context["form"].errors
    assert not WebhookSubscription.objects.exists()


def test_the_page_removes_a_subscription(pw, client_for):
    made = subscribe(pw, "https://x.example/in")
    client = client_for("admin")
    assert client_for("sec1").post(f"{URL}{made.pk}/remove/").status_code == 403
    client.post(f"{URL}{made.pk}/remove/")
    made.refresh_from_db()
    assert made.removed_at is not None
    assert "已删除（" in client.get(URL).content.decode()


def test_a_failed_delivery_is_sent_again_and_a_delivered_one_is_not(
    pw, client_for, django_capture_on_commit_callbacks
):
    made = subscribe(pw, "https://x.example/in")
    failed = a_delivery(made, attempts=5, response_status=503, error="HTTPError: HTTP Error 503: x")
    page = client_for("admin").get(URL).content.decode()
    assert "发送失败" in page
    assert "对方应答 HTTP 503" in page
    assert "重新发送" in page
    assert client_for("sec1").post(f"{URL}deliveries/{failed.pk}/retry/").status_code == 403
    with django_capture_on_commit_callbacks(execute=False) as sending:
        client_for("admin").post(f"{URL}deliveries/{failed.pk}/retry/")
    assert len(sending) == 1  # the sending, launched once the retry commits (run in test_webhooks' tests)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 5)
    retried = AuditEvent.objects.get(action="webhook.retry")
    assert retried.data["delivery"] == failed.uid
    WebhookDelivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.DELIVERED)
    with pytest.raises(ValidationError) as refused:
        delivery_retry(actor=pw.users["admin"], delivery=failed)
    assert refused.value.message_dict == {"delivery": [ERR_RETRY_DELIVERED]}


def test_the_last_error_is_said_in_chinese():
    d = WebhookDelivery(status=DeliveryStatus.PENDING, error="URLError: <urlopen error [Errno 111] refused>")
    assert error_said(d) == "无法连接接收地址"
    d.error = "TimeoutError: The read operation timed out"
    assert error_said(d) == "等待对方应答超时"
    d.response_status, d.error = 410, "HTTPError: HTTP Error 410: Gone"
    assert error_said(d) == "对方应答 HTTP 410"


def test_the_trail_seals_subscriptions_and_names_one_changed_behind_its_back(pw, client_for):
    made = subscribe(pw, "https://x.example/in")
    client_for("admin").post(f"{URL}{made.pk}/remove/")
    assert trail_verify().ok
    WebhookSubscription.objects.filter(pk=made.pk).update(
        url="https://elsewhere.example/in"
    )  # behind its back
    check = trail_verify()
    assert check.problem_count == 1
    assert f"api.webhooksubscription #{made.pk}" in str(check.problems[0].what)


def test_the_migration_seals_the_subscriptions_made_before_the_trail_held_them(pw):
    subscribe(pw, "https://x.example/in")  # a sealed event: the trail has digests already
    older = WebhookSubscription.objects.create(
        url="https://old.example/", secret="s" * 20, events=EVERY, org=pw.district
    )
    assert not trail_verify().ok  # as a subscription of before this release: no digest for it
    migration = importlib.import_module("fazhan.api.migrations.0005_seal_subscriptions")
    migration.seal_subscriptions(django_apps, None)
    assert trail_verify().ok
    sealed = AuditEvent.objects.get(action="webhook.seal")
    assert sealed.data == {"subscriptions": 2}
    assert older.pk
