"""Every seed indicator fed by a measure, on a small data set entered in 龙陵县 (plus one
figure next door in 施甸县): each returns exactly the figures it should, for the county and
rolled up to 保山市."""

import datetime as dt
from decimal import Decimal

import pytest

from certification.models import CertificateFigure
from competitions.models import Award, Competition
from targets.measures import measure_values
from targets.models import Indicator
from tests.conftest import unit
from training.models import Programme, TrainingCarrier, TrainingFigure

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)


@pytest.fixture
def data():
    longling = unit("全国/云南省/保山市/龙陵县")
    shidian = unit("全国/云南省/保山市/施甸县")
    prog = {p.name: p for p in Programme.objects.filter(plan__code="longling-2022")}

    def fig(u=longling, **kw):
        TrainingFigure.objects.create(org_unit=u, period=MAY, **kw)

    fig(training_type="岗位技能提升培训", target_group="企业职工", subsidised=True,
        trained=100, persons=80, completed=90, certified=50)
    fig(training_type="就业技能培训", target_group="脱贫人口", subsidised=True,
        programme=prog["康养云师傅"], trained=40, completed=30, certified=20)
    fig(training_type="创业培训", target_group="农村转移劳动者", programme=prog["马兰花"],
        trained=25)
    fig(training_type="企业新型学徒制", target_group="企业职工", trained=10, persons=10)
    fig(training_type="就业技能培训", target_group="退役军人", subsidised=True,
        programme=prog["生态卫士"], trained=60)
    fig(u=shidian, training_type="岗位技能提升培训", target_group="企业职工", subsidised=True,
        trained=7)

    def cert(**kw):
        CertificateFigure.objects.create(org_unit=longling, period=MAY, **kw)

    cert(certificate_type="职业技能等级证书", level="三级/高级工", industry="制造业", count=15)
    cert(certificate_type="职业技能等级证书", level="五级/初级工", count=20)
    cert(certificate_type="专项职业能力证书", level="无等级", count=5)
    cert(certificate_type="职业技能等级证书", level="四级/中级工", occupation="养老护理员", count=8)

    TrainingCarrier.objects.create(name="龙陵公共实训基地", carrier_type="公共实训基地", level="市级",
                                   org_unit=longling, established_on=dt.date(2023, 3, 10))
    TrainingCarrier.objects.create(name="某技能大师工作室", carrier_type="技能大师工作室", level="县级",
                                   org_unit=longling, established_on=dt.date(2022, 1, 5),
                                   closed_on=dt.date(2024, 3, 31))
    TrainingCarrier.objects.create(name="某试点企业", carrier_type="试点企业", level="县级",
                                   org_unit=longling, established_on=dt.date(2024, 5, 20))

    county = Competition.objects.create(name="龙陵县养老护理员技能竞赛", level="县级",
                                        organiser_unit=longling, start_date=dt.date(2024, 5, 8),
                                        end_date=dt.date(2024, 5, 9), participants=120)
    Competition.objects.create(name="保山市级竞赛（龙陵承办）", level="市级", organiser_unit=longling,
                               start_date=dt.date(2024, 5, 15), end_date=dt.date(2024, 5, 15),
                               participants=80)
    Award.objects.create(competition=county, medal="金牌", honour_title="技术能手",
                         honour_level="县级", recipient_kind="individual", recipient_name="张三",
                         recipient_id_number="11010519491231002X", org_unit=longling,
                         awarded_on=dt.date(2024, 5, 9))
    silver = Award.objects.create(competition=county, medal="银牌", recipient_kind="individual",
                                  recipient_name="李四", recipient_id_number="11010519491231002X",
                                  org_unit=longling, awarded_on=dt.date(2024, 5, 9))
    _subsidies(longling, silver)
    return longling, shidian


