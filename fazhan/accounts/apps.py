from django.apps import AppConfig

from fazhan.core.http import client_address


def _ip(request) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or client_address(request)


def _on_login(sender, request, user, **kwargs) -> None:
    from fazhan.accounts.services import login_record

    login_record(user=user, ip_address=_ip(request))


def _on_logout(sender, request, user, **kwargs) -> None:
    from fazhan.accounts.services import logout_record

    logout_record(user=user, ip_address=_ip(request))


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from fazhan.accounts.services import login_failed_record

    login_failed_record(credentials=credentials, ip_address=_ip(request))


class AccountsConfig(AppConfig):
    name = "fazhan.accounts"

    def ready(self) -> None:
        # Django's own login signals are the one place every login passes (the login page, the admin's, the
        # test client's): each becomes a trail event there. Django strips the password from `credentials`.
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from fazhan.accounts.middleware import session_seen_at_login
        from fazhan.accounts.selectors import user_assignments
        from fazhan.accounts.services import officers_end_by_term_change
        from fazhan.core.roles import assignments_source_register
        from fazhan.organizations.services import term_change_hook_register

        # The apps below accounts ask who holds which role where (core.roles) and end the officers' roles
        # at a 换届 (organizations.services) without importing accounts: accounts hands in its query and
        # its hook.
        assignments_source_register(user_assignments)
        term_change_hook_register(officers_end_by_term_change)

        user_logged_in.connect(session_seen_at_login, dispatch_uid="fazhan.session_seen_at_login")
        user_logged_in.connect(_on_login, dispatch_uid="fazhan.trail.login")
        user_logged_out.connect(_on_logout, dispatch_uid="fazhan.trail.logout")
        user_login_failed.connect(_on_login_failed, dispatch_uid="fazhan.trail.login_failed")
