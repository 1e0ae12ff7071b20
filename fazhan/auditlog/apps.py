from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditlogConfig(AppConfig):
    name = "fazhan.auditlog"

    def ready(self) -> None:
        from fazhan.auditlog.services import trail_after_migrate  # models load only once apps are ready

        post_migrate.connect(trail_after_migrate, sender=self, dispatch_uid="fazhan.auditlog.baseline")
