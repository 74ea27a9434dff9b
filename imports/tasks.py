"""Thin Celery wrappers around the import services, for files above IMPORT_ASYNC_BYTES."""

from celery import shared_task

from .choices import ImportStatus
from .jobs import preview, run_apply
from .models import ImportBatch


@shared_task(acks_late=True)
def preview_import(batch_id: int) -> str:
    batch = ImportBatch.unscoped.select_related("uploaded_by").get(pk=batch_id)
    if batch.status != ImportStatus.RUNNING:  # redelivered after it was done: keep the result
        return batch.status
    return preview(batch).status


@shared_task(acks_late=True)
def apply_import(batch_id: int) -> str:
    return run_apply(batch_id).status
