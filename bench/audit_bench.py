"""Audit-trail benchmark: what auditing costs a 100,000-row Excel import (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres skills_portal_audit_bench   # a scratch database: flushed
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_audit_bench \\
        .venv/bin/python bench/audit_bench.py

Uses the 100,000-row monthly training report of bench/import_bench.py and imports it as
*确认导入* does, alternately with the audit trail and with `record_figure_import` switched off,
twice each (best time kept). Prints the audit rows written, the SQL statements on the audit
table the Django query log saw (the COPY goes through the raw cursor: one statement), and the
extra time. Then times `record_many` alone for 100,000 rows.

On a shared machine wall-clock times swing with the load, so each measurement also reports CPU
seconds: this Python process's and its PostgreSQL backend's (read from /proc, as the database
runs locally), which do not depend on what else runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from audit import bulk  # noqa: E402
from audit.models import AuditEntry  # noqa: E402
from audit.services import record_many  # noqa: E402
from bench import import_bench  # noqa: E402
from training.models import TrainingFigure  # noqa: E402


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (a local server)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall seconds, this process's CPU seconds and the database backend's CPU seconds."""

    def __enter__(self):
        self.wall, self.cpu, self.db = time.perf_counter(), time.process_time(), _backend_cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.db = _backend_cpu() - self.db

    def __str__(self):
        return (f"{self.wall:6.2f} s wall, {self.cpu:6.2f} s CPU in Python + "
                f"{self.db:5.2f} s CPU in PostgreSQL = {self.cpu + self.db:6.2f} s CPU")


def timed_import(user, *, audited: bool) -> tuple[Clock, int, int]:
    real = bulk.record_figure_import
    if not audited:
        bulk.record_figure_import = lambda **kwargs: 0
    try:
        before = AuditEntry.objects.count()
        with CaptureQueriesContext(connection) as queries, Clock() as elapsed:
            written = import_bench.portal_import(user)
        statements = sum(1 for q in queries.captured_queries if "audit_auditentry" in q["sql"])
        added = AuditEntry.objects.count() - before
    finally:
        bulk.record_figure_import = real
    assert written == import_bench.ROWS
    TrainingFigure.objects.all().delete()
    return elapsed, added, statements


def main() -> None:
    bench.require_postgresql()
    _counties, rows = import_bench.prepare()
    user = get_user_model().objects.create_superuser("audit_bench", password=None)
    print(f"file: {rows:,} rows", flush=True)
    plain, audited = [], []
    for _ in range(2):
        plain.append(timed_import(user, audited=False))
        audited.append(timed_import(user, audited=True))
    best_plain = min((c for c, _, _ in plain), key=lambda c: c.cpu + c.db)
    best_audited = min((c for c, _, _ in audited), key=lambda c: c.cpu + c.db)
    _, added, statements = audited[0]
    extra = best_audited.cpu + best_audited.db - best_plain.cpu - best_plain.db
    print(f"import without audit:  {best_plain}  (least CPU of 2)")
    print(f"import with audit:     {best_audited}  (least CPU of 2)")
    print(f"audit cost: +{extra:.2f} s CPU "
          f"({extra / (best_plain.cpu + best_plain.db) * 100:+.0f}% of the import's CPU)")
    print(f"audit rows per import: {added:,}; statements on the audit table in the query log: "
          f"{statements} (the entries of created figures and the batch's summary; changed "
          "figures add one COPY)")

    rows_ = [{"action": "create", "object_id": i, "org_unit_id": 1, "period": "2024-05-01",
              "before": None, "after": {"target_group": "企业职工", "training_type": "岗位技能提升培训",
                                        "trained": i % 80, "persons": 3, "completed": 2,
                                        "certified": 1}}
             for i in range(import_bench.ROWS)]
    with transaction.atomic():
        with Clock() as alone:
            record_many(actor=user, action="import", model=TrainingFigure, rows=rows_)
        transaction.set_rollback(True)
    print(f"record_many alone, {import_bench.ROWS:,} rows (one COPY): {alone}")


if __name__ == "__main__":
    main()
