from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    """What a job does; jobs.work names the function that does it."""

    INSPECTION = "inspection.run", _("检查")
    IMPORT = "interchange.import", _("导入")
    REPORT = "inspection.report", _("自查报告")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未完成")


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    """A long piece of work started from a page and run on a thread of the web process (jobs.runner): what
    it is, how far it got, and what it produced or why it failed, so the user can leave and come back."""

    kind = models.CharField(_("任务"), max_length=40, choices=JobKind.choices)
    title = models.CharField(_("内容"), max_length=200)
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the work needs, as the web request found it (primary keys, dates as text).
    params = models.JSONField(default=dict)
    state = models.CharField(_("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    message = models.CharField(_("进度"), max_length=300, blank=True)
    done = models.PositiveIntegerField(null=True, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The last sign of life of the thread running it: a job that stays active without one is interrupted.
    progress_at = models.DateTimeField(default=timezone.now)
    result_url = models.CharField(max_length=200, blank=True)
    # A document the work made (a report), kept under MEDIA_ROOT and downloaded from the job's page.
    output = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    output_name = models.CharField(_("文件名"), max_length=200, blank=True)
    error = models.TextField(_("原因"), blank=True)
    # The same work asked for again (kind, org, starter, params): at most one such job is active at a time,
    # so a second click on a start button finds the first job rather than starting the work twice.
    key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [models.Index(fields=["-created_at"], name="job_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(key=""),
                name="job_one_active_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int | None:
        if self.done is None or not self.total:
            return None
        return min(100, self.done * 100 // self.total)
