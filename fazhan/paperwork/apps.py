from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaperworkConfig(AppConfig):
    name = "fazhan.paperwork"
    verbose_name = _("表格文书")

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.paperwork.declarations import check_declarations
        from fazhan.paperwork.models import FormTemplate

        check_declarations()

        trail_register(
            FormTemplate,
            fields=("form", "org", "sha256", "size", "uploaded_by", "uploaded_at", "active"),
            names={"form": "form", "org": "org__code"},
        )
