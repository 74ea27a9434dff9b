"""What a reviewer approves: every figure of the report's unit for the month. First each target
the unit (or, for a department's report, the department) owns in the month — this month's
value, the previous month's, the cumulative value over the target's window, the target and
the status; then, for a unit's report, every other indicator with a figure this month or last
month (year to date, no target).

Computed live with the roll-up's own rules (`progress.rollup.actuals`, `judge`,
`time_progress`), so the page shows the figures as they are in the database now rather than
as of the last roll-up; values cover the unit's whole subtree, as the roll-up counts them.
Each submission stores the values (`target_values`), so a row whose value changed since the
last submission can be marked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext

from progress.choices import ProgressStatus
from progress.rollup import TargetFacts, actuals, judge, time_progress
from skills_portal import clock
from targets.choices import Comparator, IndicatorKind, IndicatorSource
from targets.measures import registry
from targets.models import Indicator, Target

FOUR = Decimal("0.0001")


@dataclass
class FigureRow:
    key: str  # "t<target id>" or "i<indicator id>": how a submission stores the row
    indicator: Indicator
    target: Target | None
    month_value: Decimal | None
    previous_value: Decimal | None
    cumulative: Decimal | None
    window_label: str
    status: str = ""  # a ProgressStatus; empty without a target
    changed: bool = False

    @property
    def target_value(self) -> Decimal | None:
        return self.target.value if self.target else None

    @property
    def status_label(self) -> str:
        return ProgressStatus(self.status).label if self.status else "—"

    @property
    def badge(self) -> str:
        """The page's badge class for the status."""
        return {ProgressStatus.DONE: "balanced", ProgressStatus.AHEAD: "balanced",
                ProgressStatus.ON_PACE: "soft", ProgressStatus.BEHIND: "under",
                ProgressStatus.SERIOUSLY_BEHIND: "under"}.get(self.status, "incomplete")

    @property
    def stored(self) -> dict:
        return {"month": plain(self.month_value), "cumulative": plain(self.cumulative)}


def plain(value: Decimal | None) -> str | None:
    """A value as stored in a submission: '22127', '12.5'; None stays None."""
    if value is None:
        return None
    return format(Decimal(value).quantize(FOUR).normalize(), "f")


def owned_targets(report) -> list[Target]:
    """The targets in force in the report's month that its unit owns (a unit's report: all of
    them, its departments' included; a department's report: the department's)."""
    qs = Target.unscoped.filter(plan__is_reference=False, org_unit_id=report.org_unit_id,
                                period_start__lte=report.period,
                                period_end__gte=report.period)
    if report.department_id:
        qs = qs.filter(department_id=report.department_id)
    return list(qs.select_related("plan", "indicator", "department", "org_unit")
                .order_by("plan__period_start", "plan_id", "department_id", "indicator__code",
                          "period_start", "pk"))


def _measurable(indicator: Indicator | None) -> bool:
    """Whether the roll-up can compute the indicator (a measure not declared, or declared
    without its figures' source yet, cannot be counted)."""
    if indicator is None:
        return False
    if indicator.kind == IndicatorKind.RATIO:
        return _measurable(indicator.numerator) and _measurable(indicator.denominator)
    if indicator.source != IndicatorSource.MEASURE:
        return True
    measure = registry.get(indicator.measure)
    return measure is not None and measure.source is not None


def _fact(pk: int, indicator: Indicator, unit, *, start: dt.date, end: dt.date,
          target: Target | None = None) -> TargetFacts:
    return TargetFacts(
        pk=pk, plan_id=target.plan_id if target else 0, indicator_id=indicator.pk,
        org_unit_id=unit.pk, unit_parent_id=unit.parent_id,
        department_id=target.department_id if target else None,
        sector=target.department.sector if target and target.department_id else None,
        period_start=start, period_end=end, value=target.value if target else None,
        comparator=target.comparator if target else Comparator.GTE,
        is_soft=target.is_soft if target else False,
        is_increment=target.is_increment if target else False,
        baseline=target.baseline if target else None,
        parent_id=target.parent_id if target else None, axis=target.axis if target else "",
        indicator=indicator)


