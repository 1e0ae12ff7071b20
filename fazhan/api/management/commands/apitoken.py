from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from fazhan.accounts.models import User
from fazhan.api.models import ApiToken
from fazhan.api.services import apitoken_create, apitoken_revoke


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and print it once: fazhan apitoken USERNAME [--name N] [--read-only] "
        "[--code 123456]; list them with --list; revoke one with --revoke PREFIX. A user of a role that "
        "gives a second factor (FAZHAN_2FA_ROLES) gets a token only with --code, a current code of their "
        "authenticator. Tokens expire after FAZHAN_API_TOKEN_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--read-only", action="store_true", help="a token that reads and writes nothing")
        parser.add_argument("--code", default="", help="a current code of the user's authenticator app")
        parser.add_argument("--list", action="store_true", help="list the user's tokens, nothing issued")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the user's token starting with PREFIX")

    def handle(self, *args, username, name, list, revoke, read_only=False, code="", **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if list:
            for t in ApiToken.objects.filter(user=user):
                if t.revoked_at:
                    state = f"revoked {localtime(t.revoked_at):%Y-%m-%d %H:%M}"
                else:
                    state = f"{'expired' if t.is_expired else 'expires'} {localtime(t.expires_at):%Y-%m-%d}"
                scope = "read-only" if t.read_only else "read-write"
                created = localtime(t.created_at)
                self.stdout.write(f"{t.prefix}…  {created:%Y-%m-%d %H:%M}  {state}  {scope}  {t.name}")
            return
        if revoke:
            matches = [
                t
                for t in ApiToken.objects.filter(user=user, revoked_at__isnull=True)
                if t.prefix.startswith(revoke)
            ]
            if len(matches) != 1:
                raise CommandError(
                    f"--revoke: {len(matches)} active tokens of {username} start with {revoke!r}"
                )
            apitoken_revoke(actor=None, token=matches[0])
            self.stdout.write(f"revoked {matches[0].prefix}…")
            return
        try:
            token, raw = apitoken_create(actor=None, user=user, name=name, read_only=read_only, otp_code=code)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"--{k.replace('otp_', '')}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(raw)
        scope = "read-only" if token.read_only else "read-write"
        self.stderr.write(f"{scope}, expires {localtime(token.expires_at):%Y-%m-%d}")
