from django.conf import settings
from django.db import models
from django.utils import timezone
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
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT
    )  # empty for reviews imported from another record

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("档案审核")
        verbose_name_plural = _("档案审核")
        constraints = [
            models.UniqueConstraint(fields=["person", "date"], name="archive_review_person_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.date}"


class Attachment(models.Model):
    """A scan of a document a step produced (definition.Step.documents), kept on disk under its SHA-256
    (archive.blobs). Never edited or deleted: a later attachment supersedes it, with a reason."""

    record = models.ForeignKey(
        "procedure.StepRecord",
        verbose_name=_("步骤记录"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    material = models.CharField(_("材料"), max_length=40)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("文件类型"), max_length=4)  # pdf | jpg | png, detected from the content
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reason = models.CharField(_("替换原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return f"{self.material} {self.original_name}"
