"""Every page a GET opens, at national scale, per role (#21): server time, size and queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_bench \\
        .venv/bin/python bench/pages_bench.py [--roles admin,province_admin,...] [--runs 3]

Reuses the national synthetic data `bench/rollup_bench.py` leaves in the database (or builds
it: tree, targets with implementing plans, a year of figures, December rolled up), adds a user
of each role — the national administrator (superuser), a provincial administrator, a city
reviewer, a county clerk, a partner-department user and a provincial viewer — and, per role,
walks every page the role can reach from the home page and from every URL without arguments
(`bench.crawlkit`, the scoped-crawl tests' walk: pages, API lists and details, exports, admin
changelists and change pages, with the ids the pages link to). Each URL found is then
requested `--runs` times in-process (Django's test client: the server's time, no network);
per route (URL pattern), over every role and URL: p50 and p95 time, the largest answer and
the most queries. The budget (#21): p95 ≤ 300 ms, and ≤ 200 KB for an HTML page. Its last line:
`pages over budget: N of M`; it exits non-zero when N > 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import national  # noqa: E402
from bench.crawlkit import _pattern, crawl  # noqa: E402
from org.choices import Role  # noqa: E402
from org.models import Department, Membership, OrgUnit  # noqa: E402

BUDGET_MS, BUDGET_KB = 300, 200
ROLES = ("admin", "province_admin", "city_reviewer", "county_clerk", "partner", "viewer")


def ensure_data() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # data left by an earlier version: bring it up to date
    if OrgUnit.unscoped.filter(name="合成省01").exists():
        return
    import datetime as dt

    from progress.rollup import rollup_month
    bench.fresh_database()
    provinces = national.build_tree()
    national.build_targets()
    national.build_implementing_targets()
    national.build_figures(provinces)
    rollup_month(dt.date(national.YEAR, 12, 1), trigger="bench")


def ensure_users() -> dict[str, object]:
    User = get_user_model()
    province = OrgUnit.unscoped.get(name="合成省01")
    city = OrgUnit.unscoped.filter(parent=province).order_by("code").first()
    county = OrgUnit.unscoped.filter(parent=city).order_by("code").first()
    department, _ = Department.unscoped.get_or_create(
        org_unit=province, name="合成省01应急管理厅", defaults={"sector": "emergency"})
    places = {"province_admin": (province, Role.ADMIN, None),
              "city_reviewer": (city, Role.REVIEWER, None),
              "county_clerk": (county, Role.DATA_ENTRY, None),
              "partner": (province, Role.DATA_ENTRY, department),
              "viewer": (province, Role.VIEWER, None)}
    users = {}
    for role in ROLES:
        user, created = User.objects.get_or_create(username=f"pages_{role}")
        if role == "admin" and not user.is_superuser:
            user.is_superuser = user.is_staff = True
            user.save()
        if role in places and created:
            unit, kind, dept = places[role]
            Membership.unscoped.create(user=user, org_unit=unit, role=kind, department=dept)
        users[role] = user
    return users


def measure(client: Client, url: str, runs: int) -> tuple[list[float], int, int, int, bool]:
    times, size, queries, status, html = [], 0, 0, 0, False
    for index in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        status = response.status_code
        if index == 0:
            body = response.content if not response.streaming else b"".join(
                response.streaming_content)
            size, queries = len(body), len(captured)
            html = response.get("Content-Type", "").startswith("text/html")
    return times, size, queries, status, html


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-pattern", type=int, default=1,
                        help="URLs measured per route and role (default 1)")
    args = parser.parse_args()
    bench.require_postgresql()
    ensure_data()
    users = ensure_users()
    routes: dict[str, dict] = defaultdict(lambda: {"times": [], "size": 0, "queries": 0,
                                                   "worst": "", "statuses": set(),
                                                   "html": False})
    for role in args.roles.split(","):
        client = Client()
        client.force_login(users[role])
        started = time.perf_counter()
        visited, problems = crawl(client, per_pattern=args.per_pattern, per_role=400)
        for url in visited:
            route = _pattern(urlsplit(url).path) or url
            times, size, queries, status, html = measure(client, url, args.runs)
            entry = routes[route]
            entry["statuses"].add(status)
            if status != 200:
                continue
            entry["times"] += times
            if max(times) >= max(entry["times"]):
                entry["worst"] = f"{role} {url}"
            entry["size"] = max(entry["size"], size)
            entry["queries"] = max(entry["queries"], queries)
            entry["html"] |= html
        print(f"{role}: {len(visited)} URLs in {time.perf_counter() - started:.0f} s"
              + (f", {len(problems)} problems: {problems[:3]}" if problems else ""), flush=True)
    over = 0
    measured = {route: e for route, e in routes.items() if e["times"]}
    print(f"{'route':<58} {'p50 ms':>7} {'p95 ms':>7} {'KB':>6} {'queries':>7}  worst")
    for route, e in sorted(measured.items(), key=lambda item: -sorted(item[1]["times"])[
            int(0.95 * (len(item[1]["times"]) - 1))]):
        ordered = sorted(e["times"])
        p50 = statistics.median(ordered)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        kb = e["size"] / 1024
        # The size budget is for HTML (#21: "≤ 200 KB of HTML"); API answers are paginated
        # JSON, downloads are files.
        late = p95 > BUDGET_MS or (e["html"] and kb > BUDGET_KB)
        over += late
        print(f"{route[:58]:<58} {p50:7.0f} {p95:7.0f} {kb:6.0f} {e['queries']:7}  "
              f"{'OVER ' if late else ''}{e['worst']}")
    print(f"pages over budget: {over} of {len(measured)}")
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
