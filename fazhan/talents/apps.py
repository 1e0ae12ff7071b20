from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentsConfig(AppConfig):
    name = "fazhan.talents"
    verbose_name = _("重点人才")

    def ready(self) -> None:
        # plans imports no talents (talents reads plans' quota): the plan page shows the key-talent panel
        # through the hook plans keeps for the wings that read it.
        from fazhan.plans.selectors import plan_panel_register
        from fazhan.talents.selectors import talent_plan_panel

        plan_panel_register("talents", talent_plan_panel)
