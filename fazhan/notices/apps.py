from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "fazhan.notices"
    verbose_name = "公示"

    def ready(self) -> None:
        # core's calendar knows no notice: told of a loaded year, it calls what the apps above registered.
        from fazhan.core.calendar import calendar_on_load
        from fazhan.notices.services import notice_feedback_guard, notice_recount_year
        from fazhan.procedure.services import step_guard_register

        calendar_on_load(notice_recount_year)
        # The step service imports no wing: an objection not yet looked into holds the person's next step
        # (NOTICE-FEEDBACK) through the guard registered here.
        step_guard_register("notices.feedback", notice_feedback_guard)
