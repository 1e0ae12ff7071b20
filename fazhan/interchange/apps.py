from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterchangeConfig(AppConfig):
    name = "fazhan.interchange"
    verbose_name = _("数据交换")
