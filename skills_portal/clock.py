"""The business date: the day the portal's rules count from — the month being reported (the
previous one), entry windows, deadlines and reminders, the newest month an import or a claim
may name. It is today, unless the PORTAL_TODAY setting fixes it: a demonstration or training
copy whose figures end in a past month runs as of then (`scripts/serve` sets it for the demo).
Timestamps of writes and audit entries always stay the real time."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    return settings.PORTAL_TODAY or timezone.localdate()


def previous_month(day: dt.date | None = None) -> dt.date:
    """The first day of the month before `day`'s, by default before the business date's: the
    month being reported."""
    return ((day or today()).replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(text: str | None) -> dt.date | None:
    """"2025-09" as the first of that month; None for anything else."""
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return None
