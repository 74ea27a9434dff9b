"""A roll-up whose process is killed hard (issue #19): its run record does not stay `running`
forever; the next sweep marks it `abandoned` and rolls its month up again."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection, connections, transaction

from progress.choices import RollupStatus
from progress.models import ProgressSnapshot, RollupLock, RollupRun
from progress.rollup import ABANDONED_MESSAGE, mark_abandoned_runs, rollup_month, sweep
from tests.cascade import build_cascade

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # pg_terminate_backend, advisory and skip-locked row locks: PostgreSQL's own.
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]

MONTH = dt.date(2024, 6, 1)

# A roll-up in another process that stops inside its transaction, lock held, until killed.
HANGING_ROLLUP = textwrap.dedent("""
    import django, time
    django.setup()
    from progress import rollup
    def hang(month):
        print("holding", flush=True)
        time.sleep(600)
    rollup.build_snapshot = hang
    rollup.rollup_month(__import__("datetime").date(2024, 6, 1), trigger="full")
""")


def database_url() -> str:
    name = connection.settings_dict["NAME"]
    return f"postgres://{connection.settings_dict['USER'] or 'postgres'}@" \
           f"{connection.settings_dict['HOST'] or '127.0.0.1'}:" \
           f"{connection.settings_dict['PORT'] or 5432}/{name}"


@pytest.fixture
def hanging_rollup():
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": "",
           "DJANGO_SETTINGS_MODULE": "skills_portal.settings.base"}
    process = subprocess.Popen([sys.executable, "-c", HANGING_ROLLUP], env=env,
                               cwd=django_settings.BASE_DIR, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.strip() == "holding", process.stderr.read()[-2000:]
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(10)


def lock_is_free(month) -> bool:
    with transaction.atomic():
        return RollupLock.objects.select_for_update(skip_locked=True).filter(
            period=month).exists()


def wait_until(condition, seconds=10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_faults_a_live_rollup_is_never_marked_abandoned(hanging_rollup, settings):
    settings.ROLLUP_ABANDON_AFTER_SECONDS = 0
    run = RollupRun.unscoped.get(period=MONTH)
    assert run.status == RollupStatus.RUNNING
    assert not lock_is_free(MONTH)  # the other process holds the month
    assert mark_abandoned_runs() == []
    run.refresh_from_db()
    assert run.status == RollupStatus.RUNNING


def test_faults_a_killed_rollup_ends_abandoned_and_its_month_is_redone(hanging_rollup, settings):
    settings.ROLLUP_ABANDON_AFTER_SECONDS = 0
    build_cascade()
    killed = RollupRun.unscoped.get(period=MONTH)
    os.kill(hanging_rollup.pid, signal.SIGKILL)  # kill -9: no handler, no rollback by Python
    hanging_rollup.wait(10)
    assert wait_until(lambda: lock_is_free(MONTH))  # PostgreSQL ended its session
    killed.refresh_from_db()
    assert killed.status == RollupStatus.RUNNING  # nobody said how it ended

    assert sweep() == [MONTH]  # the sweep finds it and redoes the month
    killed.refresh_from_db()
    assert killed.status == RollupStatus.ABANDONED
    assert killed.error == ABANDONED_MESSAGE and killed.finished_at is not None
    redone = RollupRun.unscoped.filter(period=MONTH).exclude(pk=killed.pk).get()
    assert redone.status == RollupStatus.SUCCEEDED and redone.trigger == "sweep"
    assert ProgressSnapshot.unscoped.filter(period=MONTH).count() == redone.rows_written > 0
    assert not RollupRun.unscoped.filter(status=RollupStatus.RUNNING).exists()


def test_faults_a_run_within_the_grace_period_is_left_alone(settings):
    settings.ROLLUP_ABANDON_AFTER_SECONDS = 3600
    RollupRun.unscoped.create(period=MONTH, trigger="full")  # just started, lock not yet taken
    assert mark_abandoned_runs() == []
    assert RollupRun.unscoped.get(period=MONTH).status == RollupStatus.RUNNING


def test_faults_a_dropped_connection_mid_rollup_leaves_the_old_snapshot(settings):
    """pg_terminate_backend on the connection of a roll-up in progress: the month's previous
    snapshot stays whole, the run is not left `running`, and a retry succeeds."""
    build_cascade()
    first = rollup_month(MONTH, trigger="test")
    before = list(ProgressSnapshot.unscoped.filter(period=MONTH).order_by("target_id")
                  .values_list("target_id", "actual", "target_value"))
    assert before

    from progress import rollup

    real = rollup.build_snapshot

    def drop_connection(month):
        rows = real(month)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()
        return rows

    rollup.build_snapshot = drop_connection
    try:
        with pytest.raises(DatabaseError):
            rollup_month(MONTH, trigger="test")
    finally:
        rollup.build_snapshot = real
    connections["default"].close()  # the dead connection; the next query opens a new one
    after = list(ProgressSnapshot.unscoped.filter(period=MONTH).order_by("target_id")
                 .values_list("target_id", "actual", "target_value"))
    assert after == before
    settings.ROLLUP_ABANDON_AFTER_SECONDS = 0
    mark_abandoned_runs()
    assert not RollupRun.unscoped.filter(status=RollupStatus.RUNNING).exists()
    retry = rollup_month(MONTH, trigger="test")
    assert retry.status == RollupStatus.SUCCEEDED and retry.rows_written == first.rows_written


def test_faults_the_minute_task_redoes_an_abandoned_month(settings):
    from progress.tasks import redo_abandoned_rollups
    from skills_portal.celery import app

    settings.ROLLUP_ABANDON_AFTER_SECONDS = 0
    build_cascade()
    dead = RollupRun.unscoped.create(period=MONTH, trigger="full")  # its process is gone
    assert redo_abandoned_rollups.run() == ["2024-06"]
    dead.refresh_from_db()
    assert dead.status == RollupStatus.ABANDONED
    assert RollupRun.unscoped.filter(period=MONTH, status=RollupStatus.SUCCEEDED).exists()
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["progress.tasks.redo_abandoned_rollups"].minute == set(range(60))
    assert "imports.tasks.resume_stalled_imports" in schedule
