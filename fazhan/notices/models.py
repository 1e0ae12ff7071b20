"""Public notices (公示): a branch or township committee names the candidates it proposes — to become
development targets before step 7 is recorded, to be admitted before the branch committee's review of step 12,
or to be converted before the step-23 meeting — for at least five working days, and records what the public
tells it in that time and how each report was looked into. Closed, a notice gives each candidate its result
and the period that the step's record carries (publicity_from / publicity_to; TGT-NOTICE judges step 7's)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.procedure.definition import Anchor, CaseStage


class NoticeKind(models.TextChoices):
    TARGET = "target", _("拟确定为发展对象")
    ADMISSION = "admission", _("拟接收为预备党员")
    CONVERSION = "conversion", _("拟转为正式党员")


# What each kind of notice is for: the stage its candidates are in, and the step whose record carries its
# period (the steps with publicity_from / publicity_to: 7 for targets, 12 — the branch committee's review
# before the pre-review — for admission, 23 for conversion).
NOTICE_STAGE = {
    NoticeKind.TARGET: CaseStage.ACTIVIST,
    NoticeKind.ADMISSION: CaseStage.TARGET,
    NoticeKind.CONVERSION: CaseStage.PROBATIONARY,
}
NOTICE_STEP = {
    NoticeKind.TARGET: Anchor.TARGET,
    NoticeKind.ADMISSION: Anchor.COMMITTEE_REVIEW,
    NoticeKind.CONVERSION: Anchor.CONVERSION_MEETING,
}


class NoticeState(models.TextChoices):
    OPEN = "open", _("公示中")
    CLOSED = "closed", _("已办结")


def public_token() -> str:
    """The public page's address: unguessable (not the pk, which counts notices), so a notice is reached only
    from its own print or QR code."""
    return secrets.token_urlsafe(18)


class Notice(models.Model):
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(_("公示事项"), max_length=20, choices=NoticeKind.choices)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    working_days = models.PositiveSmallIntegerField(_("工作日"))
    provisional = models.BooleanField(default=False)  # a year the official holiday calendar does not cover
    contact = models.CharField(_("意见反映方式"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=NoticeState.choices, default=NoticeState.OPEN)
    conclusion = models.TextField(_("公示结果"), blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    token = models.CharField(max_length=32, unique=True, default=public_token, editable=False)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ("-starts_on", "-pk")

    def __str__(self) -> str:
        return f"{self.org.name} {self.get_kind_display()} {self.starts_on}—{self.ends_on}"


class EntryResult(models.TextChoices):
    PENDING = "", _("公示中")
    PASSED = "passed", _("公示无异议")
    WITHHELD = "withheld", _("经核实暂缓")


class NoticeEntry(models.Model):
    """A candidate named in a notice, as the notice shows them: a notice is a public document, so it keeps
    the particulars it was published with."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="entries")
    case = models.ForeignKey("procedure.Case", on_delete=models.PROTECT, related_name="notice_entries")
    name = models.CharField(_("姓名"), max_length=60)
    gender = models.CharField(_("性别"), max_length=4)
    born = models.CharField(_("出生年月"), max_length=10)  # 1998.03, as notices print it
    ethnicity = models.CharField(_("民族"), max_length=10)
    education = models.CharField(_("学历"), max_length=20)
    unit = models.CharField(_("所在党支部"), max_length=200)
    result = models.CharField(_("结果"), max_length=10, choices=EntryResult.choices, blank=True)

    class Meta:
        verbose_name = _("公示对象")
        verbose_name_plural = _("公示对象")
        constraints = [models.UniqueConstraint(fields=["notice", "case"], name="notice_entry_once")]

    def __str__(self) -> str:
        return self.name


class FeedbackChannel(models.TextChoices):
    PHONE = "phone", _("来电")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    ONLINE = "online", _("网络")
    PUBLIC = "public", _("网上公示页")  # sent by the public on the notice's page, without an account
    OTHER = "other", _("其他")


class FeedbackFinding(models.TextChoices):
    UNFOUNDED = "unfounded", _("反映不属实")
    PARTLY = "partly", _("部分属实")
    FOUNDED = "founded", _("反映属实")


# A report found true, even in part, withholds the candidate it is about (暂缓).
WITHHOLDING = (FeedbackFinding.PARTLY, FeedbackFinding.FOUNDED)


class NoticeFeedback(models.Model):
    """What the public reported during a notice (an opinion, an objection), and how it was looked into."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="feedback")
    entry = models.ForeignKey(
        NoticeEntry,
        verbose_name=_("反映对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    received_on = models.DateField(_("收到日期"))
    channel = models.CharField(_("反映方式"), max_length=10, choices=FeedbackChannel.choices)
    summary = models.TextField(_("反映内容"))
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)  # optional, from the public page
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    finding = models.CharField(_("核实结论"), max_length=10, choices=FeedbackFinding.choices, blank=True)
    verification = models.TextField(_("核实情况"), blank=True)
    verified_on = models.DateField(_("核实日期"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("公示反映")
        verbose_name_plural = _("公示反映")
        ordering = ("received_on", "pk")

    def __str__(self) -> str:
        return f"{self.notice_id} {self.received_on}"

    @property
    def late(self) -> bool:
        """Received after the period ended: recorded and looked into all the same."""
        return self.received_on > self.notice.ends_on
