"""Writes of the imports app: upload → preview → confirm (or discard), each step recorded on
the ImportBatch. Small files are handled in the request; larger ones by a Celery job (the
page polls the batch's progress)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from skills_portal.bulk import gc_paused

from .choices import ImportStatus, ValueBasis
from .kinds import QUOTA, TARGETS
from .kinds import layout as layout_of
from .models import ImportBatch
from .reader import ImportRefused, read_workbook

logger = logging.getLogger(__name__)
CHANGES_SHOWN = 200


def upload(*, user, kind: str, basis: str, file_name: str, data: bytes,
           options: dict | None = None) -> ImportBatch:
    """Record the upload and preview it (now, or through Celery for a large file). A quota
    table needs `options` = {"plan": id, "indicator": id or None, "year": int or None}."""
    if layout_of(kind) is None and kind not in (QUOTA, TARGETS):
        raise ValidationError("未知的导入类型")
    if kind == QUOTA and not (options or {}).get("plan"):
        raise ValidationError("导入指标分解表需要选择方案")
    if basis not in ValueBasis.values:
        raise ValidationError("数据口径只能是“本月”或“累计”")
    batch = ImportBatch.objects.create(
        kind=kind, basis=basis, uploaded_by=user, file_name=file_name[:255],
        file_size=len(data), sha256=hashlib.sha256(data).hexdigest(), options=options or {},
        content=data if len(data) <= settings.IMPORT_MAX_BYTES else None,
    )
    if len(data) > settings.IMPORT_MAX_BYTES:
        _refuse(batch, f"文件大小 {len(data) / 2**20:.1f} MB，超过上限 "
                       f"{settings.IMPORT_MAX_BYTES / 2**20:.0f} MB。请按月份或地区拆分后分别上传。")
        return batch
    if len(data) > settings.IMPORT_ASYNC_BYTES:
        from .tasks import preview_import

        batch.status = ImportStatus.RUNNING
        batch.message = "正在检查文件…"
        batch.save(update_fields=["status", "message"])
        transaction.on_commit(lambda: preview_import.delay(batch.pk))
        return batch
    preview(batch)
    return batch


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
    batch.progress = analysis.rows


def _analyse(batch: ImportBatch, *, write: bool):
    """Read the stored file and analyse it (or apply it, when `write`)."""
    with gc_paused():
        return _read_and_run(batch, write=write)


def _read_and_run(batch: ImportBatch, *, write: bool):
    from . import figures, plan_targets, quotas

    sheets = read_workbook(bytes(batch.content), batch.file_name)
    user = batch.uploaded_by
    if batch.kind == TARGETS:
        return plan_targets.analyse(sheets, user=user, write=write)
    if batch.kind == QUOTA:
        from targets.models import Indicator, Plan

        options = batch.options or {}
        plan = Plan.objects.get(pk=options["plan"])
        indicator = Indicator.objects.filter(pk=options.get("indicator")).first()
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
    batch.message = ("发现错误，请修改文件后重新上传" if analysis.errors
                     else "检查通过，确认后导入" if analysis.pairs
                     else "文件中的数据与系统中已有数据相同，无需导入")
    batch.save()
    return batch


def confirm(batch: ImportBatch, *, user) -> ImportBatch:
    """Apply a previewed batch: only its uploader, only once, only without errors."""
    if batch.uploaded_by_id != user.pk:
        raise PermissionDenied("只有上传者本人可以确认导入")
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not locked.is_confirmable:
            raise ValidationError("这个导入不能确认（已处理、已放弃、有错误或没有需要导入的变更）")
        locked.status, locked.message = ImportStatus.RUNNING, "正在导入…"
        locked.save(update_fields=["status", "message"])
    if batch.file_size > settings.IMPORT_ASYNC_BYTES:
        from .tasks import apply_import

        transaction.on_commit(lambda: apply_import.delay(batch.pk))
        batch.refresh_from_db()
        return batch
    return run_apply(batch.pk)


def run_apply(batch_id: int) -> ImportBatch:
    from audit.context import audit_context

    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    try:
        with audit_context(batch=batch):  # every audit entry of the apply names the batch
            analysis = _analyse(batch, write=True)
    except ImportRefused as exc:
        _refuse(batch, str(exc))
        return batch
    except Exception as exc:
        logger.exception("import %s failed", batch.pk)
        batch.status, batch.message = ImportStatus.FAILED, f"导入失败，未保存任何内容（{type(exc).__name__}）"
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
    from audit.services import record

    user = batch.uploaded_by
    # The summary belongs to the unit the import wrote for, when there is only one.
    units = {unit for unit, _month in getattr(analysis, "pairs", ())}
    record(actor=user, action="import", obj=batch, batch=batch,
           org_unit=units.pop() if len(units) == 1 else None,
           note=f"{batch.file_name}：新增 {batch.created}，修改 {batch.updated}，"
                f"未变 {batch.unchanged}（共 {batch.rows} 行）")


def discard(batch: ImportBatch, *, user) -> ImportBatch:
    if batch.uploaded_by_id != user.pk:
        raise PermissionDenied("只有上传者本人可以放弃导入")
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.DISCARDED, content=None, message="已放弃")
    if not updated:
        raise ValidationError("这个导入已处理，不能放弃")
    batch.refresh_from_db()
    return batch
