from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "fazhan.api"
    label = "api"
    verbose_name = _("数据接口")

    def ready(self) -> None:
        from fazhan.accounts.services import credential_revoker_register
        from fazhan.api.services import apitoken_revoke_all

        credential_revoker_register(apitoken_revoke_all)
