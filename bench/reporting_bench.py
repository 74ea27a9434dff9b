"""Reporting workflow at national scale (PostgreSQL): completeness, the entry lock, reminders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_d_bench \\
        .venv/bin/python bench/reporting_bench.py

Flushes the database, loads the seed plans and the synthetic tree of bench/national.py
(31 provinces, 357 cities, 3,219 counties), writes a year of monthly reports for every unit
(deterministic statuses: most approved, some submitted late, some missing) and prints, from
this one run: the completeness table of the nation and every province (our selector against
one hand-written GROUP BY over the same closure join), the entry lock over every county-month
of the year (what an import of the whole country would ask), and a national reminder run.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.core import mail  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import national  # noqa: E402
from org.models import OrgUnit  # noqa: E402
from reporting.models import MonthlyReport  # noqa: E402
from reporting.selectors import REPORTING_LEVELS, completeness  # noqa: E402
from reporting.services import entry_problems, send_reminders  # noqa: E402

YEAR = national.YEAR
MONTHS = [dt.date(YEAR, m, 1) for m in range(1, 13)]
REPEAT = 5

BARE = """
SELECT c.ancestor_id, COUNT(*),
       COUNT(r.id) FILTER (WHERE r.status IN ('submitted', 'approved')),
       COUNT(r.id) FILTER (WHERE r.status IN ('submitted', 'approved') AND NOT r.is_late),
       COUNT(r.id) FILTER (WHERE r.status = 'approved')
FROM targets_orgunitclosure c
JOIN targets_orgunit u ON u.id = c.descendant_id AND u.level IN (1, 2, 3)
LEFT JOIN reporting_monthlyreport r ON r.org_unit_id = c.descendant_id AND r.period = %s
     AND r.department_id IS NULL
WHERE c.ancestor_id = ANY(%s)
GROUP BY c.ancestor_id
"""


def timed(fn, repeat=REPEAT) -> float:
    return bench.median_time(fn, repeat)


def write_reports() -> int:
    units = list(OrgUnit.objects.filter(level__in=REPORTING_LEVELS).values_list("pk", flat=True))
    rows = []
    for month in MONTHS:
        deadline = dt.date(YEAR + month.month // 12, month.month % 12 + 1, 5)
        for pk in units:
            k = (pk * 7 + month.month * 13) % 20
            if k < 2:
                continue  # not reported
            status = "approved" if k < 15 else "submitted" if k < 18 else "returned"
            rows.append(MonthlyReport(org_unit_id=pk, period=month, status=status,
                                      deadline=deadline, is_late=k % 6 == 0))
    MonthlyReport.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def main() -> None:
    bench.require_postgresql()
    bench.fresh_database()
    national.build_tree()
    reports = write_reports()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    expected = OrgUnit.objects.filter(level__in=REPORTING_LEVELS).count()
    print(f"synthetic tree: {expected:,} units expected to report; {reports:,} monthly reports "
          f"over {len(MONTHS)} months", flush=True)

    nation = OrgUnit.objects.get(parent=None, name="全国")
    units = [nation, *OrgUnit.objects.filter(parent=nation).order_by("code")]
    month = MONTHS[5]
    with CaptureQueriesContext(connection) as ctx:
        table = completeness(units=units, period=month)
    ours = timed(lambda: completeness(units=units, period=month))
    ids = [u.pk for u in units]

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(BARE, [month, ids])
            return cursor.fetchall()

    lower = timed(bare)
    check = {r[0]: r[1:] for r in bare()}
    assert all(check[c.unit.pk] == (c.expected, c.submitted, c.on_time, c.approved)
               for c in table), "selector and bare SQL disagree"
    print(f"completeness, nation + {len(units) - 1} provinces: {ours * 1000:6.1f} ms in "
          f"{len(ctx.captured_queries)} query; bare GROUP BY {lower * 1000:6.1f} ms; "
          f"ratio {ours / lower:4.2f}; nation: {table[0].expected:,} expected, "
          f"{table[0].submitted:,} submitted, {table[0].on_time:,} on time", flush=True)

    counties = list(OrgUnit.objects.filter(level=3).values_list("pk", flat=True))
    cells = [(pk, None, m) for pk in counties for m in MONTHS]
    with CaptureQueriesContext(connection) as ctx:
        problems = entry_problems(cells)
    lock = timed(lambda: entry_problems(cells))
    print(f"entry lock over {len(cells):,} county-months: {lock * 1000:6.1f} ms in "
          f"{len(ctx.captured_queries)} queries; {len(problems):,} messages (one per unit and "
          f"reason, naming its months)",
          flush=True)
    open_cells = [(pk, None, dt.date(YEAR + 1, m.month, 1)) for pk, _d, m in cells]
    with CaptureQueriesContext(connection) as ctx:
        assert entry_problems(open_cells) == []
    lock = timed(lambda: entry_problems(open_cells))
    print(f"entry lock over {len(open_cells):,} open county-months (an import that passes): "
          f"{lock * 1000:6.1f} ms in {len(ctx.captured_queries)} queries", flush=True)

    mail.outbox = []
    reset_queries()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        sent = send_reminders(today=dt.date(YEAR, 7, 8), period=month)
    took = time.perf_counter() - start
    again = time.perf_counter()
    second = send_reminders(today=dt.date(YEAR, 7, 9), period=month)
    again = time.perf_counter() - again
    print(f"reminders for {month:%Y-%m}: {sent['units']:,} units reminded in {took:5.2f} s "
          f"({len(ctx.captured_queries):,} queries); second run {second['units']} units in "
          f"{again:5.2f} s", flush=True)


if __name__ == "__main__":
    main()
