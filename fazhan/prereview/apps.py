from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrereviewConfig(AppConfig):
    name = "fazhan.prereview"
    verbose_name = _("预审与志愿书")

    def ready(self) -> None:
        from fazhan.auditlog.registry import trail_register
        from fazhan.prereview.models import FormReceipt, NumberedForm

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
