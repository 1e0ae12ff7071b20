from django.db import models
from django.utils.translation import gettext_lazy as _


class ArchiveReview(models.Model):
    """The township's review of a member's file against the checklist (ARC-REVIEW), with the material codes
    found missing (interchange.md `archive_review`). Never edited: a later review supersedes by date."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="archive_reviews"
    )
    date = models.DateField(_("审核日期"))
    reviewer = models.ForeignKey(
        "organizations.Org", verbose_name=_("审核单位"), on_delete=models.PROTECT, related_name="+"
    )
    missing = models.JSONField(_("缺少材料"), default=list, blank=True)
    location = models.CharField(_("存放位置"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("档案审核")
        verbose_name_plural = _("档案审核")
        constraints = [
            models.UniqueConstraint(fields=["person", "date"], name="archive_review_person_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.date}"
