"""Writes of the progress app: marking changed unit-months for the roll-up. Lower layers
reach `mark_for_rollup` through the `rollup` hook (skills_portal.hooks), filled in
ProgressConfig.ready()."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import RollupMark
from .tasks import rollup_sweep

logger = logging.getLogger(__name__)


def mark_for_rollup(*, pairs: Iterable[tuple[int, dt.date]]) -> int:
    """Mark (org unit id, month) pairs as needing a roll-up: each unit's earliest and latest
    month among them (the sweep rolls up the months between too). Call inside the transaction
    that changes the figures; one statement whatever the number of pairs."""
    now = timezone.now()
    # The sweep rolls up every month from the earliest marked one through the latest marked
    # one (or snapshot): a change in one month changes the year-to-date actuals of the months
    # after it. So a unit's earliest and latest months say all a write changed, and a year's
    # import marks two months per unit instead of twelve. Figures are stored on the first of
    # the month already: only other dates are moved.
    span: dict[int, tuple[dt.date, dt.date]] = {}
    for unit, month in pairs:
        if month.day != 1:
            month = month.replace(day=1)
        first, last = span.get(unit, (month, month))
        span[unit] = (min(first, month), max(last, month))
    months = sorted({(u, m) for u, ends in span.items() for m in ends})
    if not months:
        return 0
    if connection.vendor == "postgresql":
        # An import marks tens of thousands of (unit, month) pairs: one upsert over two arrays,
        # without a model instance per mark.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RollupMark._meta.db_table} (org_unit_id, period, marked_at) "  # noqa: S608
                "SELECT u, p, %s FROM unnest(%s::bigint[], %s::date[]) AS m(u, p) "
                "ON CONFLICT (org_unit_id, period) DO UPDATE SET marked_at = EXCLUDED.marked_at",
                [now, [u for u, _ in months], [m for _, m in months]])
    else:
        RollupMark.objects.bulk_create(
            [RollupMark(org_unit_id=u, period=m, marked_at=now) for u, m in months],
            update_conflicts=True, unique_fields=["org_unit", "period"],
            update_fields=["marked_at"])
    if settings.ROLLUP_SWEEP_ON_COMMIT:
        transaction.on_commit(request_sweep)
    return len(months)


def request_sweep() -> None:
    """Ask Celery for a sweep. If the broker is down the marks stay in the database and the
    next scheduled sweep picks them up: a failed send loses nothing. In the embedded default
    (Celery eager) the sweep runs after the response, on this process's sweep thread
    (progress/background.py), so no write waits for the roll-up."""
    if rollup_sweep.app.conf.task_always_eager and settings.ROLLUP_SWEEP_IN_BACKGROUND:
        from . import background

        background.request()
        return
    try:
        rollup_sweep.apply_async(retry=False)
    except Exception:  # the broker is unreachable: logged, not raised to the user
        logger.warning("Could not reach the broker for a roll-up sweep; marks are kept.",
                       exc_info=True)
