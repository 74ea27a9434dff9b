"""Deterministic synthetic national data for benchmarks: 31 provinces, 357 cities, 3,219
counties, a plan with targets on every unit, and a year of figures in every domain (training,
certificates, competitions and awards: about 1.7 million rows). Figures are written with
INSERT … SELECT over generate_series, so PostgreSQL is required. Values come from arithmetic on
ids and months: the same run gives the same data on every machine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction

from org.closure import OrgUnitClosure
from org.models import OrgUnit
from targets.models import Indicator, Plan, Target

YEAR = 2024
PROVINCES = 31
# Cities per province and counties per city vary a little, like the real tree.
CITIES = [10 + (p * 7) % 4 for p in range(PROVINCES)]  # 10–13 each, 357 in all
INDICATORS = ("training_person_times", "subsidised_training", "new_skilled_talent",
              "new_high_skilled_talent", "manufacturing_share_of_new_skilled",
              "county_competitions", "competition_participants", "technical_experts_awarded")


def counties_in(p: int, c: int) -> int:
    return 6 + (p * 31 + c * 17) % 7  # 6–12 per city


def build_tree() -> list[int]:
    """Create the synthetic provinces, cities and counties under 全国; returns province ids."""
    nation = OrgUnit.objects.get(parent=None, name="全国")
    provinces = OrgUnit.objects.bulk_create([
        OrgUnit(parent=nation, name=f"合成省{p + 1:02d}", code=f"{66 + p:02d}0000", level=1,
                kind="省") for p in range(PROVINCES)
    ])
    cities = OrgUnit.objects.bulk_create([
        OrgUnit(parent=prov, name=f"合成{p + 1:02d}省{c + 1:02d}市",
                code=f"{66 + p:02d}{c + 1:02d}00", level=2, kind="市")
        for p, prov in enumerate(provinces) for c in range(CITIES[p])
    ])
    counties, index = [], 0
    for p in range(PROVINCES):
        for c in range(CITIES[p]):
            city = cities[index]
            index += 1
            counties += [OrgUnit(parent=city, name=f"{city.name}{k + 1:02d}县",
                                 code=f"{66 + p:02d}{c + 1:02d}{k + 1:02d}", level=3, kind="县")
                         for k in range(counties_in(p, c))]
    OrgUnit.objects.bulk_create(counties, batch_size=2000)
    OrgUnitClosure.rebuild()  # bulk_create skips save(): one recursive statement
    return [p.pk for p in provinces]


def build_targets(*, year: int = YEAR) -> int:
    """The national plan of `year` with a target per unit and indicator (the forecast
    backtest builds the year before too)."""
    nation = OrgUnit.objects.get(parent=None, name="全国")
    plan = Plan.objects.create(code="bench-national" if year == YEAR else f"bench-national-{year}",
                               title=f"合成全国技能行动方案（基准测试，{year}年）",
                               short_name="合成全国方案", issuer="基准测试", issuer_unit=nation,
                               period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 1))
    units = list(OrgUnit.objects.filter(name__startswith="合成").values_list("pk", "level"))
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=INDICATORS)}
    scale = {1: 900_000, 2: 90_000, 3: 10_000}
    # Competitions and 技术能手: about one a month per county.
    small = {1: 1_200, 2: 110, 3: 12}
    targets = [
        Target(plan=plan, code=f"{code}-{pk}", indicator=indicators[code], org_unit_id=pk,
               window="annual", period_start=dt.date(year, 1, 1),
               period_end=dt.date(year, 12, 1),
               value=40 if code.endswith("share_of_new_skilled")
               else small[level] if code in ("county_competitions", "technical_experts_awarded")
               else scale[level] // (3 if "high" in code else 1))
        for pk, level in units for code in INDICATORS
    ]
    Target.objects.bulk_create(targets, batch_size=5000)
    return len(targets)


def build_implementing_targets() -> int:
    """Each synthetic province, city and county gets its own plan implementing the one above
    (the national plan for a province, the province's own for a city, the city's for a
    county), with one target per indicator that implements the level above's target for the
    same indicator, 10% higher (issue #16: the roll-up with a cascade on every unit)."""
    national = Plan.objects.get(code="bench-national")
    units = list(OrgUnit.objects.filter(name__startswith="合成").order_by("level")
                 .values_list("pk", "level", "parent_id", "name"))
    plans = Plan.objects.bulk_create([
        Plan(code=f"bench-own-{pk}", title=f"{name}技能行动方案（基准测试）",
             short_name=f"{name}方案", issuer=name, issuer_unit_id=pk,
             period_start=dt.date(YEAR, 1, 1), period_end=dt.date(YEAR, 12, 1))
        for pk, _level, _parent, name in units], batch_size=2000)
    own_plan = {pk: plan for (pk, *_), plan in zip(units, plans, strict=True)}
    for pk, level, parent, _name in units:  # each plan names the plan above
        own_plan[pk].parent_id = national.pk if level == 1 else own_plan[parent].pk
    Plan.objects.bulk_update(plans, ["parent"], batch_size=2000)
    # The national plan's target of each unit sets the number (10% higher in its own plan);
    # the target implemented is the national plan's for a province, else the parent unit's
    # own plan's target for the same indicator.
    stated = {(t.org_unit_id, t.indicator.code): t
              for t in Target.objects.filter(plan=national).select_related("indicator")}
    provinces = {pk for pk, level, *_ in units if level == 1}
    above = {(unit, code): t for (unit, code), t in stated.items() if unit in provinces}
    code_of = {t.indicator_id: code for (_unit, code), t in stated.items()}
    created = 0
    for level in (1, 2, 3):
        batch = []
        for pk, unit_level, parent, _name in units:
            if unit_level != level:
                continue
            for code in INDICATORS:
                implemented = above.get((pk if level == 1 else parent, code))
                own = stated.get((pk, code))
                if implemented is None or own is None:
                    continue
                batch.append(Target(
                    plan=own_plan[pk], code=code, indicator_id=own.indicator_id, org_unit_id=pk,
                    window="annual", period_start=dt.date(YEAR, 1, 1),
                    period_end=dt.date(YEAR, 12, 1), implements=implemented,
                    value=(own.value * Decimal("1.1")).quantize(Decimal(1))))
        Target.objects.bulk_create(batch, batch_size=5000)
        created += len(batch)
        above = {(t.org_unit_id, code_of[t.indicator_id]): t for t in batch}
    return created


TRAINING_SQL = """
INSERT INTO training_trainingfigure
    (created_at, updated_at, org_unit_id, department_id, period, training_type, target_group,
     programme_id, subsidised, industry, trained, persons, completed, certified, is_demo,
     entered_by_id)
SELECT now(), now(), u.id, NULL, make_date(%(year)s, m, 1), tt.v, tg.v, NULL,
       (u.id + m + tt.i + tg.i) %% 3 = 0, '',
       x + 10, x, x + 5, x, true, NULL
FROM targets_orgunit u
JOIN LATERAL generate_series(1, 12) AS m ON true
CROSS JOIN (VALUES (1, '就业技能培训'), (2, '岗位技能提升培训'), (3, '创业培训'),
                   (4, '企业新型学徒制'), (5, '项目制培训')) AS tt(i, v)
CROSS JOIN (VALUES (1, '企业职工'), (2, '农村转移劳动者'), (3, '脱贫人口'), (4, '高校毕业生'),
                   (5, '失业人员')) AS tg(i, v)
CROSS JOIN LATERAL (SELECT round(((u.id * 31 + m * 17 + tt.i * 7 + tg.i * 3) %% 40)
                                 * {shape})::int AS x) AS val
WHERE u.level = 3 AND u.name LIKE '合成%%' AND u.parent_id IN (
    SELECT id FROM targets_orgunit WHERE parent_id = ANY(%(provinces)s))
"""

CERTIFICATE_SQL = """
INSERT INTO certification_certificatefigure
    (created_at, updated_at, org_unit_id, department_id, period, certificate_type, level,
     occupation, industry, count, is_demo, entered_by_id)
SELECT now(), now(), u.id, NULL, make_date(%(year)s, m, 1), c.t, c.l, '',
       CASE WHEN (u.id + m + c.i) %% 5 < 2 THEN '制造业' ELSE '' END,
       round(((u.id * 13 + m * 11 + c.i * 5) %% 30 + 1) * {shape})::int, true, NULL
FROM targets_orgunit u
JOIN LATERAL generate_series(1, 12) AS m ON true
CROSS JOIN (VALUES
    (1, '职业技能等级证书', '五级/初级工'), (2, '职业技能等级证书', '四级/中级工'),
    (3, '职业技能等级证书', '三级/高级工'), (4, '职业技能等级证书', '二级/技师'),
    (5, '职业技能等级证书', '一级/高级技师'), (6, '职业资格证书', '五级/初级工'),
    (7, '职业资格证书', '四级/中级工'), (8, '职业资格证书', '三级/高级工'),
    (9, '职业资格证书', '二级/技师'), (10, '职业资格证书', '一级/高级技师'),
    (11, '职业技能等级证书', '特级技师'), (12, '职业技能等级证书', '首席技师'),
    (13, '职业资格证书', '特级技师'), (14, '职业资格证书', '首席技师'),
    (15, '专项职业能力证书', '无等级'), (16, '特种作业操作证书', '无等级'),
    (17, '特种设备作业人员证书', '无等级')) AS c(i, t, l)
WHERE u.level = 3 AND u.name LIKE '合成%%' AND u.parent_id IN (
    SELECT id FROM targets_orgunit WHERE parent_id = ANY(%(provinces)s))
"""


# A county competition a month, and three awards at each (one 技术能手 among them).
COMPETITION_SQL = """
INSERT INTO competitions_competition
    (created_at, updated_at, name, level, start_date, end_date, occupations, participants, note,
     is_demo, created_by_id, organiser_department_id, organiser_unit_id)
SELECT now(), now(), u.name || m || '月职业技能竞赛', '县级', make_date(%(year)s, m, 10),
       make_date(%(year)s, m, 11), '', 40 + (u.id * 7 + m) %% 60, '', true, NULL, NULL, u.id
FROM targets_orgunit u
JOIN LATERAL generate_series(1, 12) AS m ON true
WHERE u.level = 3 AND u.name LIKE '合成%%' AND u.parent_id IN (
    SELECT id FROM targets_orgunit WHERE parent_id = ANY(%(provinces)s))
"""

AWARD_SQL = """
INSERT INTO competitions_award
    (created_at, updated_at, medal, honour_title, honour_level, recipient_kind, recipient_name,
     recipient_id_number, employer, awarded_on, note, is_demo, created_by_id, department_id,
     org_unit_id, competition_id)
SELECT now(), now(), a.medal, a.title, CASE WHEN a.title = '' THEN '' ELSE '县级' END,
       'team', '代表队' || c.id || '-' || a.i, '', '', c.end_date, '', true, NULL, NULL,
       c.organiser_unit_id, c.id
FROM competitions_competition c
CROSS JOIN (VALUES (1, '金牌', '技术能手'), (2, '银牌', ''), (3, '铜牌', '')) AS a(i, medal, title)
WHERE c.is_demo AND c.organiser_unit_id IN (
    SELECT id FROM targets_orgunit WHERE parent_id IN (
        SELECT id FROM targets_orgunit WHERE parent_id = ANY(%(provinces)s)))
"""


# The forecast backtest's seasonal shape (#20): training and certificates back-loaded as in
# China (a slow first quarter around the Spring Festival, a rush in the fourth), the weights
# averaging 1; a growth factor per county and year (0.8–1.3), so that a county's year differs
# from its last in level; and ±15% noise per county, month and year, so not exactly in shape.
SHAPE = ("(SELECT f FROM (VALUES (1, 0.45), (2, 0.35), (3, 0.7), (4, 0.8), (5, 0.9), (6, 1.0), "
         "(7, 0.95), (8, 0.9), (9, 1.1), (10, 1.3), (11, 1.6), (12, 1.95)) AS w(wm, f) "
         "WHERE w.wm = m) * (0.8 + ((u.id * 7 + %(year)s) %% 6) * 0.1)"
         " * (0.85 + ((u.id * 13 + m * 7 + %(year)s * 5) %% 7) * 0.05)")


def build_figures(province_ids: list[int], *, year: int = YEAR, shaped: bool = False) -> int:
    """A year of figures for every county of the given provinces; returns rows written.
    `shaped`: with the seasonal shape and yearly growth of `SHAPE` (flat by default, as the
    roll-up benchmark has always measured)."""
    rows = 0
    shape = SHAPE if shaped else "1"
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in (TRAINING_SQL, CERTIFICATE_SQL, COMPETITION_SQL, AWARD_SQL):
            cursor.execute(sql.replace("{shape}", shape),
                           {"year": year, "provinces": province_ids})
            rows += cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE training_trainingfigure; ANALYZE certification_certificatefigure;"
                       " ANALYZE competitions_competition; ANALYZE competitions_award;"
                       " ANALYZE targets_orgunitclosure;")
    return rows
