from django.apps import AppConfig


class ProcedureConfig(AppConfig):
    name = "fazhan.procedure"

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.procedure.due import stamp_connect

        # every write to the record changes the write stamp the to-do list keeps its work under
        stamp_connect()
        from fazhan.procedure import (
            checks,  # noqa: F401  (registers the definition check)
            rules,  # noqa: F401  (each rule module registers its checks with the engine)
        )
        from fazhan.procedure.models import Case, StepRecord

        # A case's stage and version follow from its records: only what was recorded is sealed.
        trail_register(
            Case,
            fields=("person", "opened_on", "closed_on", "exit_reason", "exit_note"),
            names={"person": "person__pid", "opened": "opened_on"},
        )
        trail_register(
            StepRecord,
            fields=(
                *("case", "step", "date", "details", "supersedes", "reason", "from_ledger", "date_inferred"),
                *("recorded_at", "recorded_by", "recorded_by_label"),
            ),
            names={"person": "case__person__pid", "step": "step", "date": "date"},
        )
