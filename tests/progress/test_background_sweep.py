"""Issue #18: in the embedded default (no broker, Celery eager) a write never waits for the
roll-up: the sweep its marks ask for runs on the process's sweep thread after the commit, and
the marks stay in the database until it has run."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import transaction

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
