"""Reads of the progress app for other apps (through skills_portal.hooks.progress)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from skills_portal import clock

from .models import ProgressSnapshot


def latest_of(target_ids) -> dict[int, dict]:
    """The latest snapshot of each target up to the month being reported (never a month after
    it), as plain values: {target id: {period, actual, target_value, completion_rate,
    time_progress, status, status_label, value_as_of}}. One query."""
    month = clock.previous_month()
    newest = (ProgressSnapshot.unscoped.filter(target_id=OuterRef("target_id"), period__lte=month)
              .order_by("-period").values("period")[:1])
    rows = (ProgressSnapshot.unscoped.filter(target_id__in=list(target_ids), period__lte=month)
            .filter(period=Subquery(newest)))
    return {s.target_id: {
        "period": s.period, "actual": s.actual, "target_value": s.target_value,
        "completion_rate": s.completion_rate, "time_progress": s.time_progress,
        "status": s.status, "status_label": s.get_status_display(), "value_as_of": s.value_as_of,
    } for s in rows}
