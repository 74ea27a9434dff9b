"""Issue #25: with a broker, a save sends a roll-up sweep only when none is queued and not yet
started; the queued one reads the save's marks when it starts, so nothing waits longer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction

from progress import services, tasks
from progress.models import RollupMark, RollupRun
from skills_portal.celery import app
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db
MONTH = dt.date(2024, 5, 1)


@pytest.fixture
def broker(settings, monkeypatch):
    """Sweeps sent on commit to a broker (recorded here instead of sent)."""
    settings.ROLLUP_SWEEP_ON_COMMIT = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    sent = []
    monkeypatch.setattr(tasks.rollup_sweep, "apply_async", lambda **kw: sent.append(kw))
    try:
        yield sent
    finally:
        app.conf.task_always_eager = previous


def save(unit, month=MONTH):
    with transaction.atomic():
        services.mark_for_rollup(pairs=[(unit.pk, month)])


def test_saves_while_a_sweep_is_queued_send_no_other_and_its_start_lets_the_next_send(
        broker, django_capture_on_commit_callbacks):
    unit = OrgUnitFactory(name="排队汇总测试省")
    with django_capture_on_commit_callbacks(execute=True):
        save(unit)
    with django_capture_on_commit_callbacks(execute=True):
        save(unit, dt.date(2024, 6, 1))
    assert len(broker) == 1  # the second save's marks are read by the queued sweep
    assert cache.get(tasks.SWEEP_QUEUED_KEY) is not None

    assert tasks.rollup_sweep.run() == ["2024-05", "2024-06"]  # the worker takes it
    assert cache.get(tasks.SWEEP_QUEUED_KEY) is None
    assert not RollupMark.objects.exists()
    assert RollupRun.objects.filter(trigger="sweep").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        save(unit)
    assert len(broker) == 2  # nothing queued any more: this save sends one


def test_a_send_that_fails_does_not_hold_back_the_next(broker, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    unit = OrgUnitFactory(name="排队汇总失败测试省")

    def refused(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.rollup_sweep, "apply_async", refused)
    with django_capture_on_commit_callbacks(execute=True):
        save(unit)  # logged, not raised; the mark waits
    assert cache.get(tasks.SWEEP_QUEUED_KEY) is None
    assert RollupMark.objects.filter(org_unit=unit).exists()


def test_the_sweep_sent_starts_after_the_delay_that_gathers_the_saves_made_meanwhile(
        broker, settings, django_capture_on_commit_callbacks):
    settings.ROLLUP_SWEEP_DELAY_SECONDS = 7
    unit = OrgUnitFactory(name="延迟汇总测试省")
    with django_capture_on_commit_callbacks(execute=True):
        save(unit)
    assert broker == [{"retry": False, "countdown": 7}]
    with django_capture_on_commit_callbacks(execute=True):
        save(unit, dt.date(2024, 6, 1))
    assert len(broker) == 1  # a save while the sweep waits is read by it
