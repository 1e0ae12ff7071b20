from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    OUT = "out", _("流出")
    IN = "in", _("流入")


class FloatingRecord(models.Model):
    """One spell of a person living away from their 户籍 (home) place (notice 五): flowed out of an org of the
    district (to where, since when, contact, the floating-member party org there if any), or flowed in from
    elsewhere (the home org, inside the district or outside it). Kept by the org the person belongs to in
    this system (`org`: the home branch for an outflow, the inflow org for an inflow); open until the person
    returns or moves on (`until`). A migrant worker (农民工) flowing in is marked on the inflow record: the
    inflow org is to develop members among them."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="floating_records"
    )
    direction = models.CharField(_("流向"), max_length=3, choices=Direction.choices)
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("登记党组织"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("流入地或流出地"), max_length=200)
    other_org = models.ForeignKey(
        "organizations.Org",
        verbose_name=_("对方党组织（本区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="floating_records_there",
    )
    other_org_name = models.CharField(_("对方党组织（区外）"), max_length=120, blank=True)
    contact = models.CharField(_("联系方式"), max_length=40, blank=True)
    migrant_worker = models.BooleanField(_("农民工"), default=False)
    since = models.DateField(_("流动开始日期"))
    until = models.DateField(_("流动结束日期"), null=True, blank=True)
    close_note = models.CharField(_("结束说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-since", "pk"]
        verbose_name = _("流动登记")
        verbose_name_plural = _("流动登记")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="floating_until_after_since",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(until__isnull=True), name="floating_one_open_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.direction} {self.since}"
