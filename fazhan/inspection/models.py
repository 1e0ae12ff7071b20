from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InspectionRun(models.Model):
    """One run of every rule over an org's subtree, judging the records as they stood on `as_of`."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("检查范围"), on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(_("检查基准日"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.PROTECT
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cases = models.PositiveIntegerField(_("档案数"), default=0)
    records = models.PositiveIntegerField(_("步骤记录数"), default=0)
    found = models.PositiveIntegerField(_("问题数"), default=0)
    opened = models.PositiveIntegerField(_("新发现"), default=0)
    closed = models.PositiveIntegerField(_("已整改关闭"), default=0)
    # A run as of today judges the current record: it opens, keeps and closes findings for rectification. A
    # run as of a past day is a snapshot of how the record stood then; its findings are its own.
    tracks = models.BooleanField(_("用于整改跟踪"), default=True)
    # The two sections of the self-inspection report the org writes itself (inspection.report): kept with
    # the run, written through services.run_report_text_save, each change in the trail.
    report_practice = models.TextField(_("主要做法"), blank=True)
    report_next_steps = models.TextField(_("下一步打算"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("检查")
        verbose_name_plural = _("检查")

    def __str__(self) -> str:
        return f"{self.org.code} {self.as_of}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    ASSIGNED = "assigned", _("已交办")
    EXPLAINED = "explained", _("已说明")
    CORRECTED = "corrected", _("已更正")
    VERIFIED = "verified", _("已核实")
    CLOSED = "closed", _("已关闭")


class Finding(models.Model):
    """A rule broken in the record, kept from the run that first found it until a run no longer finds it.

    `key` (rule, person, step record — the first of its correction chain —, org) matches it across runs. A
    finding seen again after it was closed is a new row with the same key, so each row is one unbroken span
    of runs and its history (FindingEvent) stays with it.
    """

    key = models.CharField(max_length=40, db_index=True)
    rule = models.CharField(_("规则"), max_length=30, db_index=True)
    severity = models.CharField(_("级别"), max_length=5)
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    step = models.CharField(_("步骤"), max_length=3, blank=True)
    record = models.ForeignKey(
        "procedure.StepRecord",
        verbose_name=_("步骤记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.TextField(_("问题"))
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    first_run = models.ForeignKey(InspectionRun, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(InspectionRun, on_delete=models.PROTECT, related_name="+")
    closed_run = models.ForeignKey(
        InspectionRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("整改状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    explanation = models.TextField(_("情况说明"), blank=True)
    correction = models.ForeignKey(
        "procedure.StepRecord",
        verbose_name=_("更正记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["org__path", "rule", "id"]
        verbose_name = _("检查发现的问题")
        verbose_name_plural = _("检查发现的问题")
        indexes = [models.Index(fields=["key", "closed_run"], name="finding_key_open_idx")]

    def __str__(self) -> str:
        return f"{self.rule} {self.org_id} {self.person_id or ''}"


class FindingEvent(models.Model):
    """One step in a finding's history: found, assigned, explained, corrected, verified, closed by a run."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(_("操作"), max_length=20)
    note = models.TextField(_("说明"), blank=True)
    run = models.ForeignKey(InspectionRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.action}"
