from django.apps import AppConfig
from django.core.signals import request_started
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.urls import register_converter

from fazhan.core.converters import OrgCodeConverter, RecordKeyConverter


class CoreConfig(AppConfig):
    name = "fazhan.core"

    def ready(self) -> None:
        # Every app's routes name orgs and records by these, wherever fazhan/urls.py gathers them from.
        register_converter(OrgCodeConverter, "code")
        register_converter(RecordKeyConverter, "key")
        # The calendar's copy of its table is checked where the database is at hand (core/calendar.py);
        # its models can be imported only once the registry is ready, hence here.
        from fazhan.core.calendar import calendar_on_connection_created, calendar_on_request_started
        from fazhan.core.services import calendar_after_migrate

        connection_created.connect(calendar_on_connection_created, dispatch_uid="fazhan.calendar.connection")
        request_started.connect(calendar_on_request_started, dispatch_uid="fazhan.calendar.request")
        post_migrate.connect(calendar_after_migrate, sender=self, dispatch_uid="fazhan.calendar.seed")
