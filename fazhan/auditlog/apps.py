from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class AuditlogConfig(AppConfig):
    name = "fazhan.auditlog"

    def ready(self) -> None:
        from fazhan.auditlog.appendonly import sqlite_triggers_ensure, trail_on_connection_created
        from fazhan.auditlog.services import trail_after_migrate  # models load only once apps are ready

        post_migrate.connect(trail_after_migrate, sender=self, dispatch_uid="fazhan.auditlog.baseline")
        post_migrate.connect(sqlite_triggers_ensure, sender=self, dispatch_uid="fazhan.auditlog.sqlite_guard")
        connection_created.connect(trail_on_connection_created, dispatch_uid="fazhan.auditlog.sqlite_guard")
