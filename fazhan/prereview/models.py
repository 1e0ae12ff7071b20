from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormStatus(models.TextChoices):
    """The life of a numbered 入党志愿书 (interchange.md `form`)."""

    IN_STOCK = "in_stock", _("库存")
    ISSUED = "issued", _("已发放")
    USED = "used", _("已使用")
    VOIDED = "voided", _("已作废")
    LOST = "lost", _("已遗失")
    RETURNED = "returned", _("已收回")


# A form that still stands for its holder (FORM-ONE: at most one per person).
ACTIVE_FORM_STATUSES = (FormStatus.ISSUED, FormStatus.USED)


class FormReceipt(models.Model):
    """A range of serials the district received into stock (SZQ2018-0001 … SZQ2018-0200): the starting side
    of the register's reconciliation."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("入库单位"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    prefix = models.CharField(_("编号前缀"), max_length=30)
    first = models.PositiveIntegerField(_("起始号"))
    last = models.PositiveIntegerField(_("终止号"))
    width = models.PositiveSmallIntegerField(_("序号位数"), default=4)
    received_on = models.DateField(_("入库日期"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["year", "prefix", "first"]
        verbose_name = _("志愿书入库")
        verbose_name_plural = _("志愿书入库")

    def __str__(self) -> str:
        return f"{self.number(self.first)} … {self.number(self.last)}"

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def number(self, serial: int) -> str:
        return f"{self.prefix}{serial:0{self.width}d}"


class NumberedForm(models.Model):
    """One numbered 入党志愿书 of the district's register: 一人一本、定人定本 (FORM-ONE). The district issues
    it to a person who passed its pre-review (PRE-DISTRICT); step S14 names it (FORM-MATCH)."""

    number = models.CharField(_("志愿书编号"), max_length=40, unique=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("领用人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="numbered_forms",
    )
    issued_on = models.DateField(_("发放日期"), null=True, blank=True)
    issued_by = models.ForeignKey(
        "organizations.Org",
        verbose_name=_("发放单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=FormStatus.choices, default=FormStatus.IN_STOCK
    )
    void_reason = models.CharField(_("作废/遗失原因"), max_length=200, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替换的志愿书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    receipt = models.ForeignKey(
        FormReceipt,
        verbose_name=_("入库批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forms",
    )
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    status_on = models.DateField(_("状态日期"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("入党志愿书")
        verbose_name_plural = _("入党志愿书登记")
        constraints = [
            models.CheckConstraint(
                # A form in stock, or returned from stock, has no holder; any other has one.
                condition=models.Q(status__in=["in_stock", "returned"])
                | models.Q(person__isnull=False, issued_on__isnull=False),
                name="form_issued_has_holder",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PrereviewResult(models.TextChoices):
    """The district's written result (step S13's `result`, procedure.md A.13)."""

    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    RETURNED = "returned", _("退回补充材料")


class PrereviewBatch(models.Model):
    """A township committee's development targets sent together to the district for its pre-review
    (PRE-DISTRICT). The clock runs from the submission date."""

    township = models.ForeignKey(
        "organizations.Org", verbose_name=_("报送党委"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField(_("报送日期"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["submitted_on", "id"]
        verbose_name = _("预审批次")
        verbose_name_plural = _("预审批次")

    def __str__(self) -> str:
        return f"{self.township.code} {self.submitted_on}"


class PrereviewItem(models.Model):
    """One person of a batch and the district's result for them (recorded as their step S13)."""

    batch = models.ForeignKey(
        PrereviewBatch, verbose_name=_("预审批次"), on_delete=models.PROTECT, related_name="items"
    )
    case = models.ForeignKey(
        "procedure.Case", verbose_name=_("发展档案"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("预审结果"), max_length=10, choices=PrereviewResult.choices, blank=True)
    reason = models.CharField(_("意见"), max_length=200, blank=True)
    decided_on = models.DateField(_("预审日期"), null=True, blank=True)
    record = models.OneToOneField(
        "procedure.StepRecord",
        verbose_name=_("步骤记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("预审人员")
        verbose_name_plural = _("预审人员")
        constraints = [models.UniqueConstraint(fields=["batch", "case"], name="prereview_item_unique")]

    def __str__(self) -> str:
        return f"{self.batch} {self.case_id} {self.result or '—'}"
