from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from fazhan.notices.models import Notice, NoticeState
from fazhan.organizations.models import Org


class Command(BaseCommand):
    help = "The public notices (公示) of a subtree: period, candidates, reports and whether each is closed."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="org code of the subtree (default: the whole tree)")
        parser.add_argument("--open", action="store_true", help="only the notices not yet closed")

    def handle(self, *args, org: str | None, open: bool, **options):
        notices = Notice.objects.select_related("org").annotate(
            named=Count("entries", distinct=True),
            reports=Count("feedback", distinct=True),
            unverified=Count("feedback", filter=Q(feedback__finding=""), distinct=True),
        )
        if org:
            root = Org.objects.filter(code=org).first()
            if root is None:
                raise CommandError(f"--org: no org with code {org}")
            notices = notices.filter(org__path__startswith=root.path)
        if open:
            notices = notices.filter(state=NoticeState.OPEN)
        rows = list(notices.order_by("org__path", "starts_on", "pk"))
        for n in rows:
            provisional = "，暂计" if n.provisional else ""
            self.stdout.write(
                f"{n.pk:>5}  {n.org.code:<14} {n.get_kind_display():<8} {n.starts_on}–{n.ends_on} "
                f"({n.working_days} 个工作日{provisional})  {n.named} 人  "
                f"反映 {n.reports} 件（待核实 {n.unverified}）  "
                f"{n.get_state_display()}"
            )
        self.stdout.write(f"{len(rows)} notices")
