from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_list_with_counts, org_subtree


class Command(BaseCommand):
    help = "Print the org tree (or the subtree of --org) with member counts."

    def add_arguments(self, parser):
        parser.add_argument("--org", default=None, help="org code of the subtree's root")

    def handle(self, *args, org=None, **options):
        if org:
            root = Org.objects.filter(code=org).first()
            if root is None:
                raise CommandError(f"--org: no org with code {org!r}")
            orgs = org_subtree(root)
        else:
            orgs = Org.objects.all()
        rows: list[Any] = list(org_list_with_counts(orgs).order_by("path"))
        top = min((o.depth for o in rows), default=0)
        for o in rows:
            indent = "  " * (o.depth - top)
            counts = f"正式{o.full_count} 预备{o.probationary_count}"
            self.stdout.write(f"{indent}{o.code:<14} {o.name}  [{o.get_kind_display()}] {counts}")
