"""Foresight for every snapshot (#20): where a target will stand at its window's end
(projection), the monthly pace still needed to reach it (还需月均完成) beside the pace so far,
and an early-warning level (预警) from the projected completion against thresholds stored as
data (`WarningLevel`).

Projection methods:
- `seasonal` (flows): this year's figures so far scaled by the share of a year's total that
  was done by this month last year — training is heavily back-loaded — from the unit's own
  history (its targets' snapshots last year), else its parent's, else the country's;
- `pace` (flows without a usable history): completion ÷ time progress, the naive baseline;
- `trend` (stocks and ratios): the level's trend since the window's first month carried to its
  end (an increment target's trend starts at 0).

The roll-up calls `history()` once per month (a few grouped queries over earlier snapshots)
and `foresee()` once per target; nothing here reads figure rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Max, Q

from org.models import OrgUnit
from targets.choices import Comparator
from targets.measures import months_in

from .models import ProgressSnapshot, WarningLevel

FOUR = Decimal("0.0001")
SEASONAL, PACE, TREND = "seasonal", "pace", "trend"
# Below this share of last year's total done by now, a year's shape says too little: pace.
MIN_SHARE = Decimal("0.05")
_CEILING = str(Comparator.LTE.value)


@dataclass(slots=True)
class Foresight:
    projected: Decimal | None = None
    projected_completion: Decimal | None = None
    method: str = ""
    required_pace: Decimal | None = None
    pace_so_far: Decimal | None = None
    warning: str = ""


@dataclass(slots=True)
class History:
    """What the roll-up of one month knows of the past, read once per month."""

    # (indicator, unit, department) -> {month of last year (1..12): cumulative share of last
    # year's total done by the end of that month}
    shapes: dict[tuple, dict[int, Decimal]]
    parents: dict[int, int | None]
    # target -> its actual at the end of last December (multi-year windows)
    last_december: dict[int, Decimal]
    # target -> its actual at the end of its window's first month (stocks and ratios)
    first_month: dict[int, Decimal]
    levels: list[tuple[Decimal, str]]  # (projected completion below, level), most severe first

    def shape(self, indicator_id: int, unit_id: int, department_id: int | None
              ) -> dict[int, Decimal] | None:
        """Last year's cumulative shares for the series, from the unit, else its nearest
        ancestor with a history, else none."""
        for department in dict.fromkeys((department_id, None)):
            unit = unit_id
            while unit is not None:
                found = self.shapes.get((indicator_id, unit, department))
                if found is not None:
                    return found
                unit = self.parents.get(unit)
        return None


# The thresholds a fresh database starts with (migration progress 0006); they apply too where
# none are stored (a test database flushed between tests).
DEFAULT_LEVELS = ((Decimal("0.80"), "red"), (Decimal("0.90"), "orange"), (Decimal("1.00"), "yellow"))


def warning_levels() -> list[tuple[Decimal, str]]:
    """(threshold, level), the most severe first."""
    stored = sorted((lv.below, lv.code) for lv in WarningLevel.objects.all())
    return stored or list(DEFAULT_LEVELS)


def history(month: dt.date, targets, *, flow_indicators: set[int]) -> History:
    """The previous year's shapes of the flow series in force and the earlier snapshots the
    projections of `targets` (TargetFacts) need. Three grouped queries."""
    year = month.year
    jan_last, dec_last = dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 1)
    dec_before = dt.date(year - 2, 12, 1)
    # Which months of last year's curve are needed: this month, and where a window starts or
    # ends inside this year, the month before it starts and the month it ends.
    wanted = {month.month, 12}
    for t in targets:
        if t.period_start.year == year and t.period_start.month > 1:
            wanted.add(t.period_start.month - 1)
        if t.period_end.year >= year:
            wanted.add(t.period_end.month)
    periods = [dt.date(year - 1, m, 1) for m in sorted(wanted)]
    shapes: dict[tuple, dict[int, Decimal]] = {}
    if flow_indicators:
        # Last year's targets covering the whole year, one row per series and window start:
        # the same unit, indicator and sector have the same actuals whatever the plan.
        rows = (ProgressSnapshot.unscoped
                .filter(period__in=[*periods, dec_before], actual__isnull=False,
                        target__indicator_id__in=flow_indicators, target__is_increment=False,
                        target__period_start__lte=jan_last, target__period_end__gte=dec_last)
                .values("target__indicator_id", "target__org_unit_id", "target__department_id",
                        "target__period_start")
                .annotate(**{f"m{p.month}": Max("actual", filter=Q(period=p)) for p in periods},
                          before=Max("actual", filter=Q(period=dec_before)))
                .order_by())
        for r in rows:
            base = r["before"] if r["target__period_start"] < jan_last else Decimal(0)
            total = r["m12"]
            if base is None or total is None or total - base <= 0:
                continue
            key = (r["target__indicator_id"], r["target__org_unit_id"],
                   r["target__department_id"])
            if key in shapes:
                continue
            curve = {}
            for p in periods:
                done = r[f"m{p.month}"]
                if done is not None:
                    curve[p.month] = min(max((done - base) / (total - base), Decimal(0)),
                                         Decimal(1))
            shapes[key] = curve
    parents = dict(OrgUnit.unscoped.values_list("pk", "parent_id")) if shapes else {}
    multi_year = [t.pk for t in targets if t.period_start < dt.date(year, 1, 1)
                  and t.indicator_id in flow_indicators]
    last_december = {}
    if multi_year:
        last_december = dict(
            ProgressSnapshot.unscoped.filter(period=dt.date(year - 1, 12, 1),
                                             actual__isnull=False,
                                             target__period_start__lt=dt.date(year, 1, 1))
            .values_list("target_id", "actual"))
    levels_needed = any(t.indicator_id not in flow_indicators and not t.is_increment
                        and t.period_start < month for t in targets)
    first_month = {}
    if levels_needed:
        first_month = dict(
            ProgressSnapshot.unscoped.filter(period=F("target__period_start"),
                                             period__lt=month, actual__isnull=False)
            .exclude(target__indicator_id__in=flow_indicators)
            .values_list("target_id", "actual"))
    return History(shapes=shapes, parents=parents, last_december=last_december,
                   first_month=first_month, levels=warning_levels())


def _seasonal(actual: Decimal, t, month: dt.date, past: History) -> Decimal | None:
    curve = past.shape(t.indicator_id, t.org_unit_id, t.department_id)
    if curve is None:
        return None
    year = month.year
    if t.period_start.year == year:  # the window started this year: its months before count 0
        before = Decimal(0)
        start_share = curve.get(t.period_start.month - 1, Decimal(0))
    else:
        before = past.last_december.get(t.pk)
        start_share = Decimal(0)
        if before is None:
            return None
    now_share = curve.get(month.month)
    end_share = curve.get(t.period_end.month)
    if now_share is None or end_share is None or now_share - start_share < MIN_SHARE:
        return None
    this_year = (actual - before) / (now_share - start_share)  # a whole calendar year's volume
    if t.period_end.year == year:
        rest = this_year * (end_share - now_share)
    else:  # the rest of this year, the whole years between, the last year up to its end
        rest = this_year * ((1 - now_share) + (t.period_end.year - year - 1) + end_share)
    return actual + rest


def foresee(t, actual: Decimal | None, month: dt.date, past: History, *,
            flow: bool, completion: Decimal | None) -> Foresight:
    """The projection, required pace and warning of one target in force at `month`."""
    value = t.value
    if actual is None:
        return Foresight()
    total = months_in(t.period_start, t.period_end)
    elapsed = min(max(months_in(t.period_start, month), 1), total)
    remaining = total - elapsed
    if not remaining:
        # The window's last month: the outcome is known, not foreseen; the status says it.
        return Foresight(projected=actual, projected_completion=completion)
    result = Foresight()
    if flow:
        result.pace_so_far = (actual / elapsed).quantize(FOUR)
        projected = _seasonal(actual, t, month, past)
        if projected is not None:
            result.method = SEASONAL
        else:
            projected, result.method = actual * total / elapsed, PACE
    else:
        if t.is_increment:
            start, span = Decimal(0), elapsed
        else:
            start, span = past.first_month.get(t.pk), elapsed - 1
        if start is not None and span > 0:
            slope = (actual - start) / span
            result.pace_so_far = slope.quantize(FOUR)
            projected = actual + slope * remaining
        else:
            projected = actual
        result.method = TREND
    result.projected = projected.quantize(FOUR)
    if value:
        result.projected_completion = (projected / value).quantize(FOUR)
    if value is not None and t.comparator != _CEILING:
        if completion is not None and completion >= 1:
            result.required_pace = Decimal(0)
        else:
            result.required_pace = ((value - actual) / remaining).quantize(FOUR)
    result.warning = warn(result.projected_completion, completion, t.comparator, past.levels)
    return result


def warn(projected_completion: Decimal | None, completion: Decimal | None, comparator: str,
         levels: list[tuple[Decimal, str]]) -> str:
    """The most severe level whose threshold the projected completion is below; none for a
    target already met. A ceiling (不超过) warns red when it is projected to be passed."""
    if projected_completion is None:
        return ""
    if comparator == _CEILING:
        return levels[0][1] if levels and projected_completion > 1 else ""
    if completion is not None and completion >= 1:
        return ""
    for below, code in levels:
        if projected_completion < below:
            return code
    return ""

