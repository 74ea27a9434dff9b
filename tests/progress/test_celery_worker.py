"""A real Celery worker consuming from the real Redis broker."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connections

from org.closure import OrgUnitClosure
from org.models import OrgUnit
from progress.tasks import verify_org_unit_closure
from skills_portal.celery import app
from tests.worker_helpers import wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (the test script sets it)"),
]


@pytest.fixture(autouse=True)
def fresh_broker_pools():
    """Broker connections are pooled per process, and an earlier test may have left the pools
    closed (a send that failed, a worker stopped): each test starts from new ones, which
    Celery builds on demand."""
    from kombu import pools

    pools.reset()  # kombu keeps the pools per broker URL in process-wide registries
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_closure_repair_task_runs_on_a_worker_through_redis():
    # Units inserted by a bulk path that bypasses the model leave the closure table stale.
    province = OrgUnit(name="队列测试省", level=1, kind="省")
    province.save()
    OrgUnit.objects.bulk_create([
        OrgUnit(parent=province, name=f"队列测试{i}市", level=2, kind="市") for i in range(3)
    ])
    assert OrgUnitClosure.discrepancies() == 6  # 3 self rows + 3 links to the province

    # The worker thread opens its own connection; closing it after each task lets the test
    # database be dropped at the end.
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        verify_org_unit_closure.delay()
        wait_until(lambda: OrgUnitClosure.discrepancies() == 0)
    assert OrgUnitClosure.discrepancies() == 0
    assert OrgUnit.objects.subtree_of(province).count() == 4


@pytest.mark.django_db(transaction=True)
def test_saved_figures_reach_the_snapshot_through_a_worker(settings):
    """A figure saved with sweeps on: the sweep task travels through Redis to a real worker,
    which rolls the month up."""
    import datetime as dt

    from django.db import transaction

    from progress.models import ProgressSnapshot
    from progress.services import mark_for_rollup
    from progress.tasks import rollup_month_task
    from targets.models import Indicator, Plan, Target
    from training.models import TrainingFigure

    settings.ROLLUP_SWEEP_ON_COMMIT = True
    province = OrgUnit(name="队列汇总省", level=1, kind="省")
    province.save()
    city = OrgUnit(name="队列汇总市", level=2, kind="市", parent=province)
    city.save()
    county = OrgUnit(name="队列汇总县", level=3, kind="县", parent=city)
    county.save()
    indicator = Indicator.objects.create(code="worker_training", name="队列测试培训人次",
                                         unit="人次", kind="flow", source="measure",
                                         measure="training.person_times")
    plan = Plan.objects.create(code="worker-plan", title="队列测试方案", short_name="队列测试",
                               issuer="测试", issuer_unit=province)
    target = Target.objects.create(plan=plan, code="t", indicator=indicator, org_unit=city,
                                   window="annual", period_start=dt.date(2024, 1, 1),
                                   period_end=dt.date(2024, 12, 1), value=100)
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    month = dt.date(2024, 3, 1)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        rollup_month_task.delay("2024-03")
        wait_until(lambda: ProgressSnapshot.objects.filter(target=target, period=month).exists())
        assert ProgressSnapshot.objects.get(target=target, period=month).actual == 0
        with transaction.atomic():  # as a save does: figures and mark, sweep sent on commit
            TrainingFigure.objects.create(org_unit=county, period=month,
                                          training_type="就业技能培训", target_group="企业职工",
                                          trained=42)
            mark_for_rollup(pairs=[(county.pk, month)])
        wait_until(lambda: ProgressSnapshot.objects.get(target=target, period=month).actual == 42)
    assert ProgressSnapshot.objects.get(target=target, period=month).status == "ahead"


@pytest.mark.django_db(transaction=True)
def test_a_large_import_is_checked_and_applied_by_a_worker(settings, seeded):
    """Above IMPORT_ASYNC_BYTES the preview and the import are Celery jobs: the page polls the
    batch; both travel through Redis to a real worker."""
    from imports import services
    from imports.choices import ImportStatus
    from imports.models import ImportBatch
    from org.models import Membership
    from tests import xlsx_corpus as corpus
    from tests.conftest import unit
    from tests.factories import UserFactory
    from training.models import TrainingFigure

    settings.IMPORT_ASYNC_BYTES = 0
    longling = unit("全国/云南省/保山市/龙陵县")
    clerk = UserFactory(username="worker_import_clerk")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    rows = [["龙陵县", f"2024-{m:02d}", "企业职工", "岗位技能提升培训", "", "否", 10 * m, 0, 0, 0]
            for m in range(1, 13)]
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        batch = services.upload(user=clerk, kind="training", basis="month", file_name="big.xlsx",
                                data=corpus.training(*rows))
        assert batch.status == ImportStatus.RUNNING
        wait_until(lambda: ImportBatch.objects.get(pk=batch.pk).status != ImportStatus.RUNNING)
        batch.refresh_from_db()
        assert (batch.status, batch.created, batch.error_count) == (ImportStatus.PREVIEWED, 12, 0)
        assert not TrainingFigure.objects.filter(org_unit=longling).exists()
        services.confirm(batch, user=clerk)
        wait_until(lambda: ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.APPLIED)
    assert TrainingFigure.objects.filter(org_unit=longling).count() == 12
    assert ImportBatch.objects.get(pk=batch.pk).progress == 12
    # The job's reports went to the shared cache, where the page of a running job reads them
    # (from inside its transaction, a write to the batch would not have been seen).
    from django.core.cache import cache

    assert cache.get(batch.progress_key) == 12
