from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    """An org's annual plan for developing members under the district's guiding plan (PLAN-QUOTA,
    PLAN-GROUPS): the quota of admissions and the focus-group targets (interchange.md `plan`)."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quota = models.PositiveIntegerField(_("发展计划数"))
    groups = models.JSONField(_("重点群体目标"), default=dict, blank=True)

    class Meta:
        ordering = ["year", "org__path"]
        verbose_name = _("年度发展计划")
        verbose_name_plural = _("年度发展计划")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="plan_org_year_unique")]

    def __str__(self) -> str:
        return f"{self.org.code} {self.year}: {self.quota}"


class Reserve(models.Model):
    """An org's reserve plan for a year (储量计划, notice 二, RES-PLAN): the applicants, activists and
    development targets it means to hold, and the young-farmer members it means to develop (RES-YOUNG-FARMER:
    one per village every two years). Entered by the same roles as the quota and handed down the same way:
    what the orgs planned directly below hold adds up to no more than the plan above them."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="reserves"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    applicants = models.PositiveIntegerField(_("入党申请人储备数"))
    activists = models.PositiveIntegerField(_("入党积极分子储备数"))
    targets = models.PositiveIntegerField(_("发展对象储备数"))
    young_farmers = models.PositiveIntegerField(_("青年农民党员发展数"), default=0)

    class Meta:
        ordering = ["year", "org__path"]
        verbose_name = _("发展党员储量计划")
        verbose_name_plural = _("发展党员储量计划")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="reserve_org_year_unique")]

    def __str__(self) -> str:
        return f"{self.org.code} {self.year}: {self.applicants}/{self.activists}/{self.targets}"


class ReserveEntry(models.Model):
    """A case taken into the year's plan (纳入计划) by its branch or township, watched through the year
    against the reserve (储备发展，动态监管). One mark per case and year; taking it out deletes the mark
    (the trail keeps both acts)."""

    case = models.ForeignKey(
        "procedure.Case", verbose_name=_("发展档案"), on_delete=models.PROTECT, related_name="reserve_entries"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("纳入时所在党组织"), on_delete=models.PROTECT, related_name="+"
    )
    taken_on = models.DateField(_("纳入日期"))
    taken_by = models.ForeignKey(
        "accounts.User", verbose_name=_("纳入人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["year", "org__path", "pk"]
        verbose_name = _("纳入计划人员")
        verbose_name_plural = _("纳入计划人员")
        constraints = [
            models.UniqueConstraint(fields=["case", "year"], name="reserve_entry_case_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.case_id}"


class CycleStep(models.TextChoices):
    """The yearly cycle (notice 一): the base orgs' requests, the district's guiding plan, the township's
    division."""

    REQUEST = "request", _("请求已报")
    GUIDE = "guide", _("指导计划已下达")
    DIVISION = "division", _("已分解")


class CycleAct(models.Model):
    """One dated, attributable act of the yearly cycle for an org and the year planned (RES-CYCLE); recorded
    again, the latest stands (the trail keeps every one)."""

    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="cycle_acts"
    )
    year = models.PositiveSmallIntegerField(_("计划年度"))
    step = models.CharField(_("环节"), max_length=16, choices=CycleStep.choices)
    date = models.DateField(_("日期"))
    number = models.PositiveIntegerField(_("数量"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("经办人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["year", "org__path", "step"]
        verbose_name = _("年度计划环节")
        verbose_name_plural = _("年度计划环节")
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "step"], name="cycle_act_org_year_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year} {self.step}"
