from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FormTemplate(models.Model):
    """A district's own DOCX for one of the declared forms (paperwork.declarations). The project's default is
    built by code and never stored; deactivating the upload reverts to it."""

    form = models.CharField(_("表格"), max_length=40)
    org = models.ForeignKey(
        "organizations.Org", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="form_templates"
    )
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件"))
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("表格模板")
        constraints = [
            models.UniqueConstraint(
                fields=["form", "org"], condition=models.Q(active=True), name="form_template_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form} @ {self.org_id}"
