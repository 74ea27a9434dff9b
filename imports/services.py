"""Writes of the imports app: upload → preview → confirm (or discard), each step recorded on
the ImportBatch. Small files are handled in the request; larger ones by a Celery job (the
page polls the batch's progress)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from org.access import Scope
from org.closure import OrgUnitClosure
from org.models import Department, NameAlias, OrgUnit
from org.services import scoped_save

from .choices import ImportStatus, ValueBasis
from .exports import build, forget_old
from .jobs import _refuse, job_lock, preview, run_apply
from .kinds import GROUPS, QUOTA, TARGETS
from .kinds import layout as layout_of
from .models import ExportJob, ImportBatch
from .tasks import apply_import, build_export, preview_import

logger = logging.getLogger(__name__)


def _in_background(task, run_here, batch_id: int, *, locked: bool = True) -> None:
    """Hand a large file's job to Celery once the batch is committed. With the broker down
    (the send fails within REDIS_TIMEOUT_SECONDS) the job runs in this request instead: slower
    for the user, but the upload is answered and never left waiting on a worker that will not
    come (issue #19)."""
    def send():
        try:
            task.delay(batch_id)
        except Exception:  # kombu's OperationalError, a refused or timed-out connection
            logger.warning("Broker unreachable; job %s (%s) runs in the request.", batch_id,
                           task.name, exc_info=True)
            if not locked:
                run_here(batch_id)
                return
            with job_lock(batch_id):
                run_here(batch_id)
    transaction.on_commit(send)


def upload(*, user, kind: str, basis: str, file_name: str, data: bytes,
           options: dict | None = None) -> ImportBatch:
    """Record the upload and preview it (now, or through Celery for a large file). A quota
    table needs `options` = {"plan": id, "indicator": id or None, "year": int or None}."""
    if layout_of(kind) is None and kind not in (QUOTA, TARGETS, GROUPS):
        raise ValidationError("未知的导入类型")
    if kind == QUOTA and not (options or {}).get("plan"):
        raise ValidationError("导入指标分解表需要选择方案")
    if basis not in ValueBasis.values:
        raise ValidationError("数据口径只能是“本月”或“累计”")
    batch = ImportBatch.unscoped.create(
        kind=kind, basis=basis, uploaded_by=user, file_name=file_name[:255],
        file_size=len(data), sha256=hashlib.sha256(data).hexdigest(), options=options or {},
        content=data if len(data) <= settings.IMPORT_MAX_BYTES else None,
    )
    if len(data) > settings.IMPORT_MAX_BYTES:
        _refuse(batch, f"文件大小 {len(data) / 2**20:.1f} MB，超过上限 "
                       f"{settings.IMPORT_MAX_BYTES / 2**20:.0f} MB。请按月份或地区拆分后分别上传。")
        return batch
    if len(data) > settings.IMPORT_ASYNC_BYTES:
        batch.status = ImportStatus.RUNNING
        batch.message = "正在检查文件…"
        batch.save(update_fields=["status", "message"])
        _in_background(preview_import, _preview_by_id, batch.pk)
        return batch
    preview(batch)
    return batch


def confirm(batch: ImportBatch, *, user) -> ImportBatch:
    """Apply a previewed batch: only its uploader, only once, only without errors."""
    if batch.uploaded_by_id != user.pk:
        raise PermissionDenied("只有上传者本人可以确认导入")
    with transaction.atomic():
        locked = ImportBatch.unscoped.select_for_update().get(pk=batch.pk)
        if not locked.is_confirmable:
            raise ValidationError("这个导入不能确认（已处理、已放弃、有错误或没有需要导入的变更）")
        locked.status, locked.message = ImportStatus.RUNNING, "正在导入…"
        locked.save(update_fields=["status", "message"])
    if batch.file_size > settings.IMPORT_ASYNC_BYTES:
        _in_background(apply_import, run_apply, batch.pk)
        batch.refresh_from_db()
        return batch
    with job_lock(batch.pk):  # the resume sweep leaves a batch alone while we apply it
        return run_apply(batch.pk)


def _preview_by_id(batch_id: int) -> None:
    preview(ImportBatch.unscoped.select_related("uploaded_by").get(pk=batch_id))


def discard(batch: ImportBatch, *, user) -> ImportBatch:
    if batch.uploaded_by_id != user.pk:
        raise PermissionDenied("只有上传者本人可以放弃导入")
    updated = ImportBatch.unscoped.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.DISCARDED, content=None, message="已放弃")
    if not updated:
        raise ValidationError("这个导入已处理，不能放弃")
    batch.refresh_from_db()
    return batch


