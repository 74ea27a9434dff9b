"""Backtest of the year-end projections (#20) on the demo data and on synthetic national data
(PostgreSQL scratch database).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_bench \\
        .venv/bin/python bench/forecast_backtest.py [--provinces N]

For every target whose window ends in a December with a figure by then, the projection the
roll-up stored at months 3, 6 and 9 of that year is compared with the completion actually
reached in December: the mean absolute error in percentage points of completion, for the
portal's default (the method each row used: `seasonal` for flows with a history, else `pace`;
`trend` for levels) beside the naive baseline, completion ÷ time progress. Per method, the
rows that method projected, the same comparison.

Data sets:
- demo: the five seed plans and the demo figures, rolled up 2021-01 … 2025-09 as
  `scripts/serve` does;
- synthetic: the first N provinces of the synthetic country (default 3), two years of
  figures with a back-loaded seasonal shape and a growth factor per county and year
  (`bench.national.SHAPE`), its plan's targets in both years; the first year is the history
  the second is projected from.

The last line: `month 6: default seasonal MAE x.x pp vs naive y.y pp`, over both data sets;
the lines before it give each data set's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.db.models import F  # noqa: E402

from bench import national  # noqa: E402
from progress.models import ProgressSnapshot  # noqa: E402
from progress.rollup import rollup_month, rollup_span  # noqa: E402

MONTHS = (3, 6, 9)


def evaluate(years: set[int] | None = None) -> dict:
    """{month: {group: [(default error, naive error)]}} where group is "all" or the method
    the row was projected by."""
    # A target nothing was reported against by December tells nothing (the synthetic
    # provinces without figures).
    finals = ProgressSnapshot.unscoped.filter(
        period=F("target__period_end"), period__month=12, completion_rate__gt=0,
        target_value__gt=0)
    if years:
        finals = finals.filter(period__year__in=years)
    final = dict(finals.values_list("target_id", "completion_rate"))
    year_of = dict(finals.values_list("target_id", "period__year"))
    result: dict[int, dict[str, list[tuple[Decimal, Decimal]]]] = {}
    for m in MONTHS:
        groups: dict[str, list] = defaultdict(list)
        rows = ProgressSnapshot.unscoped.filter(
            target_id__in=list(final), period__month=m, completion_rate__isnull=False,
            projected_completion__isnull=False).values_list(
            "target_id", "period__year", "completion_rate", "time_progress",
            "projected_completion", "projection_method")
        for target, year, completion, progress, projected, method in rows:
            if year != year_of[target] or not progress:
                continue
            actual = final[target]
            pair = (abs(projected - actual), abs(completion / progress - actual))
            groups["all"].append(pair)
            groups[method or "—"].append(pair)
        result[m] = groups
    return result


def mae(pairs, index: int) -> float:
    return float(sum(p[index] for p in pairs) / len(pairs)) * 100 if pairs else float("nan")


def report(label: str, result: dict) -> None:
    for m in MONTHS:
        groups = result[m]
        everything = groups.get("all", [])
        print(f"{label:<9} month {m}: default MAE {mae(everything, 0):5.1f} pp vs naive "
              f"{mae(everything, 1):5.1f} pp over {len(everything):,} targets", flush=True)
        for method in sorted(k for k in groups if k != "all"):
            pairs = groups[method]
            print(f"{'':<9}   {method:<9} {len(pairs):>6,} targets: MAE {mae(pairs, 0):5.1f} pp "
                  f"(naive on the same {mae(pairs, 1):5.1f} pp)")


def demo() -> dict:
    from demo.figures import generate_demo_figures

    bench.fresh_database()
    generate_demo_figures()
    rollup_span(dt.date(2021, 1, 1), dt.date(2025, 9, 1), trigger="bench")
    return evaluate()


def synthetic(provinces: int) -> dict:
    bench.fresh_database()
    ids = national.build_tree()[:provinces]
    last, this = national.YEAR - 1, national.YEAR
    for year in (last, this):
        national.build_targets(year=year)
        national.build_figures(ids, year=year, shaped=True)
    for year in (last, this):
        for m in (*MONTHS, 12):
            rollup_month(dt.date(year, m, 1), trigger="bench")
    return evaluate({this})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--provinces", type=int, default=3,
                        help="synthetic provinces with figures (default 3)")
    args = parser.parse_args()
    bench.require_postgresql()
    on_demo = demo()
    report("demo", on_demo)
    on_synthetic = synthetic(args.provinces)
    report("synthetic", on_synthetic)
    both = on_demo[6].get("all", []) + on_synthetic[6].get("all", [])
    for label, result in (("demo", on_demo), ("synthetic", on_synthetic)):
        pairs = result[6].get("all", [])
        print(f"{label}: month 6: default seasonal MAE {mae(pairs, 0):.1f} pp vs naive "
              f"{mae(pairs, 1):.1f} pp")
    print(f"month 6: default seasonal MAE {mae(both, 0):.1f} pp vs naive {mae(both, 1):.1f} pp")


if __name__ == "__main__":
    main()
