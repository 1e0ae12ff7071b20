from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrereviewConfig(AppConfig):
    name = "fazhan.prereview"
    verbose_name = _("预审与志愿书")
