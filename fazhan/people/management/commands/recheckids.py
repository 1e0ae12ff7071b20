from django.core.management.base import BaseCommand

from fazhan.people.services import person_recheck_id_numbers


class Command(BaseCommand):
    help = (
        "Judge every stored ID number again by procedure.md F and store the verdicts that changed "
        "(what the inspection reads for ELIG-NAT): fazhan recheckids"
    )

    def handle(self, *args, **options):
        read, changed = person_recheck_id_numbers()
        for pid in changed:
            self.stdout.write(f"changed: {pid}")  # pids only: the numbers are never printed
        self.stdout.write(f"{read} ID numbers judged, {len(changed)} verdicts changed")
