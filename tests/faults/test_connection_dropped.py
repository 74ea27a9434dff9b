"""A database connection dropped in the middle of an import's confirm (issue #19):
pg_terminate_backend on the request's own connection while the figures are being written.
Nothing is half-saved, the batch says what happened in Chinese, and a retry succeeds."""

from __future__ import annotations

import pytest
from django.db import connection, connections  # noqa: F401 (the skip condition)

from imports import figures, services
from imports.choices import ImportStatus
from imports.models import ImportBatch
from tests import xlsx_corpus as corpus
from tests.imports.test_imports import ROWS, clerk  # noqa: F401 (fixture)
from training.models import TrainingFigure

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # pg_terminate_backend, advisory and skip-locked row locks: PostgreSQL's own.
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


def terminate_own_connection():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_faults_import_confirm_survives_a_dropped_connection(seeded, clerk, longling,  # noqa: F811
                                                              monkeypatch):
    batch = services.upload(user=clerk, kind="training", basis="month", file_name="月报.xlsx",
                            data=corpus.training(*ROWS))
    assert batch.status == ImportStatus.PREVIEWED and not batch.error_count, batch.errors

    real_mark = figures.mark_for_rollup

    def mark_then_drop(*, pairs):
        real_mark(pairs=pairs)  # the figures are written by now, inside the transaction
        terminate_own_connection()
        return real_mark(pairs=pairs)  # the next statement meets the dead connection

    monkeypatch.setattr(figures, "mark_for_rollup", mark_then_drop)
    answered = services.confirm(batch, user=clerk)  # answered, not raised to a 500
    assert answered.status == ImportStatus.FAILED
    assert "未保存任何内容" in answered.message and "与数据库的连接中断" in answered.message
    stored = ImportBatch.unscoped.get(pk=batch.pk)
    assert stored.status == ImportStatus.FAILED and stored.content  # the file is kept
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()  # nothing half-saved

    monkeypatch.setattr(figures, "mark_for_rollup", real_mark)
    retry = services.upload(user=clerk, kind="training", basis="month", file_name="月报.xlsx",
                            data=corpus.training(*ROWS))
    retry = services.confirm(retry, user=clerk)
    assert retry.status == ImportStatus.APPLIED
    assert TrainingFigure.objects.filter(org_unit=longling).count() == 2
