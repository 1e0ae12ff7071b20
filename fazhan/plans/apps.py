from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "fazhan.plans"
    verbose_name = _("发展计划")

    def ready(self) -> None:
        # The step service imports no wing: the quota binds at approval through the guard plans registers.
        from fazhan.plans.services import plan_quota_guard
        from fazhan.procedure.services import step_guard_register

        step_guard_register("plans.quota", plan_quota_guard)
