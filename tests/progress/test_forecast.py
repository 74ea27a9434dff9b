"""Foresight (#20) on hand-computed cases: projection at the window's end by each method, the
monthly pace still needed, and the early-warning level from thresholds stored as data."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from progress.forecast import DEFAULT_LEVELS, warn
from progress.models import WarningLevel
from progress.rollup import rollup_month
from targets.models import DataValue, Indicator
from tests.factories import OrgUnitFactory, PlanFactory, TargetFactory
from tests.progress.test_rollup import month, snap, train

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def tree():
    province = OrgUnitFactory(name="预测测试省")
    city = OrgUnitFactory.child_of(province, name="预测测试市")
    a = OrgUnitFactory.child_of(city, name="丙县")
    b = OrgUnitFactory.child_of(city, name="丁县")
    return province, city, a, b


def annual(plan, indicator, unit, value, year=2024, **kw):
    return TargetFactory(plan=plan, indicator=indicator, org_unit=unit, value=value,
                         period_start=month(1, year), period_end=month(12, year), **kw)


def last_year_shape(province, city, a, training_indicator):
    """2023: 100 trained by March of a year's 1,000 — a back-loaded year (10% by March)."""
    old = PlanFactory(issuer_unit=province, period_start=month(1, 2023),
                      period_end=month(12, 2023))
    annual(old, training_indicator, city, 1000, year=2023)
    train(a, month(2, 2023), 40)
    train(a, month(3, 2023), 60)
    train(a, month(11, 2023), 900)
    rollup_month(month(3, 2023))
    rollup_month(month(12, 2023))


def test_forecast_without_history_projects_by_pace(tree, training_indicator):
    province, city, a, b = tree
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, training_indicator, city, 4000)
    train(a, month(1), 100)
    train(a, month(2), 200)
    train(b, month(3), 300)
    rollup_month(month(3))
    row = snap(target, month(3))
    # 600 in 3 of 12 months: 2,400 by December, 60% of 4,000.
    assert (row.projected, row.projected_completion, row.projection_method) == (
        D(2400), D("0.6"), "pace")
    assert row.required_pace == D("377.7778")  # (4,000 − 600) ÷ 9 months
    assert row.pace_so_far == D(200)
    assert row.warning == "red"  # below 80%


def test_forecast_annual_by_last_years_seasonal_shape(tree, training_indicator):
    province, city, a, _b = tree
    last_year_shape(province, city, a, training_indicator)
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, training_indicator, city, 4000)
    train(a, month(3), 300)
    rollup_month(month(3))
    row = snap(target, month(3))
    # Last year 10% was done by March: 300 ÷ 10% = 3,000 by December (pace would say 1,200).
    assert (row.projected, row.projected_completion, row.projection_method) == (
        D(3000), D("0.75"), "seasonal")
    assert row.warning == "red"
    assert row.required_pace == D("411.1111")  # (4,000 − 300) ÷ 9


def test_forecast_unit_without_history_takes_its_parents_shape(tree, training_indicator):
    province, city, a, b = tree
    last_year_shape(province, city, a, training_indicator)
    plan = PlanFactory(issuer_unit=province)
    county = annual(plan, training_indicator, b, 2500)  # 丁县 had no target last year
    train(b, month(3), 250)
    rollup_month(month(3))
    row = snap(county, month(3))
    assert (row.projected, row.projected_completion, row.projection_method) == (
        D(2500), D(1), "seasonal")
    assert row.warning == ""  # on course to reach it exactly


def test_forecast_cumulative_multi_year_window(tree, training_indicator):
    province, city, a, _b = tree
    plan = PlanFactory(issuer_unit=province, period_start=month(1, 2023),
                       period_end=month(12, 2025))
    target = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, window="cumulative",
                           period_start=month(1, 2023), period_end=month(12, 2025), value=3600)
    train(a, month(3, 2023), 100)
    train(a, month(12, 2023), 900)
    train(a, month(2, 2024), 300)
    for m in (month(3, 2023), month(12, 2023), month(3, 2024)):
        rollup_month(m)
    row = snap(target, month(3, 2024))
    assert row.actual == 1300
    # This year 300 by March, 10% of a year by last year's shape: 3,000 a year. Left: 90% of
    # 2024 and all of 2025 → 1,300 + 3,000 × 1.9 = 7,000.
    assert (row.projected, row.projection_method) == (D(7000), "seasonal")
    assert row.projected_completion == D("1.9444")
    assert row.required_pace == D("109.5238")  # (3,600 − 1,300) ÷ 21 months left
    assert row.pace_so_far == D("86.6667")  # 1,300 ÷ 15 months
    assert row.warning == ""


def test_forecast_stock_follows_the_levels_trend(tree):
    province, city, a, _b = tree
    stock = Indicator.objects.get(code="skill_talent_total")
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, stock, city, 1000, window="level")
    DataValue.objects.create(indicator=stock, org_unit=a, period=month(1), value=600)
    DataValue.objects.create(indicator=stock, org_unit=a, period=month(6), value=700)
    rollup_month(month(1))
    rollup_month(month(6))
    row = snap(target, month(6))
    # +100 over 5 months: 20 a month, 6 months left → 820.
    assert (row.projected, row.projected_completion, row.projection_method) == (
        D(820), D("0.82"), "trend")
    assert row.pace_so_far == D(20) and row.required_pace == D(50)
    assert row.warning == "orange"  # 80% ≤ 82% < 90%


