"""Faults survived (issue #19): the scenarios of tests/faults/ with real processes and timings.

    createdb -h 127.0.0.1 -U postgres skills_portal_faults   # a scratch database: flushed
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_faults \\
        .venv/bin/python bench/faults.py

Starts its own Redis (`redis-server` on a free port, nothing kept on disk) as broker and cache,
and a real Celery worker process; loads the seed plans and the demo figures; then, one fault
after another: Redis stopped (the dashboard, a figure saved through the API, a large import),
Redis restarted under a running import job, a roll-up process killed with SIGKILL, and the
database connection of an import confirm and of a roll-up terminated (pg_terminate_backend).
Each line says whether users were answered and nothing was lost or duplicated, and the time to
recovery; the last line is `faults survived: N of M`. Exits non-zero when N < M.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """A Redis server of our own, so that stopping it stops nobody else's."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="faults-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


REDIS = Redis()
REDIS.start()
os.environ["REDIS_URL"] = REDIS.url
os.environ.setdefault("LOG_LEVEL", "ERROR")

import bench  # noqa: E402

bench.setup()
bench.require_postgresql()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from demo.figures import generate_demo_figures  # noqa: E402
from imports import figures as import_figures  # noqa: E402
from imports import services as imports  # noqa: E402
from imports.choices import ImportStatus  # noqa: E402
from imports.jobs import resume_stalled  # noqa: E402
from org.models import Membership, OrgUnit  # noqa: E402
from progress import rollup  # noqa: E402
from progress.choices import RollupStatus  # noqa: E402
from progress.models import ProgressSnapshot, RollupMark, RollupRun  # noqa: E402
from tests import xlsx_corpus as corpus  # noqa: E402
from training.models import TrainingFigure  # noqa: E402

MONTH = dt.date(2025, 9, 1)
RESULTS: list[tuple[str, bool, str]] = []


def scenario(name: str):
    def wrap(fn):
        def run():
            start = time.perf_counter()
            try:
                ok, note = fn()
            except Exception as exc:  # a scenario that raises did not survive
                ok, note = False, f"{type(exc).__name__}: {exc}"[:200]
            RESULTS.append((name, ok, f"{note}; {time.perf_counter() - start:.2f} s in all"))
            print(f"{'survived' if ok else 'FAILED  '}  {name}: {RESULTS[-1][2]}", flush=True)
        return run
    return wrap


def superuser():
    from django.contrib.auth import get_user_model
    user, _ = get_user_model().objects.get_or_create(
        username="faults_admin", defaults={"is_superuser": True, "is_staff": True})
    return user


def clerk():
    from django.contrib.auth import get_user_model
    user, created = get_user_model().objects.get_or_create(username="faults_clerk")
    if created:
        Membership.objects.create(user=user, org_unit=OrgUnit.objects.get(name="龙陵县"),
                                  role="data_entry")
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot_state(month):
    return list(ProgressSnapshot.unscoped.filter(period=month).order_by("target_id")
                .values_list("target_id", "actual", "target_value", "status"))


def training_rows(n: int) -> list[list]:
    """n distinct rows of 龙陵县's training (n ≤ 352): month × target group × training type."""
    keys = [(f"{2022 + m // 12}-{1 + m % 12:02d}", group, kind)
            for m in range(44) for group in ("企业职工", "脱贫人口", "农村转移劳动者", "高校毕业生")
            for kind in ("就业技能培训", "岗位技能提升培训")]
    return [["龙陵县", month, group, kind, "", "是", 10 + i % 7, 5, 8, 3]
            for i, (month, group, kind) in enumerate(keys[:n])]


@scenario("Redis 停止：仪表盘与首页照常打开（缓存按空处理）")
def cache_down():
    REDIS.stop()
    client = logged_in(superuser())
    codes, slowest = [], 0.0
    for url in ("/api/v1/dashboard/", "/dashboard/", "/", "/api/v1/dashboard/"):
        start = time.perf_counter()
        codes.append(client.get(url).status_code)
        slowest = max(slowest, time.perf_counter() - start)
    return all(c == 200 for c in codes), f"answers {codes}, slowest {slowest:.2f} s"


