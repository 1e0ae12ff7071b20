from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "fazhan.training"
    verbose_name = _("业务培训")

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.procedure.details import FlagList, flag_list_register
        from fazhan.procedure.selectors import FactProvider, fact_provider_register
        from fazhan.training.models import Attendance, NegativeItem, TrainingSession
        from fazhan.training.selectors import (
            negative_items_of,
            negative_label,
            staff_facts_by_person,
            staff_facts_for_person,
            staff_facts_of_named,
        )

        # A session, its attendance and the negative lists carry their rows' digests in the trail
        # (verifytrail). Attendance and a list are replaced whole: the event that does it seals the rows
        # that go as gone and the new ones as written. The hours (a decimal, which the digest's recipe does
        # not take) stand in the session's event.
        trail_register(
            TrainingSession,
            fields=("org", "topic", "date", "created_by"),
            names={"org": "org__code", "date": "date"},
        )
        trail_register(
            Attendance,
            fields=("session", "person", "role"),
            names={"session": "session_id", "person": "person__pid"},
        )
        trail_register(
            NegativeItem,
            fields=("org", "key", "label", "position"),
            names={"org": "org__code", "key": "key"},
        )

        # The procedure imports no wing: TRN-STAFF (procedure/rules/staff.py) reads the trainings of the
        # contacts and introducers the steps name through the fact provided here, at step entry and over the
        # whole tree (the loader asks of_named for every person the subtree's steps name).
        fact_provider_register(
            "staff_training",
            FactProvider(
                staff_facts_for_person, staff_facts_by_person, named="pid", of_named=staff_facts_of_named
            ),
        )
        # S10's negative-list check offers the person's org's list (its own, inherited, or the notice's), and
        # every page and print that shows a ticked item reads its label here.
        flag_list_register("negative_list", FlagList(negative_items_of, negative_label))
