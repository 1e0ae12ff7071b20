from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FloatingConfig(AppConfig):
    name = "fazhan.floating"
    verbose_name = _("流动党员和农民工")

    def ready(self) -> None:
        # The procedure imports no wing: POL-DONE's floating clause (procedure/rules/targets.py) reads the
        # records of flowing out and in through the fact provided here, the same at step entry (a BLOCK
        # refusal of the political review) and over the whole tree (`fazhan inspect`).
        from fazhan.auditlog.registry import trail_register
        from fazhan.floating.models import FloatingRecord
        from fazhan.floating.selectors import (
            floating_facts_by_person,
            floating_facts_for_person,
            floating_facts_in_subtree,
        )
        from fazhan.procedure.selectors import FactProvider, fact_provider_register

        # What POL-DONE reads of a record, sealed by the trail (the contact is left out, as a person's phone).
        trail_register(
            FloatingRecord,
            fields=("person", "direction", "org", "place", "other_org", "other_org_name", "since", "until"),
            names={"person": "person__pid", "since": "since"},
        )
        fact_provider_register(
            "floating_records",
            FactProvider(
                floating_facts_for_person, floating_facts_by_person, in_subtree=floating_facts_in_subtree
            ),
        )