@scenario("Redis 停止：通过接口保存一条培训数据（≤ 1 秒，汇总标记保留）")
def save_with_broker_down():
    client = logged_in(clerk())
    unit = OrgUnit.objects.get(name="龙陵县")
    before = RollupMark.objects.filter(org_unit=unit).count()
    with override_settings(ROLLUP_SWEEP_ON_COMMIT=True):
        start = time.perf_counter()
        response = client.post("/api/v1/training-figures/", {
            "org_unit": unit.pk, "period": "2025-09", "target_group": "企业职工",
            "training_type": "岗位技能提升培训", "trained": 31, "persons": 20, "completed": 25,
            "certified": 10}, content_type="application/json")
        took = time.perf_counter() - start
    kept = RollupMark.objects.filter(org_unit=unit, period=MONTH).exists()
    ok = response.status_code in (200, 201) and took <= 1.0 and kept
    return ok, (f"answer {response.status_code} in {took:.2f} s, roll-up mark "
                f"{'kept' if kept else 'LOST'} ({before} before)")


@scenario("Redis 停止：上传大文件（后台任务发不出去，改在请求内检查）")
def import_with_broker_down():
    with override_settings(IMPORT_ASYNC_BYTES=0):
        start = time.perf_counter()
        batch = imports.upload(user=clerk(), kind="training", basis="month",
                               file_name="大文件.xlsx", data=corpus.training(*training_rows(200)))
        took = time.perf_counter() - start
    batch.refresh_from_db()
    ok = batch.status == ImportStatus.PREVIEWED and not batch.error_count
    return ok, f"batch {batch.get_status_display()} in {took:.2f} s ({batch.message})"


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "REDIS_URL": REDIS.url, "DATABASE_URL": os.environ["DATABASE_URL"],
           "ROLLUP_SWEEP_ON_COMMIT": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "skills_portal", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "--without-heartbeat", "--without-mingle",
         "--without-gossip"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


@scenario("Redis 重启：后台导入任务运行中（任务完成或标为失败，不会一直处理中）")
def redis_restarted_under_import():
    REDIS.start()
    worker = start_worker()
    try:
        with override_settings(IMPORT_ASYNC_BYTES=0):
            batch = imports.upload(user=clerk(), kind="training", basis="month",
                                   file_name="重启.xlsx",
                                   data=corpus.training(*training_rows(352)))
        time.sleep(0.3)
        REDIS.stop()
        time.sleep(1.0)
        REDIS.start()
        start = time.perf_counter()

        def wait(seconds):
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                batch.refresh_from_db()
                if batch.status != ImportStatus.RUNNING:
                    return True
                time.sleep(0.2)
            return False

        resumed: list[int] = []
        if not wait(10):
            # The queued message died with Redis (it keeps nothing on disk): what beat's
            # resume task does every 5 minutes, run now with no grace period.
            resumed = resume_stalled(0)
            wait(120)
        took = time.perf_counter() - start
        ok = batch.status == ImportStatus.PREVIEWED and not batch.error_count
        how = (f"by the resume task (in production every 5 min, after "
               f"{settings.IMPORT_RESUME_AFTER_SECONDS} s)") if resumed else "by the worker"
        return ok, (f"batch {batch.get_status_display()} {took:.1f} s after the restart, "
                    f"{how} ({batch.message})")
    finally:
        worker.terminate()
        worker.wait(30)


HANGING_ROLLUP = textwrap.dedent("""
    import django, sys, time
    sys.path.insert(0, %r)
    django.setup()
    from progress import rollup
    real = rollup.build_snapshot
    def slow(month):
        rows = real(month)
        print("holding", flush=True)
        time.sleep(600)
        return rows
    rollup.build_snapshot = slow
    rollup.rollup_month(__import__("datetime").date(2025, 9, 1), trigger="full")
""") % str(ROOT)


