from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "fazhan.plans"
    verbose_name = _("发展计划")

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.plans.models import CycleAct, Reserve, ReserveEntry
        from fazhan.plans.services import plan_quota_guard
        from fazhan.procedure.services import step_guard_register

        # The step service imports no wing: the quota binds at approval through the guard plans registers.
        step_guard_register("plans.quota", plan_quota_guard)
        # A reserve plan, each case taken into the year's plan and each act of the yearly cycle carry their
        # row's digest in the trail (verifytrail). A reserve entry is taken out by deleting it: the event
        # that takes it out seals it as gone.
        trail_register(
            Reserve,
            fields=("org", "year", "applicants", "activists", "targets", "young_farmers"),
            names={"org": "org__code", "year": "year"},
        )
        trail_register(
            ReserveEntry,
            fields=("case", "year", "org", "taken_on", "taken_by"),
            names={"person": "case__person__pid", "year": "year"},
        )
        trail_register(
            CycleAct,
            fields=("org", "year", "step", "date", "number", "note", "actor"),
            names={"org": "org__code", "year": "year", "step": "step"},
        )
