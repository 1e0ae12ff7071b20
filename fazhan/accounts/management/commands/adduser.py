from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fazhan.accounts.models import ADMIN_ROLES, Role, User
from fazhan.accounts.passwords import password_generate
from fazhan.accounts.services import role_grant, user_create
from fazhan.organizations.models import Org


def _said(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Create a login, or give one another role, on an org: fazhan adduser NAME --role R --org CODE "
        "--by SECADMIN. The grant is the security administrator's (--by), made by the same service as the "
        "admin page: a district role waits for a second security administrator's approval, and no one "
        "grants themselves. Only the three administrators' roles are granted by the operator alone "
        "(no --by), to set up an install."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--org", required=True, help="org code, e.g. SZQ-LH-01")
        parser.add_argument(
            "--by",
            default=None,
            help="the security administrator's login that grants the role (required but for the "
            "administrators' roles)",
        )
        parser.add_argument("--full-name", default="")
        parser.add_argument("--password", default=None, help="default: a generated one, printed once")

    @transaction.atomic
    def handle(self, *args, username, role, org, by, full_name, password, **options):
        target = Org.objects.filter(code=org).first()
        if target is None:
            raise CommandError(f"--org: no org with code {org!r}")
        granter = None
        if by is not None:
            granter = User.objects.filter(username=by, is_active=True).first()
            if granter is None:
                raise CommandError(f"--by: no active login {by!r}")
        elif role not in ADMIN_ROLES:
            raise CommandError(
                "--by: 业务角色须由安全管理员授予：请用 --by 指明授予角色的安全管理员账号"
                "（区委一级的角色还须另一名安全管理员批准）。"
            )
        user = User.objects.filter(username=username).first()
        created_password = None
        if user is None:
            created_password = password or password_generate()
            try:
                user = user_create(
                    actor=None,
                    username=username,
                    password=created_password,
                    full_name=full_name,
                    is_admin=role in ADMIN_ROLES,
                )
            except ValidationError as exc:
                raise CommandError(_said(exc)) from None
        try:
            assignment = role_grant(actor=granter, user=user, role=role, org=target)
        except ValidationError as exc:
            raise CommandError(_said(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(f"--by: {exc}") from None
        line = f"{username}: {Role(role).label} @ {target.name}（{target.code}）"
        if assignment.pending:
            line += "：待另一名安全管理员批准后生效"
        self.stdout.write(line)
        if created_password and not password:
            self.stdout.write(f"password: {created_password}")
