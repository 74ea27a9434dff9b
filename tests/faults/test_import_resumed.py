"""An import batch left `running` when its job's message or worker was lost (a Redis restart,
a kill -9) is run by the resume task; one whose job is alive is left alone (issue #19)."""

from __future__ import annotations

import pytest
from django.db import connection, connections

from imports import services
from imports.choices import ImportStatus
from imports.jobs import JOB_LOCK_NAMESPACE, resume_stalled
from imports.tasks import apply_import, preview_import
from tests import xlsx_corpus as corpus
from tests.imports.test_imports import ROWS, clerk  # noqa: F401 (fixture)
from training.models import TrainingFigure

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


def lost_job(user, settings, *, confirmed: bool):
    """A batch whose Celery message never arrived: uploaded (and confirmed) as a large file
    with the send swallowed, as a restarted Redis swallows it."""
    settings.IMPORT_ASYNC_BYTES = 10**9
    batch = services.upload(user=user, kind="training", basis="month", file_name="丢失.xlsx",
                            data=corpus.training(*ROWS))
    if confirmed:
        batch.status, batch.message = ImportStatus.RUNNING, "正在导入…"
    else:
        batch.status, batch.message, batch.rows = ImportStatus.RUNNING, "正在检查文件…", 0
    batch.save()
    return batch


def test_faults_a_lost_preview_is_run_by_the_resume_task(seeded, clerk, longling, settings):  # noqa: F811
    batch = lost_job(clerk, settings, confirmed=False)
    assert resume_stalled(0) == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED and batch.rows == len(ROWS)
    assert resume_stalled(0) == []  # nothing left running


def test_faults_a_lost_apply_is_run_once_by_the_resume_task(seeded, clerk, longling, settings):  # noqa: F811
    batch = lost_job(clerk, settings, confirmed=True)
    assert resume_stalled(0) == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert TrainingFigure.objects.filter(org_unit=longling).count() == len(ROWS)
    # The lost message turning up after all (redelivered) changes nothing.
    assert apply_import.run(batch.pk) == ImportStatus.APPLIED
    assert preview_import.run(batch.pk) == ImportStatus.APPLIED
    assert TrainingFigure.objects.filter(org_unit=longling).count() == len(ROWS)


def test_faults_a_batch_whose_job_is_alive_is_left_alone(seeded, clerk, longling, settings):  # noqa: F811
    batch = lost_job(clerk, settings, confirmed=False)
    worker = connections.create_connection("default")  # another process's session
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [JOB_LOCK_NAMESPACE, batch.pk])
            assert cursor.fetchone()[0]
        assert resume_stalled(0) == []
        assert preview_import.run(batch.pk) == "busy"  # a duplicate message waits its turn
    finally:
        worker.close()  # the session ends, its lock with it
    assert connection.vendor == "postgresql"
    assert resume_stalled(0) == [batch.pk]


def test_faults_resume_waits_for_the_grace_period(seeded, clerk, longling, settings):  # noqa: F811
    batch = lost_job(clerk, settings, confirmed=False)
    assert resume_stalled(3600) == []
    batch.refresh_from_db()
    assert batch.status == ImportStatus.RUNNING
