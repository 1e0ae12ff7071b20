from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StepKey(models.Model):
    """The `id` an interchange file gave a step record (interchange.md keys), so that the next import of the
    same file finds the record again and `supersedes` can name it."""

    key = models.CharField(_("记录编号"), max_length=80, unique=True)
    record = models.OneToOneField(
        "procedure.StepRecord", on_delete=models.PROTECT, related_name="interchange_key"
    )

    class Meta:
        verbose_name = _("步骤记录编号")
        verbose_name_plural = _("步骤记录编号")

    def __str__(self) -> str:
        return self.key


class NoticeKey(models.Model):
    """The `id` an interchange file gave a public notice (interchange.md `notice`), so that the next import
    of the same file finds it again, and an export writes the id it came in with."""

    key = models.CharField(_("公示编号"), max_length=80, unique=True)
    notice = models.OneToOneField("notices.Notice", on_delete=models.PROTECT, related_name="interchange_key")

    class Meta:
        verbose_name = _("公示编号")
        verbose_name_plural = _("公示编号")

    def __str__(self) -> str:
        return self.key


class ImportUpload(models.Model):
    """A file uploaded for import from the web, kept until it is confirmed: the confirmation re-reads this
    stored copy, never what the browser sends again. The file holds clear ID numbers, so its content is
    deleted once its import job has ended (written or failed), or a day after the upload if it was never
    confirmed (interchange.uploads); the row stays, with the file's name and SHA-256, as the sign of what was
    uploaded."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(null=True, blank=True)
    content_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入文件")
        verbose_name_plural = _("导入文件")

    def __str__(self) -> str:
        return self.filename
