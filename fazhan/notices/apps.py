from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "fazhan.notices"
    verbose_name = "公示"

    def ready(self) -> None:
        # core's calendar knows no notice: told of a loaded year, it calls what the apps above registered.
        from fazhan.core.calendar import calendar_on_load
        from fazhan.notices.services import notice_recount_year

        calendar_on_load(notice_recount_year)
