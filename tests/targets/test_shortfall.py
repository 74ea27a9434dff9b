"""Issue #20, counts stay whole: how far an actual is short of time progress, in whole things
for countable units (rounded up: 0.67 个 short is one more to do), exact for money and %."""

from decimal import Decimal

import pytest

from targets.choices import WHOLE_UNITS, IndicatorUnit, shortfall


@pytest.mark.parametrize(("gap", "unit", "expected"), [
    (-1668.8, "人次", 1669),            # the Wenzhou 2021-08 bulletin printed "1,668.8 人"
    (-0.67, "个", 1),
    (-6.33, "场", 7),
    (Decimal("-1668.8000"), "人", 1669),
    (-3.0000000001, "家", 3),           # a float that is really 3 is not four
    (-12.0, "期", 12),
    (0, "人次", 0),
    (25.5, "人次", 0),                  # ahead: not short
    (-1234.56, "元", 1234.56),          # money keeps its decimals
    (-0.35, "%", 0.35),
    (None, "人次", None),
])
def test_shortfall_counts_whole_things_rounded_up(gap, unit, expected):
    assert shortfall(gap, unit) == expected


def test_every_unit_but_money_and_percent_is_counted_whole():
    assert set(IndicatorUnit.values) - WHOLE_UNITS == {"元", "%"}