def test_forecast_ratio_follows_its_trend(tree):
    province, city, a, _b = tree
    share = Indicator.objects.get(code="skill_talent_share")
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, share, city, 35, window="level")
    for m, skilled in ((1, 300), (6, 320)):
        DataValue.objects.create(indicator=share.numerator, org_unit=a, period=month(m),
                                 value=skilled)
        DataValue.objects.create(indicator=share.denominator, org_unit=a, period=month(m),
                                 value=1000)
    rollup_month(month(1))
    rollup_month(month(6))
    row = snap(target, month(6))
    # 30% → 32% in 5 months: 0.4 points a month, 34.4% by December.
    assert (row.projected, row.projection_method) == (D("34.4"), "trend")
    assert row.projected_completion == D("0.9829") and row.warning == "yellow"


def test_forecast_target_already_met_needs_nothing_more(tree, training_indicator):
    province, city, a, _b = tree
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, training_indicator, city, 500)
    train(a, month(3), 600)
    rollup_month(month(3))
    row = snap(target, month(3))
    assert row.required_pace == 0 and row.warning == ""
    assert row.projected_completion == D("4.8")


def test_forecast_level_with_no_history_stays_flat(tree):
    province, city, a, _b = tree
    stock = Indicator.objects.get(code="skill_talent_total")
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, stock, city, 1000, window="level")
    DataValue.objects.create(indicator=stock, org_unit=a, period=month(6), value=950)
    rollup_month(month(6))
    row = snap(target, month(6))
    assert (row.projected, row.projection_method, row.pace_so_far) == (D(950), "trend", None)
    assert row.warning == "yellow"


def test_forecast_thresholds_are_data(tree, training_indicator):
    province, city, a, _b = tree
    WarningLevel.objects.filter(code="red").update(below=D("0.55"))
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, training_indicator, city, 4000)
    train(a, month(3), 600)
    rollup_month(month(3))
    assert snap(target, month(3)).warning == "orange"  # 60%: no longer red, below 90%


def test_forecast_thresholds_keep_their_order():
    red = WarningLevel.objects.get(code="red")
    red.below = D("0.95")  # above orange's 90%
    with pytest.raises(ValidationError) as refused:
        red.full_clean()
    assert "应低于橙色预警的阈值" in str(refused.value)
    red.below = D("3")
    with pytest.raises(ValidationError) as refused:
        red.full_clean()
    assert "不超过2的比例" in str(refused.value)


def test_forecast_ceiling_warns_when_projected_past():
    levels = list(DEFAULT_LEVELS)
    assert warn(D("1.2"), D("0.5"), "lte", levels) == "red"
    assert warn(D("0.9"), D("0.5"), "lte", levels) == ""
    assert warn(None, None, "gte", levels) == ""


def test_forecast_window_last_month_is_the_outcome_not_a_warning(tree, training_indicator):
    province, city, a, _b = tree
    plan = PlanFactory(issuer_unit=province)
    target = annual(plan, training_indicator, city, 4000)
    train(a, month(12), 1000)
    rollup_month(month(12))
    row = snap(target, month(12))
    assert (row.projected, row.projected_completion) == (D(1000), D("0.25"))
    assert (row.projection_method, row.warning, row.required_pace) == ("", "", None)
    assert row.status == "seriously_behind"  # the status says it


def test_forecast_thresholds_are_edited_in_the_admin_with_a_clear_refusal(client):
    from tests.factories import UserFactory
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    red = WarningLevel.objects.get(code="red")
    url = f"/admin/progress/warninglevel/{red.pk}/change/"
    page = client.get("/admin/progress/warninglevel/")
    assert page.status_code == 200 and "红色预警" in page.content.decode()
    refused = client.post(url, {"code": "red", "below": "0.95"})
    assert refused.status_code == 200
    assert "阈值应低于橙色预警的阈值（90%）" in refused.content.decode()
    red.refresh_from_db()
    assert red.below == D("0.80")
    kept = client.post(url, {"code": "red", "below": "0.7"})
    assert kept.status_code == 302
    red.refresh_from_db()
    assert red.below == D("0.7")


def test_forecast_in_the_progress_api_and_the_dashboard_api(tree, training_indicator):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory
    province, city, a, b = tree
    plan = PlanFactory(issuer_unit=province)
    annual(plan, training_indicator, province, 9000)
    annual(plan, training_indicator, city, 4000)
    train(a, month(3), 600)
    rollup_month(month(3))
    api = APIClient()
    api.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    rows = api.get("/api/v1/progress/", {"plan": plan.code, "warning": "red"}).json()["results"]
    assert [(r["org_unit"]["name"], r["projected"], r["projected_completion"],
             r["projection_method"], r["projection_method_label"], r["required_pace"],
             r["pace_so_far"], r["warning"], r["warning_label"]) for r in rows] == [
        ("预测测试省", 2400, 0.2667, "pace", "按本期平均进度", 933.3333, 200, "red", "红色预警"),
        ("预测测试市", 2400, 0.6, "pace", "按本期平均进度", 377.7778, 200, "red", "红色预警"),
    ]
    board = api.get("/api/v1/dashboard/", {"plan": plan.code, "unit": province.pk,
                                          "month": "2024-03"}).json()
    # The province's own target first (furthest below), then the city below it.
    assert [(w["unit"]["name"], w["warning"], w["projected_completion"], w["required_pace"])
            for w in board["warnings"]] == [("预测测试省", "red", 0.2667, 933.3333),
                                            ("预测测试市", "red", 0.6, 377.7778)]
    [headline] = board["headline"]
    assert headline["projection_method_label"] == "按本期平均进度"
