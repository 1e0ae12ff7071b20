import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from fazhan.accounts.models import User
from fazhan.accounts.services import user_password_reset


class Command(BaseCommand):
    help = (
        "Give a login a temporary password that must be changed at its next login: fazhan passwd LOGIN "
        "(prints a generated one once) or fazhan passwd LOGIN --stdin (reads it from the first line of stdin)"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--stdin", action="store_true", help="read the temporary password from standard input"
        )

    def handle(self, *args, username, stdin, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no login {username!r}")
        given = None
        if stdin:
            given = sys.stdin.readline().rstrip("\r\n")
            if not given:
                raise CommandError("--stdin: no password on standard input")
        try:
            password = user_password_reset(actor=None, user=user, password=given)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{username}: 已设置临时密码，下次登录须修改。")
        if given is None:
            self.stdout.write(f"password: {password}")
