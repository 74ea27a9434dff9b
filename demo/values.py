"""Deterministic demo figures, clearly marked as demo data (`is_demo=True`).

Only what the targets app stores is generated here: monthly manual DataValues for the manual
indicators that seed targets use (and the parts of ratio targets). The same inputs give the
same rows on every machine: each value comes from a random generator seeded with the
indicator, unit and month. Rows someone really entered are never touched.

Each reporting unit gets a steady "pace" (between 70% and 115% of what its share of the
target needs), so that the demo shows units ahead and behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from org.closure import OrgUnitClosure
from org.models import OrgUnit
from targets.choices import IndicatorKind, IndicatorSource
from targets.models import DataValue, Indicator, Target

# Figures run up to this month (or to the end of a target's window when that comes first).
DEMO_AS_OF = dt.date(2025, 9, 1)
# v2 keys the generators by division code; the suffix was searched so that 龙陵县 reads as it
# did under v1 (技能人才总量 22,127, 高技能人才总量 916 in September 2025), the figures
# issue #24 and the user guides quote.
SEED = "skills-portal-demo-v2.498440"


def _rng(*parts) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, (SEED, *parts))).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))  # noqa: S311 - demo figures, not security


def _months(start: dt.date, end: dt.date):
    month = start
    while month <= end:
        yield month
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _int(value) -> Decimal:
    return Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)


class DemoGenerator:
    def __init__(self, as_of: dt.date = DEMO_AS_OF):
        self.as_of = as_of
        self.rows: dict[tuple, Decimal] = {}
        self.leaves_cache: dict[int, list[int]] = {}
        parents = set(OrgUnit.unscoped.exclude(parent=None).values_list("parent_id", flat=True))
        self.leaf_ids = set(OrgUnit.unscoped.values_list("pk", flat=True)) - parents
        # The generators are keyed by a unit's division code (its name where it has none), not
        # its id: a database built in another order (a test's, another machine's) gets the
        # same figures.
        self.unit_keys = {pk: code or name for pk, code, name
                          in OrgUnit.unscoped.values_list("pk", "code", "name")}

    def reporting_units(self, unit_id: int) -> list[int]:
        """The leaf units below `unit_id` (the unit itself when it is a leaf): the counties
        that would really enter these figures."""
        if unit_id not in self.leaves_cache:
            subtree = OrgUnitClosure.objects.filter(ancestor_id=unit_id).values_list(
                "descendant_id", flat=True
            )
            self.leaves_cache[unit_id] = sorted(set(subtree) & self.leaf_ids) or [unit_id]
        return self.leaves_cache[unit_id]

    def rng(self, kind: str, code: str, unit_id: int, *more) -> random.Random:
        return _rng(kind, code, self.unit_keys[unit_id], *more)

    def pace(self, indicator: Indicator, unit_id: int) -> float:
        return 0.70 + 0.45 * self.rng("pace", indicator.code, unit_id).random()

    def put(self, indicator: Indicator, unit_id: int, month: dt.date, value) -> None:
        self.rows.setdefault((indicator.pk, unit_id, month), _int(max(value, 0)))

    def has(self, indicator: Indicator, unit_id: int, month: dt.date) -> bool:
        return (indicator.pk, unit_id, month) in self.rows

    def flow(self, indicator, unit_id, months, total_per_unit) -> None:
        per_month = total_per_unit / max(len(months), 1)
        for m in months:
            noise = 0.6 + 0.8 * self.rng("flow", indicator.code, unit_id, m).random()
            self.put(indicator, unit_id, m, per_month * noise)

    def stock(self, indicator, unit_id, months, level_at_end) -> None:
        # A level that grows from about 80% of its final value, month by month.
        start = level_at_end * (0.75 + 0.1 * self.rng("base", indicator.code, unit_id).random())
        steps = max(len(months) - 1, 1)
        for i, m in enumerate(months):
            self.put(indicator, unit_id, m, start + (level_at_end - start) * i / steps)

    def target(self, target: Target) -> None:
        indicator = target.indicator
        end = min(target.period_end, self.as_of)
        if target.period_start > end or target.value is None or target.is_increment:
            return
        months = list(_months(target.period_start, end))
        window_months = target.months
        units = self.reporting_units(target.org_unit_id)
        value = float(target.value)
        if indicator.kind == IndicatorKind.RATIO:
            self.ratio(indicator, units, months, value)
            return
        # Small targets (3 teachers a year) are reported by the unit itself, not split.
        if value < 10 * len(units):
            units = [target.org_unit_id]
        for unit_id in units:
            share = value / len(units) * self.pace(indicator, unit_id)
            if indicator.kind == IndicatorKind.FLOW:
                self.flow(indicator, unit_id, months, share * len(months) / window_months)
            else:
                self.stock(indicator, unit_id, months, share * min(len(months) / window_months
                                                                   * 1.1, 1.0))

    def ratio(self, indicator, units, months, percent) -> None:
        num, den = indicator.numerator, indicator.denominator
        if IndicatorSource.MANUAL not in (num.source, den.source):
            return
        for unit_id in units:
            ratio = percent / 100 * (0.85 + 0.25 * self.rng("ratio", indicator.code, unit_id).random())
            base = 20000 + 180000 * self.rng("size", den.code, unit_id).random()
            if den.unit == "元":
                base *= 50
            for m in months:
                if self.has(num, unit_id, m) and not self.has(den, unit_id, m):
                    self.put(den, unit_id, m, float(self.rows[(num.pk, unit_id, m)]) / ratio)
                elif not self.has(den, unit_id, m):
                    growth = 1 + 0.002 * (m.year * 12 + m.month - 2021 * 12)
                    self.put(den, unit_id, m, base * growth / (12 if den.kind == "flow" else 1))
                if not self.has(num, unit_id, m):
                    self.put(num, unit_id, m, float(self.rows[(den.pk, unit_id, m)]) * ratio)


def _is_manual(indicator: Indicator) -> bool:
    if indicator.kind == IndicatorKind.RATIO:
        return IndicatorSource.MANUAL in (indicator.numerator.source, indicator.denominator.source)
    return indicator.source == IndicatorSource.MANUAL


def generate_manual_values(*, as_of: dt.date) -> dict:
    targets = (
        Target.unscoped.filter(plan__is_reference=False)
        .select_related("indicator__numerator", "indicator__denominator")
        .order_by("plan__code", "code")
    )
    generator = DemoGenerator(as_of)
    # Direct targets first, so that ratios derive their denominators from generated levels.
    manual = [t for t in targets if _is_manual(t.indicator)]
    for target in sorted(manual, key=lambda t: t.indicator.kind == IndicatorKind.RATIO):
        generator.target(target)

    real = set(
        DataValue.unscoped.filter(is_demo=False, department__isnull=True)
        .values_list("indicator_id", "org_unit_id", "period")
    )
    rows = [
        DataValue(indicator_id=i, org_unit_id=u, period=m, value=v, is_demo=True,
                  comment="演示数据")
        for (i, u, m), v in sorted(generator.rows.items()) if (i, u, m) not in real
    ]
    with transaction.atomic():
        deleted, _ = DataValue.unscoped.filter(is_demo=True).delete()
        DataValue.unscoped.bulk_create(rows, batch_size=2000)
    return {"deleted": deleted, "created": len(rows)}
