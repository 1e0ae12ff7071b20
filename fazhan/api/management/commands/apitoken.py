from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fazhan.accounts.models import User
from fazhan.api.models import ApiToken
from fazhan.api.services import apitoken_create, apitoken_revoke


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and print it once: fazhan apitoken USERNAME [--name N]; "
        "list them with --list; revoke one with --revoke PREFIX"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--list", action="store_true", help="list the user's tokens, nothing issued")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the user's token starting with PREFIX")

    @transaction.atomic
    def handle(self, *args, username, name, list, revoke, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if list:
            for t in ApiToken.objects.filter(user=user):
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}…  {t.created_at:%Y-%m-%d %H:%M}  {state}  {t.name}")
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
        _token, raw = apitoken_create(actor=None, user=user, name=name)
        self.stdout.write(raw)
