from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrereviewConfig(AppConfig):
    name = "fazhan.prereview"
    verbose_name = _("预审与志愿书")

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.prereview.models import FormReceipt, NumberedForm
        from fazhan.prereview.selectors import (
            form_facts_by_person,
            form_facts_for_person,
            form_facts_in_subtree,
        )
        from fazhan.prereview.services import form_mark_used_by_step
        from fazhan.procedure.selectors import FactProvider, fact_provider_register
        from fazhan.procedure.services import step_written_register

        # The step service imports no wing: it learns here what a step naming a form does to the register.
        step_written_register("prereview.form_used", form_mark_used_by_step)
        # ... and the rules read the register through the facts the wing provides.
        fact_provider_register(
            "forms",
            FactProvider(
                form_facts_for_person, form_facts_by_person, named="form", in_subtree=form_facts_in_subtree
            ),
        )

        trail_register(
            NumberedForm,
            fields=(
                *("number", "person", "issued_on", "issued_by", "status", "void_reason", "replaces"),
                *("receipt", "serial", "status_on"),
            ),
            names={"number": "number", "holder": "person__pid"},
        )
        trail_register(
            FormReceipt,
            fields=("org", "year", "prefix", "first", "last", "width", "received_on", "received_by"),
            names={"org": "org__code", "first": "first", "last": "last"},
        )
