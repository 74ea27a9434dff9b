"""Thin Celery wrappers around subsidies services."""

from celery import shared_task

from . import services
from .models import Scheme


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def generate_claims_task(scheme_id: int | None = None) -> dict:
    """Create the claims active schemes give for records not yet claimed (idempotent)."""

    scheme = Scheme.unscoped.get(pk=scheme_id) if scheme_id else None
    report = services.generate_claims(scheme=scheme)
    return {"schemes": report.schemes, "created": report.created, "amount": str(report.amount),
            "skipped": dict(report.skipped)}


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def expire_vouchers_task() -> dict:
    return {"expired": services.expire_vouchers()}
