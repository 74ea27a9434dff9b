from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from targets.seeding import SeedError, load_seed_plans


class Command(BaseCommand):
    help = "Load (or refresh) the five seed plans from fixtures/. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", default=str(settings.FIXTURES_DIR))

    def handle(self, *args, **options):
        try:
            report = load_seed_plans(options["fixtures"])
        except SeedError as exc:
            raise CommandError(f"种子数据有误，未写入任何数据：{exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(
            f"seed plans loaded: {report.total('created')} created, "
            f"{report.total('updated')} updated, {report.total('unchanged')} unchanged"
        ))
