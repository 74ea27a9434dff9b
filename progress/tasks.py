"""Thin Celery wrappers around targets services."""

import datetime as dt
import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from org.closure import OrgUnitClosure
from skills_portal import clock, hooks

from .rollup import (
    RollupBusy,
    mark_abandoned_runs,
    requeue_stalled_requests,
    rollup_month,
    run_request,
    sweep,
    unsent_requests,
)

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def verify_org_unit_closure() -> dict:
    """Compare the closure table with the tree; rebuild it if they differ."""
    missing = OrgUnitClosure.discrepancies()
    if missing:
        logger.warning("Org-unit closure differs from the tree in %s rows; rebuilding.", missing)
        rows = OrgUnitClosure.rebuild()
        return {"discrepancies": missing, "rebuilt_rows": rows}
    return {"discrepancies": 0}


@shared_task(acks_late=True, autoretry_for=(RollupBusy, ConnectionError), retry_backoff=True,
             max_retries=10)
def rollup_month_task(month: str, trigger: str = "full") -> dict:
    """Roll up one month (YYYY-MM). A worker killed mid-run leaves the previous snapshot in
    place (the swap is one transaction) and the task, acknowledged late, runs again."""
    year, number = (int(x) for x in month.split("-"))
    run = rollup_month(dt.date(year, number, 1), trigger=trigger, wait=False)
    # 一月一通报: the month's first bulletins (dashboard app), once the snapshot is committed.
    transaction.on_commit(lambda: hooks.month_rolled_up.month_rolled_up(month))
    return {"run": run.pk, "rows": run.rows_written}


@shared_task(acks_late=True)
def rollup_previous_month() -> dict:
    return rollup_month_task.run(clock.previous_month().strftime("%Y-%m"))


# Set (cache.add) by a save that sends a sweep, deleted by the sweep as it starts: while it is
# set, a sweep is queued that has not read the marks yet, and will read every mark committed
# before it starts, so later saves send none (progress.services.request_sweep). Its timeout
# bounds how long a lost message holds back the next send.
SWEEP_QUEUED_KEY = "rollup:sweep-queued"
# Beyond the sweep's delay (ROLLUP_SWEEP_DELAY_SECONDS): if the message is lost, the next save
# after this sends again.
SWEEP_QUEUED_SECONDS = 30


@shared_task(acks_late=True, autoretry_for=(RollupBusy,), retry_backoff=True, max_retries=10)
def rollup_sweep() -> list[str]:
    """Roll up the months with figures saved since the last sweep."""
    cache.delete(SWEEP_QUEUED_KEY)  # before reading the marks: a save from now sends again
    return [m.strftime("%Y-%m") for m in sweep()]


@shared_task(acks_late=True, autoretry_for=(RollupBusy,), retry_backoff=True, max_retries=10)
def redo_abandoned_rollups() -> list[str]:
    """Every minute (beat): runs whose process died are marked abandoned and their months
    rolled up again, so a killed roll-up is redone within minutes (the sweep does the same
    every 5 minutes; this keeps recovery under its interval)."""
    months = mark_abandoned_runs()
    for month in months:
        rollup_month(month, trigger="sweep")
    # Roll-up requests whose process died, or whose message never reached a worker (the
    # broker was down when it was sent): sent again. A request already taken ignores the
    # message (`run_request` takes only a queued one).
    for pk in sorted(set(requeue_stalled_requests()) | set(unsent_requests())):
        try:
            run_rollup_request.apply_async((pk,), retry=False)
        except Exception:
            logger.warning("Could not reach the broker for roll-up request %s.", pk,
                           exc_info=True)
            break
    return [m.strftime("%Y-%m") for m in months]


@shared_task(acks_late=True)
def run_rollup_request(pk: int) -> dict | None:
    """Work through a roll-up request's months (progress.rollup.run_request): one run per
    month, its progress saved after each. A duplicate message finds the request taken and
    does nothing."""
    request = run_request(pk)
    if request is None:
        return None
    return {"request": pk, "status": request.status, "months_done": request.months_done}

