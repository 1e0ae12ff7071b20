from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentsConfig(AppConfig):
    name = "fazhan.talents"
    verbose_name = _("重点人才")

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.plans.selectors import plan_panel_register
        from fazhan.talents.models import Contact, KeyPerson, KeyUnit, LeaderLink, TalentPlan
        from fazhan.talents.selectors import talent_plan_panel

        # plans imports no talents (talents reads plans' quota): the plan page shows the key-talent panel
        # through the hook plans keeps for the wings that read it.
        plan_panel_register("talents", talent_plan_panel)
        # Every mark, plan line, link and contact carries its row's digest in the trail (verifytrail).
        marks = ("category", "since", "until", "marked_by", "unmarked_by")
        trail_register(KeyUnit, fields=("org", *marks), names={"org": "org__code", "since": "since"})
        trail_register(
            KeyPerson, fields=("person", *marks), names={"person": "person__pid", "since": "since"}
        )
        trail_register(
            TalentPlan,
            fields=("org", "year", "reserved", "set_by"),
            names={"org": "org__code", "year": "year"},
        )
        trail_register(
            LeaderLink,
            fields=("key", "leader", "start", "end", "assigned_by"),
            names={"person": "key__person__pid", "leader": "leader__pid"},
        )
        trail_register(
            Contact,
            fields=("link", "date", "way", "note", "recorded_by"),
            names={"leader": "link__leader__pid", "date": "date"},
        )
