import datetime as dt

import factory
from django.contrib.auth import get_user_model

from org.choices import OrgKind, OrgLevel, Role
from org.models import Department, Membership, OrgUnit
from targets.choices import IndicatorKind, IndicatorSource, WindowKind
from targets.models import DataValue, Indicator, Plan, Target


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    level = OrgLevel.PROVINCE
    kind = OrgKind.PROVINCE

    @classmethod
    def child_of(cls, parent, **kwargs):
        level = OrgLevel(parent.level + 1)
        kind = {OrgLevel.PROVINCE: OrgKind.PROVINCE, OrgLevel.CITY: OrgKind.CITY,
                OrgLevel.COUNTY: OrgKind.COUNTY,
                OrgLevel.TOWNSHIP: OrgKind.TOWNSHIP}[level]
        return cls(parent=parent, level=level, kind=kind, **kwargs)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    org_unit = factory.SubFactory(OrgUnitFactory)
    name = factory.Sequence(lambda n: f"测试部门{n}")
    sector = "hrss"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"test_indicator_{n}")
    name = factory.Sequence(lambda n: f"测试指标{n}")
    unit = "人次"
    kind = IndicatorKind.FLOW
    source = IndicatorSource.MANUAL


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"test-plan-{n}")
    title = factory.Sequence(lambda n: f"测试方案{n}")
    short_name = factory.Sequence(lambda n: f"测试方案{n}")
    issuer = "测试人社局"
    issuer_unit = factory.SubFactory(OrgUnitFactory)
    period_start = dt.date(2024, 1, 1)
    period_end = dt.date(2024, 12, 1)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"target-{n}")
    indicator = factory.SubFactory(IndicatorFactory)
    org_unit = factory.SelfAttribute("plan.issuer_unit")
    window = WindowKind.ANNUAL
    period_start = dt.date(2024, 1, 1)
    period_end = dt.date(2024, 12, 1)
    value = 1000


class DataValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataValue

    indicator = factory.SubFactory(IndicatorFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    period = dt.date(2024, 3, 1)
    value = 10


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = Role.DATA_ENTRY
