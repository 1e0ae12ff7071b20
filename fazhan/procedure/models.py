from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.procedure.definition import STEP_CHOICES, CaseStage


class ExitReason(models.TextChoices):
    """Why a case ended (interchange.md `exit`). An exit ends the case and stops its clocks (B0.3)."""

    WITHDRAWN = "withdrawn", _("本人撤回申请")
    DISQUALIFIED = "disqualified", _("取消资格")
    TRANSFERRED_OUT = "transferred_out", _("转出本系统")
    DECEASED = "deceased", _("去世")
    INVALIDATED = "invalidated", _("违规发展，不予承认")


class Case(models.Model):
    """One person's way from application to full membership (全程纪实: one file per person)."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="cases"
    )
    stage = models.CharField(_("阶段"), max_length=20, choices=CaseStage.CHOICES, default=CaseStage.APPLICANT)
    opened_on = models.DateField(_("申请日期"))
    closed_on = models.DateField(_("终止日期"), null=True, blank=True)
    exit_reason = models.CharField(_("终止原因"), max_length=20, choices=ExitReason.choices, blank=True)
    exit_note = models.CharField(_("终止说明"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("发展档案")
        verbose_name_plural = _("发展档案")
        ordering = ["-opened_on"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_stage_display()}"


class StepRecord(models.Model):
    """One entry per event. Never overwritten: a correction is a new record that supersedes this one."""

    case = models.ForeignKey(Case, verbose_name=_("发展档案"), on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(_("步骤"), max_length=3, choices=STEP_CHOICES)
    date = models.DateField(_("日期"))
    details = models.JSONField(_("内容"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True, default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.PROTECT
    )
    recorded_by_label = models.CharField(max_length=80, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    # A record an Excel ledger created (interchange.md, Excel ledgers): it holds only what a ledger row can
    # hold, which the inspection reads as procedure.md B0.10 says (LEDGER-GAP).
    from_ledger = models.BooleanField(_("台账导入"), default=False, db_default=False)
    # The ledger had no date of this step's own: it took the date of the step it follows (S05 ← S03,
    # S09 ← S07, S14 ← S13). An inferred date never supersedes a recorded one on re-import.
    date_inferred = models.BooleanField(_("日期系推定"), default=False, db_default=False)
    # Who the record was about when it was written live: the person's name and the keyed digest of their ID
    # number (people.identity.id_number_key, never the number). The district's pre-review pass keeps the
    # identity it passed, and FORM-MATCH compares the form and the branch meeting against it. Empty for
    # imported history, which FORM-MATCH then cannot judge on identity.
    person_name = models.CharField(_("录入时姓名"), max_length=60, blank=True, default="", db_default="")
    person_id_key = models.CharField(max_length=64, blank=True, editable=False, default="", db_default="")

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("步骤记录")
        verbose_name_plural = _("步骤记录")
        indexes = [models.Index(fields=["case", "step"], name="steprecord_case_step_idx")]

    def __str__(self) -> str:
        return f"{self.step} {self.date}"


class StepFinding(models.Model):
    """An ERROR or WARN finding a rule made on a record when it was entered (BLOCK ones refuse the entry)."""

    record = models.ForeignKey(StepRecord, on_delete=models.PROTECT, related_name="findings")
    rule = models.CharField(_("规则"), max_length=30)
    severity = models.CharField(_("级别"), max_length=5)
    message = models.CharField(_("说明"), max_length=300)
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("录入时发现的问题")
        verbose_name_plural = _("录入时发现的问题")

    def __str__(self) -> str:
        return f"{self.rule} {self.severity}"
