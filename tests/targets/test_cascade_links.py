"""#16: a target implements a target of a plan above (across plans), with its own rules and
messages, distinct from a decomposition inside one plan; periods are whole months however
they are written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from targets.choices import IndicatorKind, IndicatorSource, WindowKind
from targets.models import Indicator, Plan, Target
from tests.cascade import build_cascade, make_plan, make_target, month

pytestmark = pytest.mark.django_db


@pytest.fixture
def cascade():
    return build_cascade()


def refusal(target) -> dict[str, list[str]]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        target.full_clean()
    return info.value.message_dict


def implementing(c, plan_key="a", unit_key="a", above="province", **changes):
    values = {"plan": c.plans[plan_key], "code": "probe", "indicator": c.indicator,
              "org_unit": c.units[unit_key], "window": WindowKind.CUMULATIVE,
              "period_start": month(2022), "period_end": month(2025, 12), "value": 1,
              "implements": c.targets[above]} | changes
    return Target(**values)


def test_cascade_chain_accepted_across_four_levels(cascade):
    c = cascade
    assert c.targets["a1"].implements == c.targets["a"]
    assert c.targets["a1"].implements.implements.implements == c.targets["nation"]
    assert set(c.targets["province"].implementations.all()) == {c.targets["a"], c.targets["b"]}


def test_cascade_refuses_a_link_inside_one_plan(cascade):
    errors = refusal(implementing(cascade, plan_key="province", unit_key="b",
                                  period_start=month(2021)))
    assert "同一方案" in errors["implements"][0]


def test_cascade_refuses_a_plan_outside_the_chain(cascade):
    c = cascade
    # 乙市's plan implements the province's plan, not 甲市's.
    errors = refusal(implementing(c, plan_key="b", unit_key="b", above="a",
                                  period_start=month(2023)))
    assert "不是" in errors["implements"][0] and "所贯彻落实的方案" in errors["implements"][0]


def test_cascade_refuses_a_plan_that_names_no_parent(cascade):
    c = cascade
    lone = make_plan("cascade-lone", c.units["b"], start=month(2023))
    errors = refusal(implementing(c, plan=lone, unit_key="b", period_start=month(2023)))
    assert "未注明所贯彻落实的上级方案" in errors["implements"][0]


def test_cascade_refuses_a_unit_outside_the_subtree(cascade):
    c = cascade
    other = make_plan("cascade-other", c.units["b"], parent=c.plans["a"], start=month(2022))
    errors = refusal(implementing(c, plan=other, unit_key="b", above="a"))
    assert errors["org_unit"] == ["落实目标的单位须是甲市或其下级单位。"]


def test_cascade_refuses_a_window_running_outside(cascade):
    errors = refusal(implementing(cascade, period_start=month(2020), window=WindowKind.CUMULATIVE))
    assert "须在上级目标的考核期（2021年1月—2025年12月累计）之内" in errors["period_start"][0]


def test_cascade_accepts_a_later_start_and_an_earlier_end(cascade):
    implementing(cascade, code="later", period_start=month(2023),
                 period_end=month(2024, 12)).full_clean()


def test_cascade_refuses_persons_for_person_times(cascade):
    persons = Indicator.unscoped.create(code="cascade_persons", name="级联测试人数", unit="人",
                                        kind=IndicatorKind.FLOW, source=IndicatorSource.MANUAL)
    errors = refusal(implementing(cascade, indicator=persons))
    assert "人次" in errors["indicator"][0] and "计量单位不同" in errors["indicator"][0]


def test_cascade_refuses_a_stock_for_a_flow(cascade):
    stock = Indicator.unscoped.create(code="cascade_stock", name="级联测试存量", unit="人次",
                                      kind=IndicatorKind.STOCK, source=IndicatorSource.MANUAL)
    errors = refusal(implementing(cascade, indicator=stock, window=WindowKind.LEVEL))
    assert "流量、存量和比率指标不能相互落实" in errors["indicator"][0]


def test_cascade_stock_target_may_have_another_date(cascade):
    c = cascade
    stock = Indicator.unscoped.create(code="cascade_level", name="级联测试总量", unit="人",
                                      kind=IndicatorKind.STOCK, source=IndicatorSource.MANUAL)
    above = make_target(c.plans["province"], "level", c.units["province"], 5000, stock,
                        window=WindowKind.LEVEL, start=month(2021), end=month(2025, 12))
    # 甲市 commits to its level a year later than the province's date: allowed for stocks.
    make_target(c.plans["a"], "level", c.units["a"], 2500, stock, window=WindowKind.LEVEL,
                start=month(2022), end=month(2026, 12), implements=above)


def test_cascade_decomposition_keeps_its_own_rules(cascade):
    c = cascade
    share = Target(plan=c.plans["a"], code="share", indicator=c.indicator,
                   org_unit=c.units["甲市一县"], window=WindowKind.CUMULATIVE,
                   period_start=month(2021), period_end=month(2025, 12), value=1,
                   parent=c.targets["province"], axis="region")
    errors = refusal(share)
    assert "parent" in errors  # a decomposition stays inside one plan


def test_cascade_a_plan_period_written_as_a_day_is_its_month():
    from tests.factories import OrgUnitFactory
    unit = OrgUnitFactory(name="月份测试省")
    plan = Plan(code="months", title="月份", short_name="月份", issuer="测试", issuer_unit=unit,
                period_start=dt.date(2023, 1, 15), period_end=dt.date(2023, 12, 31))
    plan.full_clean()
    plan.save()
    plan.refresh_from_db()
    assert (plan.period_start, plan.period_end) == (dt.date(2023, 1, 1), dt.date(2023, 12, 1))


def test_cascade_month_field_reads_months_as_written():
    from skills_portal.models import MonthFormField, month_of
    assert month_of("2023-12") == month_of("2023-12-31") == month_of("2023年12月") \
        == dt.date(2023, 12, 1)
    assert month_of("2023-13") is None and month_of("十二月") is None
    # A whole date as the admin's Chinese date format or a clerk writes it.
    assert month_of("2021/01/01") == month_of("2021年1月15日") == month_of("2021.1.31") \
        == dt.date(2021, 1, 1)
    assert month_of("2021/02/30") is None
    field = MonthFormField()
    assert field.clean("2023/7") == dt.date(2023, 7, 1)
    assert field.prepare_value(dt.date(2023, 7, 1)) == "2023-07"  # shown as the month
    with translation.override("zh-hans"), pytest.raises(Exception) as info:
        field.clean("明年")
    assert "2023-12" in str(info.value)
