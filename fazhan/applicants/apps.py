from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicantsConfig(AppConfig):
    name = "fazhan.applicants"
    verbose_name = _("网上入党申请")
