"""Send the deadline reminders now (what the daily Celery beat task does), e.g. in the demo:

    manage.py send_reminders                 # the month just ended, as the beat task
    manage.py send_reminders --month 2025-08 --today 2025-09-06
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reporting.services import send_reminders
from skills_portal.clock import parse_month


class Command(BaseCommand):
    help = "Remind units that have not submitted a month's report (once per unit and month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the month just ended)")
        parser.add_argument("--today", help="YYYY-MM-DD to judge the deadline against")

    def handle(self, *args, month=None, today=None, **options):
        period = parse_month(month) if month else None
        if month and period is None:
            raise CommandError("--month must be YYYY-MM")
        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError("--today must be YYYY-MM-DD") from exc
        sent = send_reminders(today=day, period=period)
        self.stdout.write(f"{sent['period']}: {sent['units']} units reminded, "
                          f"{sent['notices']} notices, {sent['emails']} e-mails")
