"""Who wants the daily digest, and what was sent to whom on which day (the sends make `remind --send`
idempotent per day)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The trail's actions of this app, in one place.
ACTION_SENT = "reminder.sent"
ACTION_FAILED = "reminder.failed"
ACTION_PREFERENCE = "reminder.preference"


class ReminderPreference(models.Model):
    """A user's own choice; no row means the defaults (both on: a deadline should reach its user unless
    they decline)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    email_digest = models.BooleanField(_("每日待办邮件"), default=True)
    message_digest = models.BooleanField(_("每日待办消息（企业微信或短信）"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self) -> str:
        on = {True: "开", False: "关"}
        return f"{self.user} 邮件{on[self.email_digest]} 消息{on[self.message_digest]}"


class SendStatus(models.TextChoices):
    SENDING = "sending", _("正在发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class ReminderSend(models.Model):
    """One digest to one user over one channel on one day. The row is claimed (SENDING) before the send, so
    two runs on the same day never both send; a FAILED one is tried again by the next run, a SENDING one
    left by a crashed run is not (at most once: a doubled message is worse than a late one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    channel = models.CharField(_("渠道"), max_length=20)
    status = models.CharField(_("状态"), max_length=10, choices=SendStatus.choices)
    items = models.PositiveIntegerField(_("事项数"), default=0)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("失败原因"), max_length=500, blank=True, default="")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒发送记录")
        verbose_name_plural = _("提醒发送记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "channel"], name="reminder_send_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user} {self.channel} {self.get_status_display()}"
