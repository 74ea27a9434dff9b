"""Issue #18: in the embedded default (no broker, Celery eager) a write never waits for the
roll-up: the sweep its marks ask for runs on the process's sweep thread after the commit, and
the marks stay in the database until it has run."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from progress import background, rollup
from progress.models import RollupMark, RollupRun
from progress.services import mark_for_rollup
from skills_portal.celery import app
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db(transaction=True)
MONTH = dt.date(2021, 3, 1)


@pytest.fixture
def embedded(settings):
    settings.ROLLUP_SWEEP_ON_COMMIT = True
    settings.ROLLUP_SWEEP_IN_BACKGROUND = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        background.wait(60)
        app.conf.task_always_eager = previous


def test_a_write_returns_before_its_sweep_which_follows_on_the_sweep_thread(embedded,
                                                                            monkeypatch):
    unit = OrgUnitFactory(name="后台汇总测试省")
    release, started = threading.Event(), threading.Event()
    real_sweep = rollup.sweep

    def held_sweep(between=None):
        started.set()
        assert release.wait(30)
        return real_sweep(between)

    monkeypatch.setattr(rollup, "sweep", held_sweep)
    with transaction.atomic():
        mark_for_rollup(pairs=[(unit.pk, MONTH)])
    # The commit returned while the sweep is held: the write did not wait for it.
    assert started.wait(30)
    assert RollupMark.objects.filter(org_unit=unit, period=MONTH).exists()
    release.set()
    assert background.wait(60)
    assert not RollupMark.objects.filter(org_unit=unit).exists()
    assert RollupRun.objects.filter(period=MONTH, trigger="sweep").exists()


def test_writes_during_a_sweep_coalesce_into_one_more_and_nothing_is_lost(embedded, monkeypatch):
    unit = OrgUnitFactory(name="后台汇总合并测试省")
    calls, release = [], threading.Event()
    real_sweep = rollup.sweep

    def counted_sweep(between=None):
        calls.append(1)
        release.wait(30)
        return real_sweep(between)

    monkeypatch.setattr(rollup, "sweep", counted_sweep)
    for month in (MONTH, dt.date(2021, 4, 1), dt.date(2021, 5, 1)):
        with transaction.atomic():
            mark_for_rollup(pairs=[(unit.pk, month)])
    release.set()
    assert background.wait(60)
    assert len(calls) <= 2  # the first, and one for everything that came while it ran
    assert not RollupMark.objects.filter(org_unit=unit).exists()


def test_a_failed_background_sweep_keeps_the_marks(embedded, monkeypatch):
    unit = OrgUnitFactory(name="后台汇总失败测试省")

    def broken_sweep(between=None):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(rollup, "sweep", broken_sweep)
    with transaction.atomic():
        mark_for_rollup(pairs=[(unit.pk, MONTH)])
    assert background.wait(60)
    assert RollupMark.objects.filter(org_unit=unit, period=MONTH).exists()


def test_sweeps_of_two_server_processes_on_one_sqlite_file_take_turns(tmp_path):
    """scripts/serve runs two processes, each with a sweep thread: on a SQLite file the second
    waits for the first's lock beside the database (held here by another process)."""
    path = str(tmp_path / "portal.sqlite3.sweep.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
         "print('held', flush=True); time.sleep(1.5)", path],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    with background.one_process_at_a_time(path):
        waited = time.monotonic() - started
    assert waited > 1.0  # entered only once the other process let go (after 1.5 s)
    holder.wait(10)


def test_the_sweep_lock_is_beside_a_sqlite_file_and_absent_elsewhere(settings):
    path = background.lock_path()
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        assert path == f"{connection.settings_dict['NAME']}.sweep.lock"
    else:
        assert path is None
        with background.one_process_at_a_time(path):
            pass  # nothing to wait for


def test_a_mark_made_again_while_a_sweep_runs_outlives_that_sweep(monkeypatch, settings):
    """A save whose transaction began before the sweep and committed after the sweep read the
    marks has a mark time before the sweep's start: the sweep must not delete it, since it
    did not roll it up."""
    settings.ROLLUP_SWEEP_ON_COMMIT = False
    unit, late = OrgUnitFactory(name="标记竞争测试省"), OrgUnitFactory(name="标记竞争测试市")
    before = timezone.now() - dt.timedelta(seconds=5)
    RollupMark.objects.create(org_unit=unit, period=MONTH, marked_at=before)
    real_rollup_month = rollup.rollup_month

    def rollup_month_while_a_save_commits(month, **kwargs):
        run = real_rollup_month(month, **kwargs)
        # Committed now, stamped when its transaction began (before the sweep started):
        RollupMark.objects.filter(org_unit=unit).update(
            marked_at=before + dt.timedelta(seconds=1))
        RollupMark.objects.get_or_create(org_unit=late, period=dt.date(2021, 1, 1),
                                         defaults={"marked_at": before})
        return run

    monkeypatch.setattr(rollup, "rollup_month", rollup_month_while_a_save_commits)
    assert rollup.sweep() == [MONTH]
    assert set(RollupMark.objects.values_list("org_unit", flat=True)) == {unit.pk, late.pk}
    monkeypatch.setattr(rollup, "rollup_month", real_rollup_month)
    rollup.sweep()
    assert not RollupMark.objects.exists()
