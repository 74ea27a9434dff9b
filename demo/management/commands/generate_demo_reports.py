from django.core.management.base import BaseCommand, CommandError

from demo.figures import DEMO_AS_OF
from demo.reports import generate_demo_reports
from reporting.models import MonthlyReport
from skills_portal.bulk import refresh_statistics
from skills_portal.clock import parse_month


class Command(BaseCommand):
    help = ("Generate the demo's monthly reports (marked as demo data) for the year of --as-of "
            "through it. Replaces earlier demo reports; never touches real ones.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=DEMO_AS_OF.strftime("%Y-%m"),
                            help="last month with reports, YYYY-MM")
        parser.add_argument("--remove", action="store_true",
                            help="only remove the demo reports (their approvals lock months)")

    def handle(self, *args, **options):
        if options["remove"]:
            deleted = MonthlyReport.unscoped.filter(is_demo=True).delete()[1].get(
                "reporting.MonthlyReport", 0)
            self.stdout.write(self.style.SUCCESS(f"{deleted} demo reports removed"))
            return
        as_of = parse_month(options["as_of"])
        if as_of is None:
            raise CommandError("--as-of 应为 YYYY-MM 格式，例如 2025-09")
        counts = generate_demo_reports(as_of=as_of)
        refresh_statistics()  # the demo is read at once, before autovacuum comes round
        self.stdout.write(self.style.SUCCESS(
            f"demo reports {as_of:%Y}-01 to {as_of:%Y-%m}: "
            + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            + " (earlier demo reports replaced)"))
