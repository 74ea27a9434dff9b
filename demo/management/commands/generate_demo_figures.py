from django.core.management.base import BaseCommand, CommandError

from demo.figures import DEMO_AS_OF, generate_demo_figures
from skills_portal.bulk import refresh_statistics
from skills_portal.clock import parse_month


class Command(BaseCommand):
    help = ("Generate deterministic demo figures (marked as demo data) for the seed plans. "
            "Replaces earlier demo rows; never touches values someone entered.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=DEMO_AS_OF.strftime("%Y-%m"),
                            help="last month with figures, YYYY-MM")

    def handle(self, *args, **options):
        as_of = parse_month(options["as_of"])
        if as_of is None:
            raise CommandError("--as-of 应为 YYYY-MM 格式，例如 2025-09")
        result = generate_demo_figures(as_of=as_of)
        refresh_statistics()  # the demo is read at once, before autovacuum comes round
        self.stdout.write(self.style.SUCCESS(
            f"demo figures up to {as_of:%Y-%m}: {result['created']} data values, "
            f"{result['training']} training cells, {result['certificates']} certificate cells, "
            f"{result['carriers']} carriers, {result['competitions']} competitions, "
            f"{result['awards']} awards (earlier demo rows replaced)"
        ))
