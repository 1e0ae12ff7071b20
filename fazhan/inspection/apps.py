from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "fazhan.inspection"
    verbose_name = _("督查与自查")
