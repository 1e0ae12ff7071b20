"""`fazhan applicants`: self-service applications from the console, through the same services as the pages
(they refuse what the rules forbid, whoever calls); a write names the user it is done as, for the trail.

    fazhan applicants issue --org C --user U   a branch's one-time code (shown this once, with its address)
    fazhan applicants list [--org C] [--state submitted|accepted|returned]
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.accounts.models import User
from fazhan.applicants.models import Submission, SubmissionState
from fazhan.applicants.selectors import register_url
from fazhan.applicants.services import code_display, code_issue
from fazhan.core.dates import date_cn
from fazhan.core.masking import mask_id_number
from fazhan.organizations.models import Org


def _org(code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"--org: no org with code {code}")
    return org


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--user: no active user {username}")
    return user


class Command(BaseCommand):
    help = "Self-service applications (网上入党申请): issue a branch's one-time code, list the submissions."

    def add_arguments(self, parser):
        parts = parser.add_subparsers(dest="action", required=True)
        issue = parts.add_parser("issue", help="a one-time registration code for a branch")
        issue.add_argument("--org", required=True, help="the branch's org code")
        issue.add_argument(
            "--user", required=True, help="issued as this login (the branch's secretary or organizer)"
        )
        listing = parts.add_parser("list", help="the submissions of a subtree, newest first")
        listing.add_argument("--org", help="org code of the subtree (default: the whole tree)")
        listing.add_argument("--state", choices=SubmissionState.values)

    def handle(self, *args, action: str, **options):
        if action == "issue":
            self._issue(options["org"], options["user"])
        else:
            self._list(options.get("org"), options.get("state"))

    def _issue(self, org_code: str, username: str) -> None:
        try:
            invite, clear = code_issue(actor=_user(username), org=_org(org_code))
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(f"登记码 {code_display(clear)}  {invite.org.name}")
        self.stdout.write(f"扫码地址 {register_url(clear)}")
        self.stdout.write(f"有效期至 {date_cn(timezone.localtime(invite.expires_at).date())}，只能登记一人。")

    def _list(self, org_code: str | None, state: str | None) -> None:
        rows = Submission.objects.select_related("applicant__org").defer("photo").order_by("-submitted_at")
        if org_code:
            rows = rows.filter(applicant__org__path__startswith=_org(org_code).path)
        if state:
            rows = rows.filter(state=state)
        count = 0
        for s in rows:
            count += 1
            self.stdout.write(
                f"{s.pk:>5}  {date_cn(timezone.localtime(s.submitted_at).date())}  {s.applicant.name}  "
                f"{mask_id_number(s.applicant.id_number)}  {s.applicant.org.name}  {s.get_state_display()}"
            )
        self.stdout.write(f"{count} 份网上入党申请")
