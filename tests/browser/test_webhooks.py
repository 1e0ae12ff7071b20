"""The 接口推送 page in a real browser: the system administrator adds a subscription for a receiver on
loopback (the secret shown once), a step entry's delivery arrives there signed, one the receiver refused is
listed as failed with its answer, and 重新发送 delivers it."""

import re

from playwright.sync_api import Page, expect

from fazhan.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from fazhan.procedure.services import case_record_step
from tests.api.test_webhooks import receiver, sent, signed  # noqa: F401  (receiver: a fixture)
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.procedure.conftest import day, legal_details


def test_the_administrator_subscribes_sees_a_delivery_arrive_and_retries_a_refused_one(
    page: Page,
    live_server,
    browser_world,
    pw,
    receiver,  # noqa: F811
):
    receiver.answers = [200, 410, 200]  # the second event is refused (final at once), its retry taken
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/"))  # the administrator lands on 系统管理
    page.goto(f"{live_server.url}/api/tokens/")  # any page of the site carries the menu
    page.get_by_role("link", name="接口推送").click()
    page.fill("#id_name", "区档案系统")
    page.fill("#id_url", receiver.url)
    page.get_by_label("录入步骤").check()
    page.select_option("#id_org", label=pw.township.name)
    page.get_by_role("button", name="添加订阅").click()
    secret = page.locator("#new-secret").inner_text().strip()
    made = WebhookSubscription.objects.get()
    assert secret == made.secret
    assert len(secret) >= 32
    expect(page.locator("#subscriptions tbody")).to_contain_text("录入步骤")
    expect(page.locator("#subscriptions tbody")).to_contain_text(pw.township.name)
    expect(page.locator("#subscriptions tbody")).to_contain_text("推送中")

    case_record_step(actor=None, case=pw.case, step="S01", date=day(0), details={})
    sent()
    [first] = receiver.received
    assert signed(first, secret)
    page.reload()
    expect(page.locator("#new-secret")).to_have_count(0)  # shown once
    assert WebhookSubscription.objects.count() == 1  # a reload adds nothing
    row = page.locator("#deliveries tbody tr").first
    expect(row).to_contain_text("录入步骤")
    expect(row.locator(".status")).to_have_text("已送达")

    case_record_step(actor=None, case=pw.case, step="S02", date=day(10), details=legal_details("S02", 0, pw))
    sent()
    refused = WebhookDelivery.objects.order_by("-id").first()
    assert refused is not None
    assert refused.status == DeliveryStatus.FAILED
    page.reload()
    row = page.locator(f'#deliveries tr[data-delivery="{refused.pk}"]')
    expect(row.locator(".status")).to_have_text("发送失败")
    expect(row).to_contain_text("对方应答 HTTP 410")
    screenshot(page, "webhooks-refused")
    row.get_by_role("button", name="重新发送").click()
    expect(page.locator(".flash.success")).to_contain_text("已重新发送")
    sent()
    page.reload()
    row = page.locator(f'#deliveries tr[data-delivery="{refused.pk}"]')
    expect(row.locator(".status")).to_have_text("已送达")
    expect(row.get_by_role("button", name="重新发送")).to_have_count(0)
    assert len(receiver.received) == 3
    assert receiver.received[2].body == receiver.received[1].body
    assert signed(receiver.received[2], secret)
    assert re.fullmatch(r"[0-9a-f]{32}", receiver.received[2].headers["X-Fazhan-Delivery"])
    screenshot(page, "webhooks-retried")
