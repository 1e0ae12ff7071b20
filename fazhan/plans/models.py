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
