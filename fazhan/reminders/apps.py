from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "fazhan.reminders"
    verbose_name = _("待办提醒")

    def ready(self) -> None:
        # The system check that names a misconfigured channel at start-up rather than at the first send.
        from fazhan.reminders import checks  # noqa: F401
