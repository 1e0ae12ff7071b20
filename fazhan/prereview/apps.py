from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrereviewConfig(AppConfig):
    name = "fazhan.prereview"
    verbose_name = _("预审与志愿书")

    def ready(self) -> None:
        # The step service imports no wing: it learns here what a step naming a form does to the register.
        from fazhan.prereview.services import form_mark_used_by_step
        from fazhan.procedure.services import step_written_register

        step_written_register("prereview.form_used", form_mark_used_by_step)
