"""A synthetic four-level cascade for the #16 tests: 测试国 → 测试省 → two cities → two
counties each, each level with its own plan implementing the one above, with different
windows and numbers (the way the seeds' chain 人社部 → 云南 → 保山 → 龙陵 is written).

    national  2021-01..2025-12  training 1,000,000 人次 (cumulative)
    province  2021-01..2025-12  training   100,000  (implements national)
              decomposed in the province plan: 甲市 40,000 (region share), 乙市 none
    甲市      2022-01..2025-12  training    48,000  (implements the province target)
    乙市      2023-01..2025-12  training    20,000  (implements the province target)
    甲市一县   2022-01..2025-12  training    30,000  (implements 甲市's target)
    甲市二县   none (未制定)
    乙市 counties: none

Everything is saved through `full_clean()`, as the admin and the import do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from org.choices import OrgKind, OrgLevel
from targets.choices import IndicatorKind, IndicatorSource, WindowKind
from targets.models import Indicator, Plan, Target
from tests.factories import OrgUnitFactory


def month(year: int, m: int = 1) -> dt.date:
    return dt.date(year, m, 1)


def save(obj):
    obj.full_clean()
    obj.save()
    return obj


@dataclass
class Cascade:
    units: dict[str, object] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    indicator: Indicator | None = None


FIRST, LAST = dt.date(2021, 1, 1), dt.date(2025, 12, 1)


def make_plan(code, unit, parent=None, start=FIRST, end=LAST, **kw):
    return save(Plan(code=code, title=f"{unit.name}技能行动方案", short_name=f"{unit.name}方案",
                     doc_number=kw.pop("doc_number", f"测〔2022〕{code}号"), issuer=unit.name,
                     issuer_unit=unit, parent=parent, period_start=start, period_end=end, **kw))


def make_target(plan, code, unit, value, indicator, *, start, end, window=WindowKind.CUMULATIVE,
                implements=None, parent=None, axis=""):
    return save(Target(plan=plan, code=code, indicator=indicator, org_unit=unit, window=window,
                       period_start=start, period_end=end, value=value, implements=implements,
                       parent=parent, axis=axis))


def build_cascade() -> Cascade:
    c = Cascade()
    nation = OrgUnitFactory(name="测试国", level=OrgLevel.NATION, kind=OrgKind.NATION)
    province = OrgUnitFactory.child_of(nation, name="测试省")
    city_a = OrgUnitFactory.child_of(province, name="甲市")
    city_b = OrgUnitFactory.child_of(province, name="乙市")
    counties = {f"{city.name}{n}县": OrgUnitFactory.child_of(city, name=f"{city.name}{n}县")
                for city in (city_a, city_b) for n in ("一", "二")}
    c.units = {"nation": nation, "province": province, "a": city_a, "b": city_b, **counties}
    c.indicator = Indicator.unscoped.create(
        code="cascade_training", name="级联测试培训人次", unit="人次", kind=IndicatorKind.FLOW,
        source=IndicatorSource.MANUAL)
    ind = c.indicator
    national = make_plan("cascade-nation", nation, doc_number="测人社部发〔2021〕1号")
    prov = make_plan("cascade-province", province, parent=national)
    plan_a = make_plan("cascade-a", city_a, parent=prov, start=month(2022))
    plan_b = make_plan("cascade-b", city_b, parent=prov, start=month(2023))
    plan_a1 = make_plan("cascade-a1", counties["甲市一县"], parent=plan_a, start=month(2022))
    c.plans = {"nation": national, "province": prov, "a": plan_a, "b": plan_b, "a1": plan_a1}
    span = {"start": month(2021), "end": month(2025, 12)}
    t_nation = make_target(national, "training", nation, 1_000_000, ind, **span)
    t_prov = make_target(prov, "training", province, 100_000, ind, implements=t_nation, **span)
    share_a = make_target(prov, "training-a", city_a, 40_000, ind, parent=t_prov, axis="region",
                          **span)
    t_a = make_target(plan_a, "training", city_a, 48_000, ind, implements=t_prov,
                      start=month(2022), end=month(2025, 12))
    t_b = make_target(plan_b, "training", city_b, 20_000, ind, implements=t_prov,
                      start=month(2023), end=month(2025, 12))
    t_a1 = make_target(plan_a1, "training", counties["甲市一县"], 30_000, ind, implements=t_a,
                       start=month(2022), end=month(2025, 12))
    c.targets = {"nation": t_nation, "province": t_prov, "share_a": share_a, "a": t_a, "b": t_b,
                 "a1": t_a1}
    return c
