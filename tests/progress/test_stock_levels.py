"""A stock (level) indicator keeps its last reported figure in months without a new one,
labelled with the month it dates from; a level nobody reported is undetermined, never 0."""

import datetime as dt
from decimal import Decimal

import pytest

from progress.choices import ProgressStatus
from progress.models import ProgressSnapshot
from progress.rollup import rollup_month
from targets.models import DataValue, Indicator, Target
from tests.conftest import unit

pytestmark = pytest.mark.django_db
JULY, SEPTEMBER, OCTOBER = dt.date(2025, 7, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 1)


def level_target(code="skill-talent-total"):
    return Target.unscoped.get(plan__code="longling-2022", code=code)


def snapshot(target, month) -> ProgressSnapshot:
    return ProgressSnapshot.unscoped.get(target=target, period=month)


def report(indicator_code, org_unit, month, value, department=None):
    DataValue.unscoped.create(indicator=Indicator.unscoped.get(code=indicator_code),
                              org_unit=org_unit, department=department, period=month,
                              value=Decimal(value))


def test_a_level_stands_in_months_without_a_new_figure_and_says_since_when():
    longling, target = unit("全国/云南省/保山市/龙陵县"), level_target()
    report("skill_talent_total", longling, SEPTEMBER, 22127)
    for month in (SEPTEMBER, OCTOBER):
        rollup_month(month, trigger="test")
    september, october = snapshot(target, SEPTEMBER), snapshot(target, OCTOBER)
    assert september.actual == october.actual == Decimal(22127)
    assert september.value_as_of is None  # this month's own figure
    assert october.value_as_of == SEPTEMBER
    assert october.status == ProgressStatus.DONE  # 22,127 ≥ 20,000: not 严重滞后 on a 0


def test_a_new_figure_replaces_the_old_level_and_clears_the_label():
    longling, target = unit("全国/云南省/保山市/龙陵县"), level_target()
    report("skill_talent_total", longling, JULY, 18000)
    report("skill_talent_total", longling, OCTOBER, 19500)
    rollup_month(SEPTEMBER, trigger="test")
    rollup_month(OCTOBER, trigger="test")
    assert (snapshot(target, SEPTEMBER).actual, snapshot(target, SEPTEMBER).value_as_of) == \
        (Decimal(18000), JULY)
    assert (snapshot(target, OCTOBER).actual, snapshot(target, OCTOBER).value_as_of) == \
        (Decimal(19500), None)


def test_a_level_nobody_reported_is_undetermined_not_zero():
    target = level_target("high-skill-talent-total")
    rollup_month(SEPTEMBER, trigger="test")
    row = snapshot(target, SEPTEMBER)
    assert row.actual is None and row.status == ProgressStatus.UNDETERMINED


def test_a_citys_level_adds_each_units_latest_figure_dated_by_the_oldest():
    """保山市's level is its counties' latest figures added up; the label names the oldest
    month among them, so a county that stopped reporting shows."""
    baoshan = unit("全国/云南省/保山市")
    longling = unit("全国/云南省/保山市/龙陵县")
    shidian = unit("全国/云南省/保山市/施甸县")
    report("skill_talent_total", longling, JULY, 100)
    report("skill_talent_total", longling, SEPTEMBER, 120)
    report("skill_talent_total", shidian, JULY, 50)
    target = Target.unscoped.filter(org_unit=baoshan, indicator__code="skill_talent_total").first()
    if target is None:  # no seed plan holds a city level target: make one for the check
        target = Target.unscoped.create(
            plan=level_target().plan, code="baoshan-level", indicator=level_target().indicator,
            org_unit=baoshan, window="level", period_start=dt.date(2021, 1, 1),
            period_end=dt.date(2025, 12, 1), value=Decimal(1000))
    rollup_month(SEPTEMBER, trigger="test")
    row = snapshot(target, SEPTEMBER)
    assert (row.actual, row.value_as_of) == (Decimal(170), JULY)


def test_each_department_keeps_its_own_latest_level_beside_the_units_own():
    """A unit's level adds its own latest figure and each department's latest one: a newer
    figure of one department does not replace another's, nor the unit's own."""
    from org.models import Department

    longling, target = unit("全国/云南省/保山市/龙陵县"), level_target()
    first, second = (Department.unscoped.create(org_unit=longling, name=name)
                     for name in ("龙陵县应急管理局", "龙陵县农业农村局"))
    report("skill_talent_total", longling, JULY, 20000)
    report("skill_talent_total", longling, JULY, 30, department=first)
    report("skill_talent_total", longling, SEPTEMBER, 40, department=first)
    report("skill_talent_total", longling, JULY, 7, department=second)
    rollup_month(SEPTEMBER, trigger="test")
    row = snapshot(target, SEPTEMBER)
    assert (row.actual, row.value_as_of) == (Decimal(20047), JULY)
