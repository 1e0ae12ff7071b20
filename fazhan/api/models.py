from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A user's key to the JSON API. Only the SHA-256 of the token is stored: the token itself is shown once,
    when it is created, and cannot be read back. A revoked token stays, with its revocation date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=60, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # The token stops working then (settings.FAZHAN_API_TOKEN_DAYS after it was made).
    expires_at = models.DateTimeField(_("有效期至"), editable=False)
    # A read-only token reads what its user may read and writes nothing (403).
    read_only = models.BooleanField(_("只读"), default=False)
    # Made after its user gave their second factor (the page in a verified session, the command with a
    # code): a token of a role of FAZHAN_2FA_ROLES without it does not authenticate.
    second_factor = models.BooleanField(_("经两步验证"), default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class WebhookEvent(models.TextChoices):
    STEP_RECORDED = "step.recorded", _("录入步骤")
    STEP_CORRECTED = "step.corrected", _("更正步骤")
    FINDING_OPENED = "finding.opened", _("发现问题")
    FINDING_MOVED = "finding.moved", _("整改进展")
    FINDING_CLOSED = "finding.closed", _("问题关闭")


class WebhookSubscription(models.Model):
    """A connected system that is told of step and finding events in an org's subtree, each delivery signed
    with the subscription's secret (core.webhooks.signature). Kept by the system administrator; a removed
    one stays, with its removal date, beside its delivery log."""

    url = models.URLField(_("接收地址"), max_length=500)
    # The shared secret signs every body (HMAC-SHA256): it must be readable to sign, so it is kept as given
    # and shown only once, when the subscription is made.
    secret = models.CharField(max_length=200, editable=False)
    events = models.JSONField(_("事件"), default=list)
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("用途"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("事件推送订阅")
        verbose_name_plural = _("事件推送订阅")

    def __str__(self) -> str:
        return f"{self.pk} {self.url}"

    @property
    def event_labels(self) -> list[str]:
        """The events in Chinese, in their declared order."""
        return [str(WebhookEvent(e).label) for e in self.events if e in WebhookEvent.values]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class WebhookDelivery(models.Model):
    """One event for one subscription: its body as sent (signed anew at each try) and how its sending went."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries")
    uid = models.CharField(max_length=32, unique=True, editable=False)
    event = models.CharField(_("事件"), max_length=20, choices=WebhookEvent.choices)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("产生时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    response_status = models.PositiveIntegerField(_("对方应答"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    # Claimed by a sender until then (api.webhooks._claim): two senders at once (two threads, two workers)
    # never post the same delivery together; a sender that died leaves it to the next after this moment.
    sending_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("事件推送记录")
        verbose_name_plural = _("事件推送记录")
        indexes = [models.Index(fields=["status", "subscription"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.uid} {self.event} {self.status}"
