"""Write latency in the embedded default (issue #18): SQLite, no REDIS_URL (Celery eager), the
demo as scripts/serve builds it. A county clerk saves training figures through the API —
in the current month and in a month four years back, whose roll-up sweep reaches every month
since — and the p50 and p95 of each save's answer are printed, beside a trivial authenticated
endpoint's in the same run. Since #18 the sweep runs after the response on the process's sweep
thread (progress/background.py), so a save no longer waits for it.

    .venv/bin/python bench/write_latency.py [--saves 40]

Builds bench/results/write-latency.sqlite3 on first use (about two minutes), then reuses it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = ROOT / "bench" / "results" / "write-latency.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ.pop("REDIS_URL", None)
import bench  # noqa: E402

bench.setup()
# The embedded default as served: sweeps asked for on commit, run after the response.
from django.conf import settings  # noqa: E402

settings.ROLLUP_SWEEP_ON_COMMIT = True
settings.ROLLUP_SWEEP_IN_BACKGROUND = True
settings.ALLOWED_HOSTS = ["*"]


def build() -> None:
    from django.core.management import call_command

    DATABASE.parent.mkdir(parents=True, exist_ok=True)
    if DATABASE.exists():
        DATABASE.unlink()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_seed_plans", verbosity=0)
    call_command("generate_demo_figures", verbosity=0)
    call_command("rollup", "--from", "2021-01", "--to", "2025-09", verbosity=0)
    call_command("create_demo_users", verbosity=0)
    print(f"built {DATABASE.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s",
          flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=40, help="saves per month measured")
    parser.add_argument("--rebuild", action="store_true", help="build the demo database again")
    args = parser.parse_args()
    if args.rebuild or not DATABASE.exists():
        build()

    from django.contrib.auth import get_user_model
    from django.test import Client

    from org.models import OrgUnit
    from progress import background
    from skills_portal import clock

    clerk = get_user_model().objects.get(username="longling_clerk")
    longling = OrgUnit.objects.get(name="龙陵县")
    client = Client()
    client.force_login(clerk)
    current = clock.today().replace(day=1)
    past = current.replace(year=current.year - 4)

    def timed(call) -> float:
        start = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - start
        if response.status_code >= 400:
            raise SystemExit(f"{response.status_code}: {response.content[:500]!r}")
        return elapsed * 1000

    def save(month, n):
        return client.post("/api/v1/training-figures/", {
            "org_unit": longling.pk, "period": f"{month:%Y-%m}", "target_group": "企业职工",
            "training_type": "岗位技能提升培训", "trained": 100 + n, "persons": 0,
            "completed": 90, "certified": 0}, content_type="application/json")

    ping = [timed(lambda: client.get("/api/v1/dashboard/ping/")) for _ in range(args.saves)]
    results = {}
    for label, month in (("current month", current), ("four years back", past)):
        times = [timed(lambda n=n, m=month: save(m, n)) for n in range(args.saves)]
        results[label] = (month, times)
        background.wait(600)  # the sweeps the saves asked for, before the next series
    base = statistics.median(ping)
    print(f"trivial endpoint (/api/v1/dashboard/ping/): p50 {base:.0f} ms, "
          f"p95 {percentile(ping, 0.95):.0f} ms")
    worst = 0.0
    for label, (month, times) in results.items():
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        worst = max(worst, p95)
        print(f"figure save, {label} ({month:%Y-%m}), {len(times)} saves: p50 {p50:.0f} ms, "
              f"p95 {p95:.0f} ms (goal ≤ 300 ms); p50 {p50 / base:.1f}× the trivial endpoint")
    print(f"write latency: worst p95 {worst:.0f} ms — goal {'met' if worst <= 300 else 'MISSED'}")


if __name__ == "__main__":
    main()
