"""Dashboard benchmark on national synthetic data (PostgreSQL, loopback only).

    createdb -h 127.0.0.1 -U postgres skills_portal_bench_c      # a scratch database: flushed
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_bench_c \\
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/dashboard_bench.py [--reuse]

Builds the synthetic country of bench/national.py (31 provinces, 357 cities, 3,219 counties,
eight targets on every unit, a year of figures), rolls up two months, serves the app with
gunicorn (2 workers × 2 threads) on 127.0.0.1 and a free port, and from 8 concurrent clients
(one keep-alive connection each, token auth, a fixed number of requests) measures in the same
run the throughput of a provincial official's dashboard endpoint and of a trivial JSON
endpoint of the same app behind the same authentication (/api/v1/dashboard/ping/). Prints
both, their ratio (goal ≥ 50%), and, in-process, what one uncached dashboard answer costs.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench import national  # noqa: E402
from dashboard.selectors import dashboard  # noqa: E402
from org.models import Membership, OrgUnit  # noqa: E402
from progress.rollup import rollup_month  # noqa: E402

CLIENTS = 8
REQUESTS = 600  # per endpoint and round, spread over the clients
ROUNDS = 3  # ping, dashboard, ping, dashboard, …: the machine's drift hits both alike
WORKERS, THREADS = 2, 2
MONTHS = (dt.date(national.YEAR, 11, 1), dt.date(national.YEAR, 12, 1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build() -> tuple[str, int]:
    bench.fresh_database()
    provinces = national.build_tree()
    targets = national.build_targets()
    figures = national.build_figures(provinces)
    for month in MONTHS:
        run = rollup_month(month, trigger="bench")
    province = OrgUnit.objects.get(pk=provinces[0])
    print(f"synthetic data: {OrgUnit.objects.count():,} org units, {targets:,} targets, "
          f"{figures:,} figure rows; roll-up of {MONTHS[-1]:%Y-%m}: {run.rows_written:,} "
          f"snapshot rows", flush=True)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench_province", password=secrets.token_hex())
    Membership.objects.create(user=user, org_unit=province, role="viewer")
    return Token.objects.create(user=user).key, province.pk


def uncached(province_id: int) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bench_province")
    times = []
    for _ in range(5):
        user = get_user_model().objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            data = dashboard(user, plan_code="bench-national", unit_id=province_id)
            times.append(time.perf_counter() - start)
    rows = sum(len(s["rows"]) for s in data["series"])
    print(f"uncached dashboard of {data['unit']['name']} ({len(data['headline'])} cards, "
          f"{rows} child rows, {len(data['laggards'])} laggards): "
          f"{statistics.median(times) * 1000:.0f} ms, {len(ctx.captured_queries)} queries "
          f"(in-process, median of 5)", flush=True)


def serve(port: int) -> subprocess.Popen:
    env = dict(os.environ, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40), LOG_LEVEL="WARNING",
               ALLOWED_HOSTS="127.0.0.1")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "skills_portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--threads", str(THREADS), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def load(port: int, path: str, token: str, total: int) -> tuple[float, list[float]]:
    """`total` GETs of `path` from CLIENTS threads; returns requests per second and latencies."""
    per_client = total // CLIENTS
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        mine = []
        barrier.wait()
        for _ in range(per_client):
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    errors.append(f"{response.status} {body[:200]!r}")
                break
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        sys.exit(f"{path}: {errors[0]}")
    return len(latencies) / elapsed, latencies


def main() -> None:
    bench.require_postgresql()
    if "--reuse" in sys.argv and Token.objects.filter(user__username="bench_province").exists():
        # Iterating on the code: keep the data of the previous run.
        token = Token.objects.get(user__username="bench_province")
        token, province_id = token.key, token.user.memberships.get().org_unit_id
        print("reusing the synthetic data of the previous run", flush=True)
    else:
        token, province_id = build()
    uncached(province_id)
    cache.clear()
    port = free_port()
    server = serve(port)
    dash = f"/api/v1/dashboard/?plan=bench-national&unit={province_id}"
    ping = "/api/v1/dashboard/ping/"
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", dash, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        raw = response.read()
        body = json.loads(raw)
        assert response.status == 200, body
        print(f"serving on 127.0.0.1:{port}: gunicorn {WORKERS} workers × {THREADS} threads; "
              f"{CLIENTS} clients, {REQUESTS} requests per endpoint and round, {ROUNDS} rounds; "
              f"dashboard answer {len(raw) / 1024:.0f} KB ({len(body['headline'])} cards, "
              f"{sum(len(x['rows']) for x in body['series'])} child rows)", flush=True)
        load(port, ping, token, CLIENTS * 10)  # warm-up: connections, caches
        load(port, dash, token, CLIENTS * 10)
        results: dict[str, list] = {"ping": [], "dashboard": []}
        for _ in range(ROUNDS):
            for name, path in (("ping", ping), ("dashboard", dash)):
                results[name].append(load(port, path, token, REQUESTS))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    def summary(name):
        rps = statistics.mean(r for r, _ in results[name])
        latencies = sorted(x for _, lat in results[name] for x in lat)
        p50 = latencies[len(latencies) // 2] * 1000
        p95 = latencies[int(len(latencies) * 0.95)] * 1000
        print(f"{name:<10} {rps:7.1f} req/s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   "
              f"({', '.join(f'{r:.1f}' for r, _ in results[name])} req/s per round)")
        return rps

    trivial = summary("ping")
    province = summary("dashboard")
    print(f"province dashboard / trivial JSON endpoint: {province / trivial:.0%} (goal ≥ 50%)")


if __name__ == "__main__":
    main()
