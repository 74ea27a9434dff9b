"""Tell the reviewers of units in red warning now (what the daily Celery beat task does),
e.g. in the demo:

    manage.py notify_red_warnings                  # the month being reported, as the beat task
    manage.py notify_red_warnings --month 2025-08
"""

from django.core.management.base import BaseCommand, CommandError

from dashboard.services import notify_red_warnings
from skills_portal import clock
from skills_portal.clock import parse_month


class Command(BaseCommand):
    help = ("Tell the reviewers of each unit in red warning (红色预警) in a month, once per unit "
            "and month, once the unit's figures for the month are in.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the month being reported)")

    def handle(self, *args, month=None, **options):
        period = parse_month(month) if month else clock.previous_month()
        if period is None:
            raise CommandError("--month must be YYYY-MM")
        sent = notify_red_warnings(month=period)
        self.stdout.write(f"{sent['month']}: {sent['units']} units in red warning told, "
                          f"{sent['notices']} notices")