def _subsidies(longling, award):
    """Claims and a voucher in May: one claim approved and paid, one still pending; one
    voucher issued and redeemed against its holder's certificate."""
    from subsidies.models import Claim, PersonCertificate, Scheme, Voucher

    medals = Scheme.objects.get(code="longling-competition-medals")
    common = {"scheme": medals, "org_unit": longling, "payee_name": "李四", "explanation": "—",
              "submitted_on": dt.date(2024, 5, 12)}
    Claim.objects.create(award=award, amount=20000, status="paid", approved_on=dt.date(2024, 5, 15),
                         paid_on=dt.date(2024, 5, 30), **common)
    cert = PersonCertificate.objects.create(
        org_unit=longling, person_name="王五", id_number="11010519491231002X",
        certificate_type="职业技能等级证书", level="四级/中级工", occupation="养老护理员",
        certificate_number="M-1", issued_on=dt.date(2024, 5, 20))
    Claim.objects.create(certificate=cert, amount=1500, **common)
    training = Scheme.objects.create(
        plan=medals.plan, code="longling-training-test", name="培训补贴（测试）",
        rule_kind="training_by_level", org_unit=longling, valid_from=dt.date(2024, 1, 1))
    Voucher.objects.create(scheme=training, number="PXQ-1", org_unit=longling,
                           person_name="王五", id_number="11010519491231002X", status="redeemed",
                           issued_on=dt.date(2024, 5, 2), expires_on=dt.date(2024, 12, 31),
                           certificate=cert, redeemed_on=dt.date(2024, 5, 25),
                           redeemed_amount=1200)


# indicator code → (month, value for 龙陵县's own figures)
EXPECTED = {
    "training_person_times": (MAY, 235),
    "subsidised_training": (MAY, 200),
    "subsidised_training_enterprise_workers": (MAY, 100),
    "subsidised_training_rural_migrants": (MAY, 0),
    "subsidised_training_poverty_alleviated": (MAY, 40),
    "entrepreneurship_training": (MAY, 25),
    "apprenticeship_trainees": (MAY, 10),
    "training_rural_revitalization_programme": (MAY, 0),
    "training_kangyang": (MAY, 40),
    "training_eco_guard": (MAY, 60),
    "training_yunpin": (MAY, 0),
    "training_malanhua": (MAY, 25),
    "training_completed": (MAY, 120),
    "training_certified_after": (MAY, 70),
    "new_skilled_talent": (MAY, 48),
    "new_high_skilled_talent": (MAY, 15),
    "new_skilled_talent_manufacturing": (MAY, 15),
    "elderly_care_certificates": (MAY, 8),
    "carriers_new_municipal_bases": (dt.date(2023, 3, 1), 1),
    "public_training_bases": (MAY, 1),
    "master_studios": (MAY, 0),
    "school_enterprise_bases": (MAY, 0),
    "certification_pilot_enterprises": (MAY, 1),
    "municipal_competitions": (MAY, 1),
    "county_competitions": (MAY, 1),
    "competition_participants": (MAY, 200),
    "technical_experts_awarded": (MAY, 1),
    "subsidy_amount_approved": (MAY, 20000),
    "subsidy_amount_paid": (MAY, 20000),
    "subsidy_claims": (MAY, 2),
    "training_vouchers_issued": (MAY, 1),
    "training_vouchers_redeemed": (MAY, 1),
    "training_voucher_amount_redeemed": (MAY, 1200),
}


def value(indicator, month, unit_obj, rolled_up=False):
    values = measure_values(indicator.measure, indicator.filters, start=month, end=month,
                            units=[unit_obj.pk], rolled_up=rolled_up)
    return values.get((unit_obj.pk, month), Decimal(0))


def test_every_measure_indicator_is_covered_here():
    seeded = set(Indicator.objects.filter(source="measure").values_list("code", flat=True))
    assert seeded == set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_indicator_returns_exactly_its_figures(data, code):
    longling, shidian = data
    indicator = Indicator.objects.get(code=code)
    month, expected = EXPECTED[code]
    assert value(indicator, month, longling) == expected
    # 保山市 above: its subtree holds 龙陵县 and 施甸县 (7 subsidised person-times there).
    extra = 7 if code in ("training_person_times", "subsidised_training",
                          "subsidised_training_enterprise_workers") else 0
    baoshan = longling.parent
    assert value(indicator, month, baoshan, rolled_up=True) == expected + extra
    assert value(indicator, month, baoshan) == 0  # nothing reported by the city itself


def test_stock_levels_follow_open_and_close_dates(data):
    longling, _ = data
    studios = Indicator.objects.get(code="master_studios")
    values = measure_values(studios.measure, studios.filters, start=dt.date(2021, 12, 1),
                            end=dt.date(2024, 4, 1), units=[longling.pk])
    assert values[(longling.pk, dt.date(2021, 12, 1))] == 0
    assert values[(longling.pk, dt.date(2022, 1, 1))] == 1
    assert values[(longling.pk, dt.date(2024, 2, 1))] == 1
    assert values[(longling.pk, dt.date(2024, 3, 1))] == 0  # closed on 31 March