def _has_stock(indicator: Indicator) -> bool:
    if indicator.kind == IndicatorKind.RATIO:
        return _has_stock(indicator.numerator) or _has_stock(indicator.denominator)
    return indicator.kind == IndicatorKind.STOCK


def _year_to_date(indicator: Indicator, month: dt.date) -> dt.date:
    """Where an indicator without a target counts from: the start of the year for flows and
    ratios of flows; the month itself when a stock is involved (a level, or a ratio to one:
    a year's flow over a month-end level would mean nothing)."""
    return month if _has_stock(indicator) else month.replace(month=1)


def _window_label(indicator: Indicator, start: dt.date, month: dt.date) -> str:
    values = {"year": month.year, "month": month.month, "mm": f"{month.month:02d}",
              "start_month": start.month, "start_mm": f"{start.month:02d}"}
    if indicator.kind == IndicatorKind.STOCK:
        return gettext("end of %(year)s-%(mm)s") % values
    if start == month:
        return gettext("%(year)s-%(mm)s") % values
    return gettext("%(year)s-%(start_mm)s to %(mm)s") % values


def _one_month(facts: list[TargetFacts], month: dt.date) -> dict[int, Decimal | None]:
    """Each row's figure of `month` alone (a flow's sum in the month, a stock's level at its
    end), without the baseline of a "+N" target."""
    return actuals([replace(f, period_start=month, period_end=month, is_increment=False)
                    for f in facts], month)


def report_figures(report, *, submitted: dict | None = None) -> list[FigureRow]:
    """The rows of the report page's figure table: the targets first, then (for a unit's
    report) the other indicators with a figure this month or last. `submitted`: the latest
    submission's `target_values`; rows whose values differ from it are marked changed
    (nothing is marked when it is None or empty, e.g. a demo submission)."""
    month, unit = report.period, report.org_unit
    previous_month = clock.previous_month(month)
    targets = owned_targets(report)
    indicators = {i.pk: i for i in Indicator.unscoped.select_related(
        "numerator", "denominator").filter(is_active=True)}
    for t in targets:  # an inactive indicator's target still shows
        indicators.setdefault(t.indicator_id, t.indicator)
    targets = [t for t in targets if _measurable(indicators[t.indicator_id])]
    facts = [_fact(t.pk, indicators[t.indicator_id], unit, start=t.period_start,
                   end=t.period_end, target=t) for t in targets]
    others: list[Indicator] = []
    if not report.department_id:
        owned = {t.indicator_id for t in targets}
        others = [i for pk, i in sorted(indicators.items(), key=lambda kv: kv[1].code)
                  if pk not in owned and _measurable(i)]
        facts += [_fact(-i.pk, i, unit, start=_year_to_date(i, month), end=month)
                  for i in others]
    if not facts:
        return []
    cumulative = actuals(facts, month)
    this_month = _one_month(facts, month)
    previous = _one_month(facts, previous_month)
    by_pk = {t.pk: t for t in targets}
    rows = []
    for fact in facts:
        target = by_pk.get(fact.pk) if fact.pk > 0 else None
        actual = cumulative.get(fact.pk)
        row = FigureRow(key=f"t{fact.pk}" if target else f"i{-fact.pk}",
                        indicator=fact.indicator, target=target,
                        month_value=this_month.get(fact.pk),
                        previous_value=previous.get(fact.pk), cumulative=actual,
                        window_label=target.window_label if target else
                        _window_label(fact.indicator, fact.period_start, month))
        if target is not None:
            completion = (actual / target.value).quantize(FOUR) \
                if actual is not None and target.value else None
            row.status = judge(completion, time_progress(fact, month), target.comparator)
        elif not row.month_value and not row.previous_value:
            continue  # an indicator without a target shows only when it has a figure
        if submitted:
            row.changed = submitted.get(row.key) != row.stored
        rows.append(row)
    return rows


def target_values(report) -> dict[str, dict]:
    """{row key: {"month": value, "cumulative": value}} as plain strings: what a submission
    stores to mark later changes."""
    return {row.key: row.stored for row in report_figures(report)}
