import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from progress.rollup import RollupBusy, rollup_month, rollup_span, sweep
from skills_portal import hooks


def _month(text: str) -> dt.date:
    try:
        year, month = (int(x) for x in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError as exc:
        raise CommandError(f"月份应为 YYYY-MM 格式：{text!r}") from exc


class Command(BaseCommand):
    help = "Roll up one month (or a span of months) synchronously, as the Celery task does."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM")
        parser.add_argument("--from", dest="first", help="first month of a span, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month of a span, YYYY-MM")
        parser.add_argument("--sweep", action="store_true",
                            help="roll up the months marked by saved figures")
        parser.add_argument("--bulletins", action="store_true",
                            help="then issue each month's first bulletins (一月一通报), as the "
                                 "monthly task does; a bulletin already issued is kept")

    def handle(self, *args, **options):
        try:
            if options["sweep"]:
                months = sweep()
                self.stdout.write(f"swept {len(months)} months")
                return
            if options["month"]:
                runs = [rollup_month(_month(options["month"]))]
            elif options["first"] and options["last"]:
                runs = rollup_span(_month(options["first"]), _month(options["last"]))
            else:
                raise CommandError("give --month YYYY-MM, or --from and --to, or --sweep")
        except RollupBusy as exc:
            raise CommandError(f"该月份正在汇总，请稍后再试：{exc}") from exc
        rows = sum(r.rows_written for r in runs)
        queries = max(r.queries for r in runs)
        self.stdout.write(self.style.SUCCESS(
            f"rolled up {len(runs)} month(s): {rows} snapshot rows, at most {queries} queries "
            "per month"))
        if options["bulletins"]:
            issued = sum(hooks.month_rolled_up.issue_now(f"{run.period:%Y-%m}") for run in runs)
            self.stdout.write(self.style.SUCCESS(f"issued {issued} bulletin(s)"))
