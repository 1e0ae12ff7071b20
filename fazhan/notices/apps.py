from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "fazhan.notices"
    verbose_name = "公示"

    def ready(self) -> None:
        # core's calendar knows no notice: told of a loaded year, it calls what the apps above registered.
        from fazhan.core.calendar import calendar_on_load
        from fazhan.notices.selectors import (
            feedback_facts_by_person,
            feedback_facts_for_person,
            feedback_facts_in_subtree,
        )
        from fazhan.notices.services import notice_recount_year
        from fazhan.procedure.selectors import FactProvider, fact_provider_register

        calendar_on_load(notice_recount_year)
        # The procedure imports no wing: PUB-OBJECTION (procedure/rules/feedback.py) reads the reports the
        # public made on a notice through the fact provided here, the same at step entry (a BLOCK refusal)
        # and over the whole tree (`fazhan inspect`, which also finds a step an import wrote while one waits).
        fact_provider_register(
            "notice_feedback",
            FactProvider(
                feedback_facts_for_person, feedback_facts_by_person, in_subtree=feedback_facts_in_subtree
            ),
        )