@scenario("汇总进程被 kill -9：运行记录标为已中断，该月重新汇总")
def rollup_killed():
    rollup.rollup_month(MONTH, trigger="command")
    before = snapshot_state(MONTH)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "skills_portal.settings.base"}
    process = subprocess.Popen([sys.executable, "-c", HANGING_ROLLUP], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if process.stdout.readline().strip() != "holding":
        return False, "the roll-up process did not start"
    killed_run = RollupRun.unscoped.filter(period=MONTH, status=RollupStatus.RUNNING).latest(
        "started_at")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    killed_at = time.perf_counter()
    # What beat's sweep does every 5 minutes, run now (the grace period set to 0 s here).
    with override_settings(ROLLUP_ABANDON_AFTER_SECONDS=0):
        months = rollup.sweep()
    recovered = time.perf_counter() - killed_at
    killed_run.refresh_from_db()
    after = snapshot_state(MONTH)
    running = RollupRun.unscoped.filter(status=RollupStatus.RUNNING).count()
    ok = (killed_run.status == RollupStatus.ABANDONED and MONTH in months and running == 0
          and after == before)
    return ok, (f"run {killed_run.get_status_display()}, month redone by the sweep in "
                f"{recovered:.2f} s (in production: the next sweep, ≤ 5 min, after "
                f"{settings.ROLLUP_ABANDON_AFTER_SECONDS} s grace), snapshot "
                f"{'identical' if after == before else 'CHANGED'} ({len(after)} rows), "
                f"{running} running")


def terminate_own_connection() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


@scenario("数据库连接中断：导入确认时（不保存任何内容，提示原因，重试成功）")
def import_connection_dropped():
    user = clerk()
    rows = [["龙陵县", "2022-03", "企业职工", "岗位技能提升培训", "", "否", 77, 7, 70, 7]]
    batch = imports.upload(user=user, kind="training", basis="month", file_name="断线.xlsx",
                           data=corpus.training(*rows))
    count = TrainingFigure.objects.count()
    ours = TrainingFigure.objects.filter(org_unit__name="龙陵县", trained=77, persons=7)
    real = import_figures.mark_for_rollup

    def mark_then_drop(*, pairs):
        real(pairs=pairs)
        terminate_own_connection()
        return real(pairs=pairs)

    import_figures.mark_for_rollup = mark_then_drop
    try:
        failed = imports.confirm(batch, user=user)
    finally:
        import_figures.mark_for_rollup = real
    unchanged = TrainingFigure.objects.count() == count and not ours.exists()
    retry = imports.upload(user=user, kind="training", basis="month", file_name="断线.xlsx",
                           data=corpus.training(*rows))
    start = time.perf_counter()
    retry = imports.confirm(retry, user=user)
    took = time.perf_counter() - start
    ok = (failed.status == ImportStatus.FAILED and unchanged
          and retry.status == ImportStatus.APPLIED
          and ours.count() == 1)
    return ok, (f"first confirm {failed.get_status_display()} ({failed.message}), figures "
                f"{'unchanged' if unchanged else 'HALF-SAVED'}; retry "
                f"{retry.get_status_display()} in {took:.2f} s")


@scenario("数据库连接中断：汇总时（原快照完整，运行记录不停留在运行中，重试成功）")
def rollup_connection_dropped():
    rollup.rollup_month(MONTH, trigger="command")  # the figures saved above, rolled up
    before = snapshot_state(MONTH)
    real = rollup.build_snapshot

    def drop(month):
        rows = real(month)
        terminate_own_connection()
        return rows

    rollup.build_snapshot = drop
    try:
        rollup.rollup_month(MONTH, trigger="command")
        raised = False
    except Exception:
        raised = True
    finally:
        rollup.build_snapshot = real
    connections["default"].close()
    intact = snapshot_state(MONTH) == before
    with override_settings(ROLLUP_ABANDON_AFTER_SECONDS=0):
        rollup.mark_abandoned_runs()
    running = RollupRun.unscoped.filter(status=RollupStatus.RUNNING).count()
    start = time.perf_counter()
    retry = rollup.rollup_month(MONTH, trigger="command")
    took = time.perf_counter() - start
    ok = raised and intact and running == 0 and retry.status == RollupStatus.SUCCEEDED \
        and snapshot_state(MONTH) == before
    return ok, (f"snapshot {'intact' if intact else 'BROKEN'}, {running} running, retry "
                f"{retry.get_status_display()} in {took:.2f} s")


def main() -> int:
    print("setting up: seed plans, demo figures, one roll-up …", flush=True)
    bench.fresh_database()
    generate_demo_figures()
    rollup.rollup_month(MONTH, trigger="command")
    connection.close()
    for run in (cache_down, save_with_broker_down, import_with_broker_down,
                redis_restarted_under_import, rollup_killed, import_connection_dropped,
                rollup_connection_dropped):
        run()
    REDIS.stop()
    survived = sum(ok for _, ok, _ in RESULTS)
    print(f"faults survived: {survived} of {len(RESULTS)}")
    return 0 if survived == len(RESULTS) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        REDIS.stop()
        shutil.rmtree(REDIS.dir, ignore_errors=True)
