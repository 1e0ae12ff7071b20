"""fazhan remind: the day's to-do per org on the console (as it always printed); --send mails each user their
digest and passes it to the configured channels, once a day; --dry-run shows who would get what."""

import datetime
from itertools import groupby

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.accounts.models import Role, RoleAssignment
from fazhan.desk.todo import todo_for_user
from fazhan.organizations.models import Org
from fazhan.reminders.selectors import group_title, sections_rows
from fazhan.reminders.services import ALREADY, FAILED, SENT, WOULD, reminders_send

RESULT_WORDS = {SENT: "已发送", FAILED: "发送失败", ALREADY: "今天已发过", WOULD: "将发送"}


class _Overseer:
    """The township organizer's view of an org's subtree, for a daily job with no user behind it."""

    is_authenticated = True

    def __init__(self, org: Org):
        self._fazhan_assignments = [RoleAssignment(role=Role.TOWNSHIP_ORGANIZER, org=org)]


class Command(BaseCommand):
    help = (
        "Print what is due or overdue per org (for a daily job): fazhan remind [--org CODE] [--within DAYS]; "
        "--send sends each user their digest (mail and the configured channels, once a day); --dry-run shows "
        "who would get what"
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", default=None, help="org code of the subtree (default: the whole tree)")
        parser.add_argument("--within", type=int, default=31, help="days ahead (default 31)")
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--send", action="store_true", help="send each user their digest (once a day)")
        what.add_argument("--dry-run", action="store_true", help="show who would get what; send nothing")

    def handle(self, *args, org=None, within=31, today=None, send=False, dry_run=False, **options):
        today = today or timezone.localdate()
        if send or dry_run:
            if org:
                raise CommandError("--org: the digests go to every user; --send and --dry-run take no --org")
            self.send(today=today, dry_run=dry_run)
            return
        root = Org.objects.filter(code=org).first() if org else Org.objects.filter(parent=None).first()
        if root is None:
            raise CommandError(
                f"--org: no org with code {org!r}" if org else "no orgs yet: run fazhan demo or import"
            )
        overseer = _Overseer(root)
        items = todo_for_user(overseer, today=today, within_days=within)
        items.sort(key=lambda i: (i.case.person.org.path, i.due))
        for branch, group in groupby(items, key=lambda i: i.case.person.org):
            self.stdout.write(f"{branch.code} {branch.name}")
            for i in group:
                self.stdout.write(
                    f"  {i.due} {i.state} {i.label} {i.case.person.name}（{i.case.person.pid}）"
                )
        # the page's sections below its table, as the daily digest lists them
        shown = len(items)
        for section, rows in sections_rows(overseer, today=today).items():
            if rows:
                self.stdout.write(group_title(section))
            for r in rows:
                who = f" {r.name}（{r.pid}）" if r.pid else ""
                self.stdout.write(f"  {r.date_label} {r.due} {r.state} {r.label}{who} {r.org}")
            shown += len(rows)
        self.stdout.write(f"共 {shown} 项")

    def send(self, *, today: datetime.date, dry_run: bool) -> None:
        outcomes = reminders_send(today=today, dry_run=dry_run)
        for o in outcomes:
            line = f"{o.user.username} {o.channel} {o.items} 项 {RESULT_WORDS[o.result]}"
            self.stdout.write(f"{line}：{o.error}" if o.error else line)
            if dry_run and o.digest is not None and o.result == WOULD:
                for _g, title, rows in o.digest.groups:
                    for r in rows:
                        self.stdout.write(f"  [{title}] {r.label} {r.name}（{r.pid}） {r.state}")
        counts = {r: sum(1 for o in outcomes if o.result == r) for r in RESULT_WORDS}
        summary = "，".join(f"{RESULT_WORDS[r]} {n}" for r, n in counts.items() if n)
        self.stdout.write(f"{today.isoformat()}：{summary or '没有要发送的提醒'}")
        if counts[FAILED]:
            # a timer's unit turns red: the failures are recorded, and the next run tries them again
            raise CommandError(f"{counts[FAILED]} 条提醒发送失败，已记录；再次运行会重试")
