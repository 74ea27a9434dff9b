"""Cascade coverage (#16): what the units below committed in their own plans against a target,
compared like with like; the chain of plans' targets on the target and plan pages; the API.

Numbers of tests/cascade.py: the province's 100,000 over 2021–2025 (60 months); 甲市 48,000
over 2022–2025 (48 months) → 60,000 at its pace; 乙市 20,000 over 2023–2025 (36 months) →
33,333.33; together 93,333.33, short by 6,666.67."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from progress.rollup import rollup_month
from targets.cascade import FLOW, RATIO, STOCK, cascade_coverage, chain, comparable
from targets.choices import IndicatorKind, IndicatorSource
from targets.models import Indicator
from tests.api_helpers import API, client_for, member
from tests.cascade import build_cascade, make_target, month
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return build_cascade()


@pytest.fixture
def admin():
    return UserFactory(is_superuser=True, is_staff=True)


def rows_by_name(coverage):
    return {row.unit.name: row for row in coverage.rows}


def test_cascade_flows_are_converted_to_the_targets_window_and_added(c, admin):
    coverage = cascade_coverage(admin, c.targets["province"])
    rows = rows_by_name(coverage)
    assert coverage.kind == FLOW
    assert rows["甲市"].value == Decimal("60000.00")  # 48,000 ÷ 48 × 60
    assert rows["乙市"].value == Decimal("33333.33")  # 20,000 ÷ 36 × 60
    assert coverage.committed == Decimal("93333.33")
    assert coverage.difference == Decimal("-6666.67")
    assert coverage.status == "不足"
    assert "月" in coverage.rule  # the rule is stated


def test_cascade_same_window_is_compared_as_stated(c):
    assert comparable(c.targets["a1"], c.targets["a"]) == Decimal(30_000)


def test_cascade_units_without_a_target_are_listed_as_missing(c, admin):
    coverage = cascade_coverage(admin, c.targets["a"])
    rows = rows_by_name(coverage)
    assert rows["甲市一县"].value == Decimal(30_000) and not rows["甲市一县"].missing
    assert rows["甲市二县"].missing and rows["甲市二县"].state == "未制定"
    assert [r.unit.name for r in coverage.missing] == ["甲市二县"]
    assert coverage.status == "部分未制定"


def test_cascade_commitment_below_the_plans_own_share_is_flagged(c, admin):
    make_target(c.plans["province"], "training-b", c.units["b"], 40_000, c.indicator,
                start=month(2021), end=month(2025, 12), parent=c.targets["province"],
                axis="region")
    rows = rows_by_name(cascade_coverage(admin, c.targets["province"]))
    assert rows["乙市"].share.value == 40_000
    assert rows["乙市"].below_share and rows["乙市"].state == "承诺低于分解任务"
    assert rows["甲市"].share.value == 40_000 and not rows["甲市"].below_share  # 60,000 ≥ 40,000


def test_cascade_over_commitment(c, admin):
    b = c.targets["b"]
    b.value = 40_000  # over 36 months → 66,666.67
    b.save()
    coverage = cascade_coverage(admin, c.targets["province"])
    assert coverage.committed == Decimal("126666.67")
    assert coverage.status == "超额"


def test_cascade_stocks_are_added_as_levels_not_pro_rated(c, admin):
    stock = Indicator.unscoped.create(code="cascade_stock", name="级联测试技能人才总量",
                                      unit="人", kind=IndicatorKind.STOCK,
                                      source=IndicatorSource.MANUAL)
    prov = make_target(c.plans["province"], "stock", c.units["province"], 5_000, stock,
                       start=month(2021), end=month(2025, 12), window="level",
                       implements=None)
    make_target(c.plans["a"], "stock", c.units["a"], 3_000, stock, start=month(2022),
                end=month(2025, 12), window="level", implements=prov)
    make_target(c.plans["b"], "stock", c.units["b"], 2_500, stock, start=month(2023),
                end=month(2024, 12), window="level", implements=prov)
    coverage = cascade_coverage(admin, prov)
    assert coverage.kind == STOCK
    assert {r.unit.name: r.value for r in coverage.rows} == {"甲市": 3_000, "乙市": 2_500}
    assert coverage.committed == 5_500 and coverage.status == "超额"
    assert "存量" in coverage.rule


def test_cascade_ratios_are_never_added(c, admin):
    high, total = (Indicator.unscoped.create(code=f"cascade_{code}", name=name, unit="人",
                                             kind=IndicatorKind.STOCK,
                                             source=IndicatorSource.MANUAL)
                   for code, name in (("high", "级联高技能人才"), ("all", "级联技能人才")))
    ratio = Indicator.unscoped.create(code="cascade_ratio", name="级联测试高技能人才占比",
                                      unit="%", kind=IndicatorKind.RATIO,
                                      source=IndicatorSource.RATIO, numerator=high,
                                      denominator=total)
    prov = make_target(c.plans["province"], "ratio", c.units["province"], 30, ratio,
                       start=month(2025, 12), end=month(2025, 12), window="level")
    make_target(c.plans["a"], "ratio", c.units["a"], 32, ratio, start=month(2025, 12),
                end=month(2025, 12), window="level", implements=prov)
    make_target(c.plans["b"], "ratio", c.units["b"], 28, ratio, start=month(2025, 12),
                end=month(2025, 12), window="level", implements=prov)
    coverage = cascade_coverage(admin, prov)
    assert coverage.kind == RATIO and coverage.committed is None and coverage.difference is None
    assert coverage.status == "有低于上级目标的承诺"
    assert {r.unit.name: r.value for r in coverage.rows} == {"甲市": 32, "乙市": 28}


def test_cascade_a_county_commitment_speaks_for_a_city_without_one(c, admin):
    # 乙市一县 restates the province's target directly; 乙市 has its own, so that counts.
    county = c.units["乙市一县"]
    plan = c.plans["b"]
    make_target(plan, "training-county", county, 5_000, c.indicator, start=month(2023),
                end=month(2025, 12), implements=c.targets["province"])
    rows = rows_by_name(cascade_coverage(admin, c.targets["province"]))
    assert not rows["乙市"].deeper and len(rows["乙市"].targets) == 1
    # A third city with no plan of its own, whose county committed.
    city_c = OrgUnitFactory.child_of(c.units["province"], name="丙市")
    county_c = OrgUnitFactory.child_of(city_c, name="丙市一县")
    from tests.cascade import make_plan
    plan_c = make_plan("cascade-c1", county_c, parent=c.plans["province"], start=month(2022))
    make_target(plan_c, "training", county_c, 12_000, c.indicator, start=month(2022),
                end=month(2025, 12), implements=c.targets["province"])
    rows = rows_by_name(cascade_coverage(admin, c.targets["province"]))
    assert rows["丙市"].deeper and rows["丙市"].value == Decimal("15000.00")  # 12,000/48×60


def test_cascade_a_city_user_sees_only_their_subtree(c):
    user = member(c.units["a"], role="viewer")
    # The province's target is read through its own scope rules; the city's rows are scoped.
    coverage = cascade_coverage(user, c.targets["a"])
    assert {r.unit.name for r in coverage.rows} == {"甲市一县", "甲市二县"}
    county_user = member(c.units["甲市一县"], role="viewer")
    coverage = cascade_coverage(county_user, c.targets["a"])
    assert [r.unit.name for r in coverage.rows] == ["甲市一县"]  # not its sister county
    assert coverage.hidden == 1


def test_cascade_queries_do_not_grow_with_the_units(c, admin):
    cascade_coverage(admin, c.targets["province"])  # the user's scope, read once per request
    with CaptureQueriesContext(connection) as few:
        cascade_coverage(admin, c.targets["province"])
    for n in range(6):
        city = OrgUnitFactory.child_of(c.units["province"], name=f"新{n}市")
        from tests.cascade import make_plan
        plan = make_plan(f"cascade-new{n}", city, parent=c.plans["province"])
        make_target(plan, "training", city, 1_000, c.indicator, start=month(2021),
                    end=month(2025, 12), implements=c.targets["province"])
    with CaptureQueriesContext(connection) as many:
        coverage = cascade_coverage(admin, c.targets["province"])
    assert len(coverage.rows) == 8
    assert len(many) == len(few) <= 6


def test_cascade_rows_carry_the_progress_of_each_commitment(c, admin):
    rollup_month(dt.date(2024, 6, 1), trigger="test")
    rows = rows_by_name(cascade_coverage(admin, c.targets["province"]))
    progress = rows["甲市"].progress
    assert progress is not None and progress["period"] == dt.date(2024, 6, 1)
    assert progress["target_value"] == 48_000 and progress["status_label"]


def test_cascade_chain_runs_from_the_nation_to_the_counties(c, admin):
    links = chain(admin, c.targets["province"])
    assert [t.org_unit.name for t in links] == ["测试国", "测试省", "甲市", "乙市", "甲市一县"]
    assert [t.org_unit.name for t in chain(admin, c.targets["a1"])] == [
        "测试国", "测试省", "甲市", "甲市一县"]


def test_cascade_target_page_shows_the_commitments_in_chinese(c, client, admin):
    client.force_login(admin)
    t = c.targets["province"]
    page = client.get(f"/plans/{t.plan.code}/targets/{t.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("下级落实情况", "93,333.33", "60,000", "33,333.33", "不足", "比较口径",
                 "上下级方案目标链", "测试国", "甲市方案"):
        assert text in html, text
    assert "Commitments of the units below" not in html


def test_cascade_plan_page_shows_the_chain(c, client, admin):
    client.force_login(admin)
    page = client.get(f"/plans/{c.plans['province'].code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "上下级方案目标链" in html
    assert html.index("测试国") < html.index("甲市一县")  # top first


def test_cascade_api_answers_the_coverage(c, admin):
    t = c.targets["province"]
    response = client_for(admin).get(f"{API}targets/{t.pk}/cascade/")
    assert response.status_code == 200
    data = response.json()
    assert data["kind"] == "flow" and data["committed"] == "93333.33"
    assert data["difference"] == "-6666.67" and data["missing"] == 0
    rows = {r["org_unit_name"]: r for r in data["rows"]}
    assert rows["甲市"]["value"] == "60000.00" and rows["甲市"]["share"] == "40000.0000"
    assert rows["乙市"]["targets"][0]["period_start"] == "2023-01"


def test_cascade_api_is_scoped(c):
    outsider = member(c.units["b"], role="viewer")
    t = c.targets["a"]
    assert client_for(outsider).get(f"{API}targets/{t.pk}/cascade/").status_code == 404
