import datetime
from itertools import groupby

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.accounts.models import Role, RoleAssignment
from fazhan.desk.todo import todo_for_user
from fazhan.organizations.models import Org


class _Overseer:
    """The township organizer's view of an org's subtree, for a daily job with no user behind it."""

    is_authenticated = True

    def __init__(self, org: Org):
        self._fazhan_assignments = [RoleAssignment(role=Role.TOWNSHIP_ORGANIZER, org=org)]


class Command(BaseCommand):
    help = (
        "Print what is due or overdue per org (for a daily job): fazhan remind [--org CODE] [--within DAYS]"
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", default=None, help="org code of the subtree (default: the whole tree)")
        parser.add_argument("--within", type=int, default=31, help="days ahead (default 31)")
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, org=None, within=31, today=None, **options):
        root = Org.objects.filter(code=org).first() if org else Org.objects.filter(parent=None).first()
        if root is None:
            raise CommandError(
                f"--org: no org with code {org!r}" if org else "no orgs yet: run fazhan demo or import"
            )
        items = todo_for_user(_Overseer(root), today=today or timezone.localdate(), within_days=within)
        items.sort(key=lambda i: (i.case.person.org.path, i.due))
        for branch, group in groupby(items, key=lambda i: i.case.person.org):
            self.stdout.write(f"{branch.code} {branch.name}")
            for i in group:
                if i.overdue:
                    state = f"逾期{i.days_overdue}天"
                elif i.allowed_only:
                    state = f"{i.due.isoformat()}起可办理"
                else:
                    state = f"{i.days_left}天后" if i.days_left >= 0 else f"已过{i.days_overdue}天"
                self.stdout.write(
                    f"  {i.due} {state:<8} {i.label} {i.case.person.name}（{i.case.person.pid}）"
                )
        self.stdout.write(f"共 {len(items)} 项")
