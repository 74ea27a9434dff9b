"""Roll-up benchmark on national synthetic data (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_bench \\
        .venv/bin/python bench/rollup_bench.py

Builds the synthetic tree and targets in a scratch database, loads figures for half of the
provinces, measures, loads the other half, measures again, and prints from this one run:
roll-up time for one month after a county's figure changed (the sweep's roll-up minutes after
a save: only the rows that differ are written) and for the month's first roll-up (every row
written); every unit also has its own plan whose targets implement the plan above (#16); the
bare-SQL lower bound (one SUM … GROUP BY per figure table over
the same rows, through the same closure table); their ratio; the same sums with each unit's
own sum taken first (as the roll-up does on PostgreSQL) and the roll-up's ratio to that; the
cost of doubling the data;
peak Python memory of the roll-up and the process's peak RSS.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.db import connection  # noqa: E402

from bench import national  # noqa: E402
from progress.rollup import rollup_month  # noqa: E402

MONTH = dt.date(national.YEAR, 12, 1)  # year-to-date over all twelve months
REPEAT = 3

BARE_SQL = [
    """SELECT c.ancestor_id, SUM(f.trained) FROM training_trainingfigure f
       JOIN targets_orgunitclosure c ON c.descendant_id = f.org_unit_id
       WHERE f.period BETWEEN %s AND %s GROUP BY c.ancestor_id""",
    """SELECT c.ancestor_id, SUM(f.count) FROM certification_certificatefigure f
       JOIN targets_orgunitclosure c ON c.descendant_id = f.org_unit_id
       WHERE f.period BETWEEN %s AND %s GROUP BY c.ancestor_id""",
    """SELECT c.ancestor_id, COUNT(*), SUM(f.participants) FROM competitions_competition f
       JOIN targets_orgunitclosure c ON c.descendant_id = f.organiser_unit_id
       WHERE f.start_date BETWEEN %s AND %s GROUP BY c.ancestor_id""",
    """SELECT c.ancestor_id, COUNT(*) FROM competitions_award f
       JOIN targets_orgunitclosure c ON c.descendant_id = f.org_unit_id
       WHERE f.awarded_on BETWEEN %s AND %s GROUP BY c.ancestor_id""",
]


# The same sums computed as the roll-up now computes them on PostgreSQL: each unit's own sum
# first, then those subtotals added up the closure table (one closure row per unit, not per
# figure row). The headline keeps #4's baseline above; this one shows what is left of the
# roll-up's own work once the bare SQL is as clever as the roll-up's.
BARE_SQL_PER_UNIT_FIRST = [
    f"""SELECT c.ancestor_id, SUM(s.v) FROM ({inner}) s
        JOIN targets_orgunitclosure c ON c.descendant_id = s.unit GROUP BY c.ancestor_id"""  # noqa: S608 (fixed text)
    for inner in (
        """SELECT f.org_unit_id AS unit, SUM(f.trained) AS v FROM training_trainingfigure f
           WHERE f.period BETWEEN %s AND %s GROUP BY f.org_unit_id""",
        """SELECT f.org_unit_id AS unit, SUM(f.count) AS v FROM certification_certificatefigure f
           WHERE f.period BETWEEN %s AND %s GROUP BY f.org_unit_id""",
        """SELECT f.organiser_unit_id AS unit, SUM(f.participants) AS v
           FROM competitions_competition f
           WHERE f.start_date BETWEEN %s AND %s GROUP BY f.organiser_unit_id""",
        """SELECT f.org_unit_id AS unit, COUNT(*) AS v FROM competitions_award f
           WHERE f.awarded_on BETWEEN %s AND %s GROUP BY f.org_unit_id""",
    )
]


def timed(fn, repeat=REPEAT) -> float:
    return bench.median_time(fn, repeat)


def bare(statements=BARE_SQL) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, [dt.date(national.YEAR, 1, 1), dt.date(national.YEAR, 12, 31)])
            cursor.fetchall()


def _forget_month() -> None:
    """The month as before its first roll-up: no rows, and none dead (a new month has none;
    this machine's PostgreSQL runs without autovacuum)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM targets_progresssnapshot WHERE period = %s", [MONTH])
        cursor.execute("VACUUM ANALYZE targets_progresssnapshot")


def _county_saves() -> None:
    """One county's figure changes, as a clerk's save does before the sweep rolls up."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE training_trainingfigure SET trained = trained + 1 WHERE id = "
                       "(SELECT MIN(id) FROM training_trainingfigure WHERE period = %s)",
                       [MONTH])


def timed_after(prepare, fn) -> float:
    """The median time of `fn` over REPEAT runs, each after `prepare` (not timed)."""
    import statistics
    import time

    times = []
    for _ in range(REPEAT):
        prepare()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(label: str) -> dict:
    def roll():
        rollup_month(MONTH, trigger="bench")

    # The month's first roll-up writes every row; after that a roll-up (the sweep's, minutes
    # after a save) changes only the rows that differ.
    first = timed_after(_forget_month, roll)
    rollup = timed_after(_county_saves, roll)
    lower = timed(bare)
    per_unit_first = timed(lambda: bare(BARE_SQL_PER_UNIT_FIRST))
    tracemalloc.start()
    run = rollup_month(MONTH, trigger="bench")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM training_trainingfigure)"
                       " + (SELECT COUNT(*) FROM certification_certificatefigure)"
                       " + (SELECT COUNT(*) FROM competitions_competition)"
                       " + (SELECT COUNT(*) FROM competitions_award)")
        figures = cursor.fetchone()[0]
    result = {"label": label, "figures": figures, "rollup": rollup, "first": first,
              "bare": lower, "ratio": rollup / lower,
              "per_unit_first": per_unit_first, "own_ratio": rollup / per_unit_first,
              "first_ratio": first / lower,
              "peak_mb": peak / 2**20, "rows": run.rows_written, "queries": run.queries}
    print(f"{label:<11} figures={figures:>9,}  snapshot rows={run.rows_written:>6,}  "
          f"queries={run.queries:>3}  roll-up={rollup:6.2f}s (first of the month "
          f"{first:5.2f}s)  bare SQL={lower:6.2f}s  ratio={rollup / lower:5.2f} "
          f"(first {first / lower:5.2f})  peak Python memory={peak / 2**20:6.1f} MB", flush=True)
    return result


def main() -> None:
    bench.require_postgresql()
    bench.fresh_database()
    provinces = national.build_tree()
    targets = national.build_targets()
    # #16: every province, city and county also has its own plan implementing the one above.
    implementing = national.build_implementing_targets()
    targets += implementing
    counties = sum(national.counties_in(p, c)
                   for p in range(national.PROVINCES) for c in range(national.CITIES[p]))
    print(f"synthetic tree: {national.PROVINCES} provinces, {sum(national.CITIES)} cities, "
          f"{counties:,} counties; {targets:,} targets, of which {implementing:,} implement "
          "a target of the plan above", flush=True)
    half = provinces[: len(provinces) // 2 + 1]
    national.build_figures(half)
    small = measure("half scale")
    national.build_figures(provinces[len(half):])
    full = measure("full scale")
    growth = full["rollup"] / small["rollup"]
    data_growth = full["figures"] / small["figures"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ratio roll-up / bare SQL at full scale: {full['ratio']:.2f} (goal ≤ 3)")
    print(f"the month's first roll-up (every row written): {full['first_ratio']:.2f} × bare SQL")
    print(f"against bare SQL summing each unit first, as the roll-up does: "
          f"{full['per_unit_first']:.2f}s, ratio {full['own_ratio']:.2f}")
    print(f"doubling the data ({data_growth:.2f}× rows) costs {growth:.2f}× (goal ≤ 2.2)")
    print(f"peak memory: {full['peak_mb']:.1f} MB in Python during the roll-up, "
          f"{rss:.0f} MB process RSS (goal ≤ 300 MB)")


if __name__ == "__main__":
    main()
