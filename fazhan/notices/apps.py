from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "fazhan.notices"
    verbose_name = "公示"

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.core.calendar import calendar_on_load
        from fazhan.notices.models import Notice, NoticeEntry, NoticeFeedback
        from fazhan.notices.selectors import (
            feedback_facts_by_person,
            feedback_facts_for_person,
            feedback_facts_in_subtree,
        )
        from fazhan.notices.services import notice_recount_year
        from fazhan.procedure.selectors import FactProvider, fact_provider_register

        # core's calendar knows no notice: told of a loaded year, it calls what the apps above registered.
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

        # A notice carries its row's digest in the trail (verifytrail): what it published, its count of
        # working days, its close and conclusion. Every writer's event targets the notice as it stands.
        trail_register(
            Notice,
            fields=(
                *("org", "kind", "starts_on", "ends_on", "working_days", "provisional", "contact"),
                *("state", "closed_on", "conclusion", "created_by"),
            ),
            names={"org": "org__code", "from": "starts_on"},
        )
        # Its entries (the candidates as published, and each one's result at the close) and the reports
        # the public made, with how each was looked into: sealed by the notice's events that write them (an
        # import's events target each report and entry it writes). A report's contact is left out, as a
        # person's phone.
        trail_register(
            NoticeEntry,
            fields=(
                *("notice", "case", "name", "gender", "born", "ethnicity", "education", "unit"),
                "result",
            ),
            names={"notice": "notice_id", "person": "case__person__pid"},
        )
        trail_register(
            NoticeFeedback,
            fields=(
                *("notice", "entry", "received_on", "channel", "summary", "recorded_by", "recorded_at"),
                *("finding", "verification", "verified_on", "verified_by"),
            ),
            names={"notice": "notice_id", "received_on": "received_on"},
        )
