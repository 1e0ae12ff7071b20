from django.apps import AppConfig


class ProcedureConfig(AppConfig):
    name = "fazhan.procedure"

    def ready(self) -> None:
        from fazhan.procedure import checks  # noqa: F401  (registers the definition check)
