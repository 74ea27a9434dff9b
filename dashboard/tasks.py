"""Thin Celery wrappers around dashboard services."""

import datetime as dt

from celery import shared_task

from skills_portal import clock

from .services import issue_monthly_bulletins, notify_red_warnings


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def issue_monthly_bulletins_task(month: str) -> list[int]:
    """Issue the month's first bulletins (YYYY-MM) once its roll-up has committed."""
    year, number = (int(x) for x in month.split("-"))
    return [b.pk for b in issue_monthly_bulletins(month=dt.date(year, number, 1))]


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_red_warnings_task(month: str | None = None) -> dict:
    """Tell the reviewers of the units in red warning in the month (YYYY-MM; by default the
    month being reported), once each and once their figures are in. Daily from the beat, and
    after the month's full roll-up."""
    if month is None:
        return notify_red_warnings(month=clock.previous_month())
    year, number = (int(x) for x in month.split("-"))
    return notify_red_warnings(month=dt.date(year, number, 1))


def month_rolled_up(month: str) -> None:
    """The `month_rolled_up` hook (filled in DashboardConfig.ready()): a finished month's
    roll-up has committed, so its bulletins are issued and the reviewers of units in red
    warning told, by a worker."""
    issue_monthly_bulletins_task.delay(month)
    notify_red_warnings_task.delay(month)


def issue_now(month: str) -> int:
    """The same, in this process (`manage.py rollup --bulletins`): how many were issued."""
    return len(issue_monthly_bulletins_task.run(month))
