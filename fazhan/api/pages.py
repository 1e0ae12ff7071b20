"""The 接口推送 page: the system administrator keeps the event subscriptions of connected systems (add, with
the secret shown once; remove) and follows their latest deliveries (status, tries, the last error), sending
one that did not arrive again. Every change goes through the services `fazhan webhooks` calls
(api.webhooks), which refuse anyone else whoever calls them; the page refuses them first."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhan.api.forms import WebhookForm
from fazhan.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from fazhan.api.webhooks import (
    ERR_ROLE,
    delivery_list,
    delivery_retry,
    webhook_add,
    webhook_list,
    webhook_remove,
)
from fazhan.core.forms import form_to_service
from fazhan.core.roles import user_is_sysadmin

SHOW_SECRET = "webhook_secret_once"  # the session key naming the subscription whose secret to show, once
LATEST = 50  # deliveries the page lists, newest first

MSG_REMOVED = "已删除订阅“%(name)s”，不再向它推送。"
MSG_RETRIED = "已重新发送推送 %(uid)s，结果见下表（刷新页面查看）。"


def _sysadmin_only(request) -> None:
    if not user_is_sysadmin(request.user):
        raise PermissionDenied(_(ERR_ROLE))


def error_said(delivery: WebhookDelivery) -> str:
    """The last try's failure in Chinese: the receiver's answer, a timeout, or no connection."""
    if delivery.status == DeliveryStatus.DELIVERED or not (delivery.error or delivery.response_status):
        return ""
    if delivery.response_status:
        return _("对方应答 HTTP %(code)s") % {"code": delivery.response_status}
    text = delivery.error.lower()
    if "timed out" in text or "timeout" in text:
        return _("等待对方应答超时")
    if not text.isascii():  # a reason of ours, already in Chinese (the subscription was removed)
        return delivery.error
    return _("无法连接接收地址")


def webhook_page(request):
    _sysadmin_only(request)
    form = WebhookForm(request.POST or None)
    made = form_to_service(
        form,
        lambda data: webhook_add(
            actor=request.user, url=data["url"], events=data["events"], org=data["org"], name=data["name"]
        ),
    )
    if made is not None:
        # Post, redirect, get: the secret is shown on the page the redirect opens, once (a reload of it does
        # not add the subscription again, nor show the secret again).
        request.session[SHOW_SECRET] = made.pk
        return redirect("webhook_list")
    shown = request.session.pop(SHOW_SECRET, None)
    created = WebhookSubscription.objects.filter(pk=shown).first() if shown and not request.POST else None
    deliveries = list(delivery_list()[:LATEST])
    for d in deliveries:
        d.error_said = error_said(d)  # type: ignore[attr-defined]
    context = {"form": form, "created": created, "subscriptions": webhook_list(), "deliveries": deliveries}
    return render(request, "api/webhooks.html", context)


@require_POST
def webhook_remove_page(request, subscription_id: int):
    _sysadmin_only(request)
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    try:
        webhook_remove(actor=request.user, subscription=subscription)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _(MSG_REMOVED) % {"name": subscription.name or subscription.url})
    return redirect("webhook_list")


@require_POST
def delivery_retry_page(request, delivery_id: int):
    _sysadmin_only(request)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    try:
        delivery_retry(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _(MSG_RETRIED) % {"uid": delivery.uid[:8]})
    return redirect("webhook_list")
