from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "fazhan.plans"
    verbose_name = _("发展计划")
