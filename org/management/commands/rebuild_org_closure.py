from django.core.management.base import BaseCommand

from org.closure import OrgUnitClosure


class Command(BaseCommand):
    help = "Recompute the org-unit closure table from parent links (one recursive query)."

    def handle(self, *args, **options):
        before = OrgUnitClosure.discrepancies()
        rows = OrgUnitClosure.rebuild()
        self.stdout.write(f"closure rebuilt: {rows} rows ({before} differed before)")
