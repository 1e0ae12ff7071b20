from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfcheckConfig(AppConfig):
    name = "fazhan.selfcheck"
    verbose_name = _("自查任务与上报")

    def ready(self) -> None:
        # Every event writing a task, a township's part or a hand-in carries the digest of its row: the
        # report's SHA-256 sealed in the trail shows the file handed in was not swapped since.
        from fazhan.auditlog.registry import trail_register
        from fazhan.selfcheck.models import SelfCheckAssignment, SelfCheckSubmission, SelfCheckTask

        trail_register(
            SelfCheckTask,
            fields=("district", "title", "period_from", "period_to", "due_on", "created_by"),
            names={"title": "title", "district": "district__code"},
        )
        trail_register(
            SelfCheckAssignment,
            fields=("task", "township", "status", "run", "summary", "rectification"),
            names={"task": "task__title", "township": "township__code"},
        )
        trail_register(
            SelfCheckSubmission,
            fields=(
                "assignment",
                "run",
                "handed_in_at",
                "handed_in_by",
                "sha256",
                "returned_at",
                "returned_by",
                "return_reason",
            ),
            names={"township": "assignment__township__code", "file": "filename"},
        )
