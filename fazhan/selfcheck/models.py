from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SelfCheckTask(models.Model):
    """The district's self-inspection task (2018 notice 七): every township under it inspects its development
    work over the period and hands its report in by the due date. One assignment per township, made with
    it."""

    district = models.ForeignKey(
        "organizations.Org", verbose_name=_("布置单位"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("任务名称"), max_length=120)
    period_from = models.DateField(_("自查期间起"))
    period_to = models.DateField(_("自查期间止"))
    due_on = models.DateField(_("上报截止日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("布置人"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("布置时间"), default=timezone.now)

    class Meta:
        ordering = ["-due_on", "-id"]
        verbose_name = _("自查任务")
        verbose_name_plural = _("自查任务")

    def __str__(self) -> str:
        return self.title


class AssignmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    PREPARED = "prepared", _("已准备")
    HANDED_IN = "handed_in", _("已上报")
    RETURNED = "returned", _("已退回")


class SelfCheckAssignment(models.Model):
    """One township's part of a task: its state (services.ASSIGNMENT_MOVES), the inspection run its report is
    prepared from and the two texts it writes itself."""

    task = models.ForeignKey(SelfCheckTask, on_delete=models.PROTECT, related_name="assignments")
    township = models.ForeignKey(
        "organizations.Org", verbose_name=_("乡镇党委"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.NOT_STARTED
    )
    run = models.ForeignKey(
        "inspection.InspectionRun",
        verbose_name=_("自查检查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("自查情况"), blank=True)
    rectification = models.TextField(_("整改措施和下一步打算"), blank=True)
    prepared_at = models.DateTimeField(_("准备时间"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("准备人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["task", "township__path"]
        verbose_name = _("乡镇自查")
        verbose_name_plural = _("乡镇自查")
        constraints = [
            models.UniqueConstraint(fields=["task", "township"], name="selfcheck_one_per_township"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.township_id}"


class SelfCheckSubmission(models.Model):
    """One hand-in (上报): the report as it was that moment, frozen as its DOCX, so a later edit of the record
    or of the texts does not change what the district received. A return keeps the row and says why."""

    assignment = models.ForeignKey(SelfCheckAssignment, on_delete=models.PROTECT, related_name="submissions")
    run = models.ForeignKey("inspection.InspectionRun", on_delete=models.PROTECT, related_name="+")
    handed_in_at = models.DateTimeField(_("上报时间"), default=timezone.now)
    handed_in_on = models.DateField(_("上报日期"))
    handed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("自查情况"))
    rectification = models.TextField(_("整改措施和下一步打算"))
    findings = models.PositiveIntegerField(_("问题数"), default=0)
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("报告文件"))
    sha256 = models.CharField(max_length=64)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.TextField(_("退回理由"), blank=True)

    class Meta:
        ordering = ["assignment", "handed_in_at", "id"]
        verbose_name = _("上报的自查报告")
        verbose_name_plural = _("上报的自查报告")

    def __str__(self) -> str:
        return self.filename
