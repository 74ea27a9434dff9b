from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from targets.models import Target
from targets.selectors import decomposition_coverage, misallocated_decompositions
from tests.factories import (
    IndicatorFactory,
    OrgUnitFactory,
    PlanFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_plan():
    province = OrgUnitFactory(name="分解测试省")
    city = OrgUnitFactory.child_of(province, name="分解测试市")
    counties = [OrgUnitFactory.child_of(city, name=f"分解测试{i}县") for i in range(3)]
    plan = PlanFactory(issuer_unit=city)
    parent = TargetFactory(plan=plan, org_unit=city, value=1000)
    return plan, city, counties, parent


def child(parent, unit, value, **kwargs):
    t = Target(plan=parent.plan, code=f"{parent.code}-{unit.pk}", indicator=parent.indicator,
               org_unit=unit, window=parent.window, period_start=parent.period_start,
               period_end=parent.period_end, value=value, parent=parent, axis="region", **kwargs)
    t.full_clean()
    t.save()
    return t


def test_misallocated_decomposition_is_reported(city_plan):
    plan, city, counties, parent = city_plan
    child(parent, counties[0], 600)
    child(parent, counties[1], 500)
    [c] = decomposition_coverage([parent])[parent.pk]
    assert c.status == "over"
    assert c.children_sum == 1100
    assert c.difference == 100
    assert c.coverage_pct == Decimal("110.00")
    user = UserFactory(is_superuser=True)
    assert (parent, c) in [(t, cov) for t, cov in misallocated_decompositions(user)]


def test_under_allocation_and_missing_values(city_plan):
    plan, city, counties, parent = city_plan
    child(parent, counties[0], 300)
    child(parent, counties[1], 300)
    [c] = decomposition_coverage([parent])[parent.pk]
    assert (c.status, c.difference, c.coverage_pct) == ("under", -400, Decimal("60.00"))
    child(parent, counties[2], None)
    [c] = decomposition_coverage([parent])[parent.pk]
    assert c.status == "incomplete"


def test_a_share_must_go_below_the_parent_unit(city_plan):
    plan, city, counties, parent = city_plan
    elsewhere = OrgUnitFactory(name="别省")
    with pytest.raises(ValidationError) as exc:
        child(parent, elsewhere, 10)
    assert "org_unit" in exc.value.message_dict


def test_person_times_are_never_added_to_persons(city_plan):
    plan, city, counties, parent = city_plan
    persons = IndicatorFactory(unit="人")
    slice_ = Target(plan=plan, code="slice", indicator=persons, org_unit=city, window="annual",
                    period_start=parent.period_start, period_end=parent.period_end, value=10,
                    parent=parent, axis="slice")
    with pytest.raises(ValidationError) as exc:
        slice_.full_clean()
    assert "indicator" in exc.value.message_dict


def test_a_share_keeps_the_parent_window(city_plan):
    import datetime as dt

    plan, city, counties, parent = city_plan
    t = Target(plan=plan, code="other-year", indicator=parent.indicator, org_unit=counties[0],
               window="annual", period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 1),
               value=10, parent=parent, axis="region")
    with pytest.raises(ValidationError) as exc:
        t.full_clean()
    assert "parent" in exc.value.message_dict


def test_parent_without_axis_is_refused_by_the_database(city_plan):
    from django.db import IntegrityError, transaction

    plan, city, counties, parent = city_plan
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(plan=plan, code="no-axis", indicator=parent.indicator,
                              org_unit=counties[0], window="annual",
                              period_start=parent.period_start, period_end=parent.period_end,
                              value=1, parent=parent, axis="")


def test_coverage_is_one_query_for_many_parents(django_assert_num_queries):
    parents = list(Target.objects.filter(children__isnull=False).distinct())
    assert len(parents) >= 9
    with django_assert_num_queries(1):
        result = decomposition_coverage(parents)
    assert len(result) == len(parents)
