"""Thin Celery wrappers around the import services, for files above IMPORT_ASYNC_BYTES."""

from celery import shared_task
from django.conf import settings

from . import exports
from .choices import ExportStatus, ImportStatus
from .jobs import job_lock, preview, resume_stalled, run_apply
from .models import ExportJob, ImportBatch


@shared_task(acks_late=True)
def preview_import(batch_id: int) -> str:
    with job_lock(batch_id) as mine:
        if not mine:  # sent twice: the other job has it
            return "busy"
        batch = ImportBatch.unscoped.select_related("uploaded_by").get(pk=batch_id)
        if batch.status != ImportStatus.RUNNING:  # redelivered after it was done: keep it
            return batch.status
        return preview(batch).status


@shared_task(acks_late=True)
def apply_import(batch_id: int) -> str:
    with job_lock(batch_id) as mine:
        return run_apply(batch_id).status if mine else "busy"


@shared_task(acks_late=True)
def resume_stalled_imports() -> list[int]:
    """Every few minutes (beat): the jobs of batches left running by a lost worker or a lost
    message."""
    return resume_stalled(settings.IMPORT_RESUME_AFTER_SECONDS)


@shared_task(acks_late=True)
def build_export(job_id: int) -> str:
    job = ExportJob.unscoped.select_related("requested_by").get(pk=job_id)
    if job.status != ExportStatus.PENDING:  # redelivered after it was taken: keep it
        return job.status
    return exports.build(job).status
