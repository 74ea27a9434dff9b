"""Deadlines and entry windows: which `ReportingSchedule` applies to a unit and month.

A schedule for a plan applies to the units under the plan's issuer while the plan is in force;
the plan issued closest to the unit wins; otherwise the default schedule (no plan); otherwise
the built-in default (due on the 5th of the next month, entry never closes). Resolved for
many units at once in one query (the schedules themselves are remembered for a few seconds:
`skills_portal.memo`)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from org.closure import OrgUnitClosure
from skills_portal.memo import Memo
from targets.measures import next_month
from targets.models import Plan

from .models import DEFAULT_DEADLINE_DAY, DEFAULT_REMINDER_DAYS, ReportingSchedule


@dataclass(frozen=True)
class Rules:
    deadline_day: int = DEFAULT_DEADLINE_DAY
    entry_close_days: int | None = None
    reminder_days: int = DEFAULT_REMINDER_DAYS

    def deadline(self, period: dt.date) -> dt.date:
        following = next_month(period)
        last = calendar.monthrange(following.year, following.month)[1]
        return following.replace(day=min(self.deadline_day, last))

    def entry_closes(self, period: dt.date) -> dt.date | None:
        """The last day figures of `period` may be entered (None: never closes)."""
        if self.entry_close_days is None:
            return None
        month_end = next_month(period) - dt.timedelta(days=1)
        return month_end + dt.timedelta(days=self.entry_close_days)

    def remind_from(self, period: dt.date) -> dt.date:
        return self.deadline(period) - dt.timedelta(days=self.reminder_days)


def _rules(schedule: ReportingSchedule | None) -> Rules:
    if schedule is None:
        return Rules()
    return Rules(deadline_day=schedule.deadline_day, entry_close_days=schedule.entry_close_days,
                 reminder_days=schedule.reminder_days)


def _read_schedules() -> tuple[Rules, list[ReportingSchedule]]:
    default = _rules(ReportingSchedule.unscoped.filter(plan__isnull=True).first())
    planned = list(ReportingSchedule.unscoped.filter(plan__isnull=False, plan__is_reference=False)
                   .select_related("plan"))
    return default, planned


# Read on every save and grid page (the entry window): remembered for a few seconds.
_schedules = Memo(_read_schedules, seconds=5.0, models=(ReportingSchedule, Plan))


def rules_for(pairs) -> dict[tuple[int, dt.date], Rules]:
    """{(unit id, month): Rules} for the given (unit id, month) pairs."""
    pairs = {(u, m if m.day == 1 else m.replace(day=1)) for u, m in pairs}
    default, planned = _schedules.get()
    if not planned:
        return dict.fromkeys(pairs, default)
    issuers = {s.plan.issuer_unit_id for s in planned}
    depth: dict[tuple[int, int], int] = {
        (d, a): depth for d, a, depth in OrgUnitClosure.objects.filter(
            descendant_id__in={u for u, _ in pairs}, ancestor_id__in=issuers)
        .values_list("descendant_id", "ancestor_id", "depth")
    }
    result = {}
    for unit, month in pairs:
        best, best_depth = None, None
        for s in planned:
            d = depth.get((unit, s.plan.issuer_unit_id))
            if d is None:
                continue
            plan = s.plan
            if (plan.period_start and month < plan.period_start) or \
                    (plan.period_end and month > plan.period_end):
                continue
            if best_depth is None or d < best_depth:
                best, best_depth = s, d
        result[(unit, month)] = _rules(best) if best else default
    return result


def rules_of(unit_id: int, period: dt.date) -> Rules:
    return rules_for([(unit_id, period)])[(unit_id, period.replace(day=1))]
