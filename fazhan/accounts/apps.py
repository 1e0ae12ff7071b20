from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fazhan.accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from fazhan.accounts.middleware import session_seen_at_login

        user_logged_in.connect(session_seen_at_login, dispatch_uid="fazhan.session_seen_at_login")
