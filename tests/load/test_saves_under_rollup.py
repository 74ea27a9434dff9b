"""Issue #25, on each database: clerks save figures concurrently from several threads (real
connections, committed transactions) while a long roll-up runs and the embedded default's
sweep thread rolls up what they mark; none fails and none is lost — each acknowledged save is
in the database with its value and its audit entry."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from audit.models import AuditEntry
from progress import background
from progress.rollup import RollupBusy, rollup_span
from skills_portal.celery import app
from tests.api_helpers import API, member
from tests.conftest import unit
from training.models import TrainingFigure

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The SQLite test database lives in memory with a shared cache, whose locks refuse at once
    # instead of waiting as a file database does; the SQLite case runs against the embedded
    # default's own file database and server (test_embedded_server.py).
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite: see tests/load/test_embedded_server.py"),
]

COUNTIES = ["全国/云南省/保山市/龙陵县", "全国/云南省/保山市/施甸县", "全国/云南省/保山市/隆阳区",
            "全国/云南省/保山市/昌宁县", "全国/云南省/保山市/腾冲市",
            "全国/浙江省/温州市/鹿城区"]
MONTHS = ["2021-06", "2023-03", "2025-08"]  # past months: each save marks a sweep to now


@pytest.fixture
def embedded(settings, seeded):
    """The embedded default: no broker (Celery eager), the sweep after the response."""
    settings.ROLLUP_SWEEP_ON_COMMIT = True
    settings.ROLLUP_SWEEP_IN_BACKGROUND = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        background.wait(120)
        app.conf.task_always_eager = previous


def test_concurrent_saves_during_a_long_rollup_are_all_kept(embedded):
    clerks = [(member(unit(path)), unit(path)) for path in COUNTIES]
    start = threading.Barrier(len(clerks) + 1)
    answers: list[tuple] = []
    failures: list = []

    def clerk(user, county, index):
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(user)
        try:
            start.wait(timeout=30)
            for month in MONTHS:
                trained = 100 + index * 10 + MONTHS.index(month)
                response = client.post(API + "training-figures/", {
                    "org_unit": county.pk, "period": month, "target_group": "企业职工",
                    "training_type": "岗位技能提升培训", "trained": trained, "persons": 0,
                    "completed": 0, "certified": 0}, format="json")
                answers.append((county.pk, month, trained, response.status_code,
                                response.content[:300]))
        except Exception as exc:  # what the test reports
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    def long_rollup():
        try:
            start.wait(timeout=30)
            rollup_span(dt.date(2021, 1, 1), dt.date(2025, 12, 1), trigger="test")
        except RollupBusy:
            pass  # the sweep thread holds a month: that roll-up is running anyway
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk, args=(u, c, i)) for i, (u, c) in
               enumerate(clerks)]
    threads.append(threading.Thread(target=long_rollup))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    refused = [a for a in answers if a[3] not in (200, 201)]
    assert refused == [] and len(answers) == len(clerks) * len(MONTHS)
    assert background.wait(120)
    for county, month, trained, _status, _body in answers:
        stored = TrainingFigure.objects.get(
            org_unit_id=county, period=dt.date.fromisoformat(month + "-01"),
            target_group="企业职工", training_type="岗位技能提升培训")
        assert stored.trained == trained
        assert AuditEntry.objects.filter(model_label="training.trainingfigure",
                                         object_id=str(stored.pk)).exists()
