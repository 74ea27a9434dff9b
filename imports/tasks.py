"""Thin Celery wrappers around the import services, for files above IMPORT_ASYNC_BYTES."""

from celery import shared_task

from .models import ImportBatch


@shared_task(acks_late=True)
def preview_import(batch_id: int) -> str:
    from .services import preview

    return preview(ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)).status


@shared_task(acks_late=True)
def apply_import(batch_id: int) -> str:
    from .services import run_apply

    return run_apply(batch_id).status
