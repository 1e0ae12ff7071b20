from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fazhan.accounts.models import ADMIN_ROLES, Role, User
from fazhan.accounts.passwords import password_generate
from fazhan.accounts.services import role_assign, user_create
from fazhan.organizations.models import Org


class Command(BaseCommand):
    help = "Create a login, or give one another role, on an org: fazhan adduser NAME --role R --org CODE"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--org", required=True, help="org code, e.g. SZQ-LH-01")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--password", default=None, help="default: a generated one, printed once")

    @transaction.atomic
    def handle(self, *args, username, role, org, full_name, password, **options):
        target = Org.objects.filter(code=org).first()
        if target is None:
            raise CommandError(f"--org: no org with code {org!r}")
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
                raise CommandError(
                    "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                ) from None
        role_assign(actor=None, user=user, role=role, org=target)
        self.stdout.write(f"{username}: {Role(role).label} @ {target.name}（{target.code}）")
        if created_password and not password:
            self.stdout.write(f"password: {created_password}")
