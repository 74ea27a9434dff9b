"""The work of an import job: reading and checking a stored upload (preview) and writing it
(apply). Run in the request for small files and by a Celery worker (imports.tasks) for large
ones; imports.services decides which."""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from audit.context import audit_context
from audit.services import record
from skills_portal.bulk import gc_paused
from targets.models import Indicator, Plan

from . import figures, plan_targets, quotas, unit_groups
from .choices import ImportStatus
from .files import read_file
from .kinds import GROUPS, QUOTA, TARGETS
from .kinds import layout as layout_of
from .models import ImportBatch
from .reader import ImportRefused

logger = logging.getLogger(__name__)
CHANGES_SHOWN = 200
# The first key of the advisory lock a running import job holds (the batch id is the second).
JOB_LOCK_NAMESPACE = 1917


@contextmanager
def job_lock(batch_id: int):
    """Yields whether this process now owns the batch's job. A job holds a PostgreSQL
    session advisory lock while it works, which dies with its process or connection: a batch
    left `running` whose lock is free has lost its worker (issue #19). Elsewhere (SQLite, one
    process) the job is always ours."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [JOB_LOCK_NAMESPACE, batch_id])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine and connection.is_usable():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)",
                               [JOB_LOCK_NAMESPACE, batch_id])


def resume_stalled(grace_seconds: int) -> list[int]:
    """Run the jobs of batches left `running` with nobody working on them (the message was
    lost with a restarted Redis, the worker was killed): a preview when the batch has not been
    previewed (no rows counted yet), else the apply its uploader confirmed. Returns their ids."""
    since = timezone.now() - dt.timedelta(seconds=grace_seconds)
    done = []
    for batch_id, rows in ImportBatch.unscoped.filter(
            status=ImportStatus.RUNNING, created_at__lt=since).values_list("pk", "rows"):
        with job_lock(batch_id) as mine:
            if not mine:
                continue  # a live job holds it
            logger.warning("Import batch %s was left running without a job; running it now.",
                           batch_id)
            if rows:
                run_apply(batch_id)
            else:
                preview(ImportBatch.unscoped.select_related("uploaded_by").get(pk=batch_id))
            done.append(batch_id)
    return done


def _refuse(batch: ImportBatch, message: str) -> None:
    batch.status, batch.message, batch.content = ImportStatus.REFUSED, message, None
    batch.save(update_fields=["status", "message", "content"])


def _progress(batch: ImportBatch):
    """Rows checked so far, for the page of a running job: through the cache, since the job
    reports from inside its transaction (a write to the batch would stay unseen until the
    commit) and while its COPY has the connection."""
    from django.core.cache import cache

    def report(rows: int) -> None:
        cache.set(batch.progress_key, rows, timeout=3600)
    return report


def _record(batch: ImportBatch, analysis) -> None:
    batch.rows = analysis.rows
    batch.created, batch.updated = len(analysis.create), len(analysis.update) + len(analysis.delete)
    batch.unchanged = analysis.unchanged
    batch.error_count = len(analysis.errors)
    batch.errors = [e.as_dict() for e in analysis.errors[:settings.IMPORT_MAX_LISTED_ERRORS]]
    batch.warnings = [w.as_dict() for w in analysis.warnings[:settings.IMPORT_MAX_LISTED_ERRORS]]
    batch.changes = analysis.change_rows(CHANGES_SHOWN)
    batch.names = analysis.names
    batch.progress = analysis.rows


def _analyse(batch: ImportBatch, *, write: bool):
    """Read the stored file and analyse it (or apply it, when `write`)."""
    with gc_paused():
        return _read_and_run(batch, write=write)


def _read_and_run(batch: ImportBatch, *, write: bool):
    sheets = read_file(bytes(batch.content), batch.file_name)
    user = batch.uploaded_by
    if batch.kind == TARGETS:
        return plan_targets.analyse(sheets, user=user, write=write)
    if batch.kind == GROUPS:
        return unit_groups.analyse(sheets, user=user, write=write)
    if batch.kind == QUOTA:
        options = batch.options or {}
        plan = Plan.unscoped.get(pk=options["plan"])
        indicator = Indicator.unscoped.filter(pk=options.get("indicator")).first()
        run = quotas.apply if write else quotas.analyse
        return run(sheets, user=user, plan=plan, indicator=indicator, year=options.get("year"),
                   file_name=batch.file_name)
    run = figures.apply if write else figures.analyse
    return run(layout_of(batch.kind), sheets, user=user, basis=batch.basis,
               progress=_progress(batch))


def preview(batch: ImportBatch) -> ImportBatch:
    """Check the stored file and record what applying it would do. Writes no figure."""
    try:
        analysis = _analyse(batch, write=False)
    except ImportRefused as exc:
        _refuse(batch, str(exc))
        return batch
    _record(batch, analysis)
    batch.status = ImportStatus.PREVIEWED
    names = len(analysis.names)
    batch.message = (f"有 {names} 个名称未找到：请在“待选择的名称”中选择它们所指的单位或部门，"
                     "其余错误请修改文件后重新上传" if analysis.errors and names
                     else "发现错误，请修改文件后重新上传" if analysis.errors
                     else "检查通过，确认后导入" if analysis.pairs
                     else "文件中的数据与系统中已有数据相同，无需导入")
    batch.save()
    return batch


def run_apply(batch_id: int) -> ImportBatch:
    batch = ImportBatch.unscoped.select_related("uploaded_by").get(pk=batch_id)
    if batch.status != ImportStatus.RUNNING:
        # A job redelivered after its worker died (or sent twice) finds the batch already
        # applied, refused or failed: nothing to do, and its record is not overwritten.
        return batch
    try:
        with audit_context(batch=batch):  # every audit entry of the apply names the batch
            analysis = _analyse(batch, write=True)
    except ImportRefused as exc:
        _refuse(batch, str(exc))
        return batch
    except Exception as exc:
        logger.exception("import %s failed", batch.pk)
        if isinstance(exc, (OperationalError, InterfaceError)):
            # The connection died (a restart, pg_terminate_backend): the transaction was rolled
            # back with it. Say so, on a fresh connection, and keep the file for a retry.
            if not connection.in_atomic_block:
                connection.close()
            batch.message = "导入失败，未保存任何内容：与数据库的连接中断。请稍后重新上传并确认。"
        else:
            batch.message = f"导入失败，未保存任何内容（{type(exc).__name__}）"
        batch.status = ImportStatus.FAILED
        batch.save(update_fields=["status", "message"])
        return batch
    _record(batch, analysis)
    if analysis.errors:
        batch.status = ImportStatus.PREVIEWED
        batch.message = "导入时发现错误（数据可能已被他人修改），未保存任何内容"
    else:
        batch.status, batch.applied_at = ImportStatus.APPLIED, timezone.now()
        batch.message = "已导入"
        _audit_applied(batch, analysis)
        batch.content = None  # the figures are in the database; the record keeps the checksum
    batch.save()
    return batch


def _audit_applied(batch: ImportBatch, analysis) -> None:
    user = batch.uploaded_by
    # The summary belongs to the unit the import wrote for, when there is only one.
    units = {unit for unit, _month in getattr(analysis, "pairs", ())}
    record(actor=user, action="import", obj=batch, batch=batch,
           org_unit=units.pop() if len(units) == 1 else None,
           note=f"{batch.file_name}：新增 {batch.created}，修改 {batch.updated}，"
                f"未变 {batch.unchanged}（共 {batch.rows} 行）")
