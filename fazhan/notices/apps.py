from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "fazhan.notices"
    verbose_name = "公示"