def choose_names(batch: ImportBatch, *, user, choices: dict[str, str]) -> ImportBatch:
    """Apply the names chosen in a preview ({"unit:温州经开区": "<unit id>", "department:<unit
    id>:市人社局": "<department id>"}): each is kept as an alias (audited, used at and below
    the chooser's unit) and the file is checked again. Only a candidate the preview offered
    may be chosen; a name left unchosen stays an error."""
    if batch.uploaded_by_id != user.pk:
        raise PermissionDenied("只有上传者本人可以选择名称")
    if batch.status != ImportStatus.PREVIEWED or batch.content is None:
        raise ValidationError("这个导入已处理，不能再选择名称")
    offered = {_name_key(n): n for n in batch.names}
    chosen = []
    for key, value in choices.items():
        name = offered.get(key)
        if name is None or not value:
            continue
        candidates = {str(pk) for pk, _label in name["candidates"]}
        if str(value) not in candidates:
            raise ValidationError(f"「{name['text']}」只能在列出的候选中选择")
        chosen.append((name, int(value)))
    if not chosen:
        raise ValidationError("请至少为一个名称选择对应的单位或部门")
    with transaction.atomic():
        for name, pk in chosen:
            _keep_alias(user, name, pk)
    batch.refresh_from_db()
    preview(batch)
    return batch


def _name_key(name: dict) -> str:
    return (f"unit:{name['text']}" if name["kind"] == NameAlias.UNIT
            else f"department:{name['unit']}:{name['text']}")


def _keep_alias(user, name: dict, pk: int) -> NameAlias:
    if name["kind"] == NameAlias.UNIT:
        unit, department = OrgUnit.unscoped.get(pk=pk), None
    else:
        department = Department.unscoped.select_related("org_unit").get(pk=pk)
        unit = department.org_unit
    scope = _alias_scope(user, unit)
    written = name["text"].replace(" ", "")
    alias = NameAlias.unscoped.filter(kind=name["kind"], scope=scope, text=written).first() \
        or NameAlias(kind=name["kind"], scope=scope, text=written, created_by=user)
    alias.org_unit, alias.department = unit, department
    return scoped_save(user=user, obj=alias, audit_note="导入预览中选择的名称")


def _alias_scope(user, unit: OrgUnit) -> OrgUnit:
    """The unit an alias is kept for: the chooser's own unit above the one chosen (the top of
    the tree for a superuser)."""
    ancestors = dict(OrgUnitClosure.objects.filter(descendant=unit).values_list("ancestor_id",
                                                                                 "depth"))
    mine = [m.org_unit_id for m in Scope.of(user).memberships() if m.org_unit_id in ancestors]
    if mine:
        return OrgUnit.unscoped.get(pk=min(mine, key=lambda pk: -ancestors[pk]))
    if Scope.of(user).is_global:
        return OrgUnit.unscoped.get(pk=max(ancestors, key=ancestors.get))
    raise PermissionDenied("所选单位不在您的权限范围内")


def request_export(*, user, kind: str, fmt: str, query: str) -> ExportJob:
    """Ask for a large export: the job is built by a Celery worker (or in this request when
    the broker is down) and downloaded from its page when ready."""
    forget_old(user)
    job = ExportJob.unscoped.create(kind=kind, fmt=fmt, query=query[:4000], requested_by=user)
    _in_background(build_export, _build_export_by_id, job.pk, locked=False)
    return job


def _build_export_by_id(job_id: int) -> None:
    build(ExportJob.unscoped.select_related("requested_by").get(pk=job_id))