def test_one_grouped_query_per_measure(data, django_assert_num_queries):
    longling, _ = data
    baoshan_id = longling.parent_id
    with django_assert_num_queries(1):
        values = measure_values("training.person_times", {"subsidised": True},
                                start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 1),
                                units=[baoshan_id], rolled_up=True)
    assert values == {(baoshan_id, MAY): 207}


def test_department_sector_filter(data):
    longling, _ = data
    from org.models import Department

    forestry = Department.objects.get(org_unit=longling, name="县林业和草原局")
    TrainingFigure.objects.create(org_unit=longling, department=forestry, period=MAY,
                                  training_type="岗位技能提升培训", target_group="其他", trained=9)
    values = measure_values("training.person_times", start=MAY, end=MAY,
                            units=[longling.parent.pk], rolled_up=True,
                            department_sector="forestry")
    assert values == {(longling.parent.pk, MAY): 9}


def test_measure_totals_sums_every_flow_indicator_in_one_scan_per_table(
        data, django_assert_num_queries):
    """The roll-up's batched path: all flow indicators over a year in one call give the same
    figures as one measure at a time, for the county and rolled up to 保山市, with one grouped
    query per figure table (training, certificates, competitions, awards…)."""
    from targets.measures import measure_totals, registry

    longling, shidian = data
    flows = {i.code: i for i in Indicator.objects.filter(code__in=EXPECTED, kind="flow")
             if not registry.get(i.measure).is_stock}
    requests = {code: (i.measure, i.filters) for code, i in flows.items()}
    # One scan per figure table and date field (claims are counted by the month submitted,
    # approved or paid: three scans of the claims table).
    tables = {(registry.get(i.measure).source.model, registry.get(i.measure).source.date_field)
              for i in flows.values()}
    year = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 12, 1)}
    with django_assert_num_queries(len(tables)):
        own = measure_totals(requests, units=[longling.pk], **year)
    rolled = measure_totals(requests, units=[longling.parent_id], rolled_up=True, **year)
    for code in flows:
        month, expected = EXPECTED[code]
        if month.year != 2024:
            continue
        assert own[code].get(longling.pk, 0) == expected, code
        county_next_door = 7 if code in ("training_person_times", "subsidised_training",
                                         "subsidised_training_enterprise_workers") else 0
        assert rolled[code].get(longling.parent_id, 0) == expected + county_next_door, code


def test_rolled_up_totals_count_each_figure_once_at_every_unit_above(data):
    """`measure_totals` rolled up (on PostgreSQL each unit's own sums are added up the closure
    table in SQL), for a few units (the scan kept to their subtrees), for every unit, and by
    month: each unit asked for gets its whole subtree's figures, and no other unit appears."""
    from org.models import OrgUnit
    from targets.measures import measure_totals

    longling, shidian = data
    TrainingFigure.objects.create(org_unit=shidian, period=dt.date(2024, 6, 1),
                                  training_type="创业培训", target_group="企业职工", trained=3)
    baoshan = longling.parent
    yunnan, china = baoshan.parent, baoshan.parent.parent
    requests = {"trained": ("training.person_times", None),
                "subsidised": ("training.person_times", {"subsidised": True}),
                "certificates": ("certification.certificates", None)}
    window = {"start": MAY, "end": dt.date(2024, 6, 1), "rolled_up": True}

    few = measure_totals(requests, units=[baoshan.pk, longling.pk], **window)
    assert few == {"trained": {baoshan.pk: 245, longling.pk: 235},
                   "subsidised": {baoshan.pk: 207, longling.pk: 200},
                   "certificates": {baoshan.pk: 48, longling.pk: 48}}

    every = measure_totals(requests, units=list(OrgUnit.objects.values_list("pk", flat=True)),
                           **window)
    assert every["trained"] == {china.pk: 245, yunnan.pk: 245, baoshan.pk: 245,
                                longling.pk: 235, shidian.pk: 10}
    assert every["certificates"] == {china.pk: 48, yunnan.pk: 48, baoshan.pk: 48,
                                     longling.pk: 48}

    monthly = measure_totals({"trained": requests["trained"]}, units=[baoshan.pk],
                             by_month=True, **window)
    assert monthly == {"trained": {(baoshan.pk, MAY): 242, (baoshan.pk, dt.date(2024, 6, 1)): 3}}
