"""`manage.py generate_claims [--scheme CODE] [--as-of YYYY-MM-DD]`: create the pending claims
that active schemes' rules give for records not yet claimed. Idempotent."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from subsidies.models import Scheme
from subsidies.services import generate_claims


class Command(BaseCommand):
    help = "Create the claims that active subsidy schemes give for records not yet claimed."

    def add_arguments(self, parser):
        parser.add_argument("--scheme", help="the code of one scheme (default: every active one)")
        parser.add_argument("--as-of", help="the day to judge eligibility on (default: today)")

    def handle(self, *args, scheme=None, as_of=None, **options):
        chosen = None
        if scheme:
            chosen = Scheme.unscoped.filter(code=scheme).first()
            if chosen is None:
                raise CommandError(f"No scheme with code {scheme!r}.")
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of takes YYYY-MM-DD, not {as_of!r}.") from exc
        report = generate_claims(scheme=chosen, as_of=day)
        for line in report.lines():
            self.stdout.write(line)
