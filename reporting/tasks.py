"""Thin Celery wrappers around reporting services."""

from celery import shared_task

from .services import send_reminders


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_deadline_reminders() -> dict:
    """Daily: remind units that have not submitted the month just ended (once each)."""
    return send_reminders()
