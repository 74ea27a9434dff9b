"""Subsidies: every seed rule computed exactly, claims never paid twice, caps and budgets at
approval, the claim life cycle, the voucher loop, scoping, masking and the measures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from competitions.models import Award, Competition
from org.models import Membership
from skills_portal.identity import id_number_check_char
from subsidies import rules, services
from subsidies.choices import ClaimStatus, VoucherStatus
from subsidies.models import (
    Claim,
    Hire,
    PersonCertificate,
    PriorityOccupation,
    Scheme,
    SchemeBudget,
    SchemeRate,
    StartupProject,
)
from targets.measures import measure_values
from targets.seeding import load_seed_plans
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LONGLING = "全国/云南省/保山市/龙陵县"
TODAY = dt.date(2026, 1, 15)


def make_id(n: int, born="19900101") -> str:
    first17 = f"530523{born}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def member(org_unit, role="admin"):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=org_unit, role=role)
    return user


@pytest.fixture
def root():
    return UserFactory(is_superuser=True, is_staff=True)


def scheme(code):
    return Scheme.objects.get(code=code)


def award(org_unit, *, level="世界技能大赛", medal="金牌", kind="individual", on=None,
          honour_title="", honour_level="", n=1, competition=True):
    on = on or dt.date(2023, 9, 20)
    comp = None
    if competition:
        comp = Competition.objects.create(name=f"{level}竞赛{n}", level=level,
                                          organiser_unit=org_unit, start_date=on, end_date=on)
    obj = Award(competition=comp, medal=medal if competition else "无", recipient_kind=kind,
                recipient_name=f"选手{n}" if kind == "individual" else f"教练团队{n}",
                recipient_id_number=make_id(n) if kind == "individual" else "",
                org_unit=org_unit, awarded_on=on, honour_title=honour_title,
                honour_level=honour_level)
    obj.full_clean()
    obj.save()
    return obj


def certificate(org_unit, *, level="二级/技师", issued_on=dt.date(2021, 3, 15), n=1,
                ends=None, occupation="电工", kind="职业技能等级证书"):
    obj = PersonCertificate(org_unit=org_unit, person_name=f"持证人{n}", id_number=make_id(n),
                            certificate_type=kind, level=level, occupation=occupation,
                            certificate_number=f"C{n:06d}", issued_on=issued_on,
                            allowance_ends_on=ends)
    obj.full_clean()
    obj.save()
    return obj


# --------------------------------------------------------------------------------------------
# Seed schemes
# --------------------------------------------------------------------------------------------
def test_seed_schemes_are_loaded_idempotently():
    assert set(Scheme.objects.values_list("code", flat=True)) >= {
        "longling-competition-medals", "ningxia-technical-expert-award",
        "wenzhou-shortage-technician-allowance", "nanyang-certified-hire-subsidy",
        "nanyang-startup-grant", "nanyang-training-voucher"}
    report = load_seed_plans(settings.FIXTURES_DIR)
    assert report.counts[("scheme", "created")] == 0
    assert report.counts[("scheme", "updated")] == 0
    assert report.counts[("schemerate", "unchanged")] == 19


LONGLING_TABLE = [
    ("世界技能大赛", "金牌", 150000), ("世界技能大赛", "银牌", 100000), ("世界技能大赛", "铜牌", 50000),
    ("全国职业技能大赛", "金牌", 80000), ("全国职业技能大赛", "银牌", 60000),
    ("全国职业技能大赛", "铜牌", 40000),
    ("其他全国一类", "金牌", 50000), ("其他全国一类", "银牌", 30000), ("其他全国一类", "铜牌", 20000),
    ("全省综合性", "金牌", 30000), ("全省综合性", "银牌", 20000), ("全省综合性", "铜牌", 10000),
    ("省级一类", "金牌", 30000), ("省级一类", "银牌", 20000), ("省级一类", "铜牌", 10000),
]


@pytest.mark.parametrize(("level", "medal", "amount"), LONGLING_TABLE)
def test_longling_medal_table_and_team_same_again(level, medal, amount):
    longling = unit(LONGLING)
    player = award(longling, level=level, medal=medal, n=1)
    coaches = award(longling, level=level, medal=medal, kind="coach_team", n=2)
    report = services.generate_claims(scheme=scheme("longling-competition-medals"), as_of=TODAY)
    assert report.created == 2
    claims = {c.award_id: c for c in Claim.objects.filter(scheme__code="longling-competition-medals")}
    assert claims[player.pk].amount == Decimal(amount)
    assert claims[coaches.pk].amount == Decimal(amount)  # the team gets the same again
    assert f"{amount:,}" in claims[player.pk].explanation
    assert "教练" in claims[coaches.pk].explanation
    assert sum(c.amount for c in claims.values()) == 2 * amount


def test_longling_table_has_twelve_distinct_amounts():
    rates = SchemeRate.objects.filter(scheme__code="longling-competition-medals")
    rows = {(r.competition_level, r.medal): r.amount for r in rates}
    # four rows of the plan's table (the provincial row covers two competition levels) × 3
    assert len({(lvl if lvl != "省级一类" else "全省综合性", m) for lvl, m in rows}) == 12
    assert rows[("世界技能大赛", "金牌")] == 150000 and rows[("省级一类", "铜牌")] == 10000


def test_longling_rule_refuses_what_it_does_not_cover():
    longling, shidian = unit(LONGLING), unit("全国/云南省/保山市/施甸县")
    award(longling, medal="优胜奖", n=1)  # no amount for an excellence prize
    award(longling, level="市级", n=2)  # municipal competitions are not in the table
    award(shidian, n=3)  # outside 龙陵县
    award(longling, on=dt.date(2022, 8, 31), n=4)  # before the plan was issued
    report = services.generate_claims(scheme=scheme("longling-competition-medals"), as_of=TODAY)
    assert report.created == 0
    assert not Claim.objects.exists()


def test_ningxia_technical_expert_10000():
    ningxia = unit("全国/宁夏回族自治区")
    yinchuan = ningxia.children.first() or ningxia
    expert = award(yinchuan, competition=False, honour_title="技术能手", honour_level="省级",
                   on=dt.date(2023, 5, 4), n=5)
    award(yinchuan, competition=False, honour_title="技术能手", honour_level="市级",
          on=dt.date(2023, 5, 4), n=6)  # a city-level title is not 自治区技术能手
    report = services.generate_claims(scheme=scheme("ningxia-technical-expert-award"),
                                      as_of=TODAY)
    assert report.created == 1
    claim = Claim.objects.get()
    assert claim.award == expert and claim.amount == Decimal("10000")
    assert claim.explanation == "省级 技术能手：每人 10,000 元，一次性奖励。"


def test_wenzhou_allowance_whole_months_only():
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    allowance = scheme("wenzhou-shortage-technician-allowance")
    # 技师 certified on 15 March, left on 20 October: April to September, 6 × 500.
    technician = certificate(lucheng, issued_on=dt.date(2021, 3, 15), ends=dt.date(2021, 10, 20))
    # 高级技师 certified on 1 May, still in post: May to December (the scheme ends with 2021).
    senior = certificate(lucheng, level="一级/高级技师", issued_on=dt.date(2021, 5, 1), n=2)
    # 技师 who left on 1 August: July is whole (eligible through 31 July), August is not.
    leaver = certificate(lucheng, issued_on=dt.date(2021, 7, 1), ends=dt.date(2021, 8, 1), n=3)
    certificate(lucheng, level="三级/高级工", n=4)  # no allowance at 高级工
    report = services.generate_claims(scheme=allowance, as_of=dt.date(2022, 3, 1))
    months = {}
    for claim in Claim.objects.filter(scheme=allowance):
        months.setdefault(claim.certificate_id, []).append((claim.period.month, claim.amount))
    assert sorted(months[technician.pk]) == [(m, Decimal(500)) for m in range(4, 10)]
    assert sorted(months[senior.pk]) == [(m, Decimal(1000)) for m in range(5, 13)]
    assert sorted(months[leaver.pk]) == [(7, Decimal(500))]
    assert report.created == 6 + 8 + 1
    assert sum(a for ms in months.values() for _, a in ms) == Decimal(3000 + 8000 + 500)
    # Idempotent, and a partial month is refused by hand too.
    assert services.generate_claims(scheme=allowance, as_of=dt.date(2022, 3, 1)).created == 0
    with pytest.raises(ValidationError, match="整月"):
        services.create_claim(user=UserFactory(is_superuser=True), scheme=allowance,
                              certificate=technician, period=dt.date(2021, 3, 1))


def test_wenzhou_allowance_pays_only_months_that_have_ended():
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    allowance = scheme("wenzhou-shortage-technician-allowance")
    certificate(lucheng, issued_on=dt.date(2021, 1, 1))
    services.generate_claims(scheme=allowance, as_of=dt.date(2021, 6, 30))
    assert Claim.objects.count() == 5  # January to May; June has not ended
    services.generate_claims(scheme=allowance, as_of=dt.date(2021, 7, 1))
    assert Claim.objects.count() == 6


# --------------------------------------------------------------------------------------------
# Nanyang: per hire, capped per enterprise
# --------------------------------------------------------------------------------------------
CODE_A = "91411300MA44XXXX0A"
CODE_B = "91411300MA44YYYY0B"


def hire(org_unit, n, *, code=CODE_A, hired_on=dt.date(2023, 3, 1), insured=12, left=None,
         sme=True):
    cert = certificate(org_unit, level="四级/中级工", issued_on=dt.date(2023, 1, 5), n=n)
    obj = Hire(org_unit=org_unit, enterprise_name=f"企业{code[-1]}", enterprise_code=code,
               is_sme=sme, certificate=cert, hired_on=hired_on, insured_months=insured,
               left_on=left)
    obj.full_clean()
    obj.save()
    return obj


@pytest.fixture
def hitech():
    return unit("全国/河南省/南阳市/南阳高新技术产业开发区")


def test_nanyang_hire_eligibility(hitech):
    per_hire = scheme("nanyang-certified-hire-subsidy")
    ok = hire(hitech, 1)
    hire(hitech, 2, left=dt.date(2024, 2, 28))  # left before a year
    hire(hitech, 3, insured=11)  # 11 months of social insurance
    hire(hitech, 4, sme=False)  # a large enterprise
    hire(hitech, 5, hired_on=dt.date(2025, 6, 1))  # not yet a year on the judging day
    report = services.generate_claims(scheme=per_hire, as_of=dt.date(2025, 12, 1))
    assert report.created == 1
    claim = Claim.objects.get()
    assert claim.hire == ok and claim.amount == Decimal(1000)
    assert claim.enterprise_code == CODE_A and "2,000,000" in claim.explanation
    assert len(report.skipped) == 4


def test_nanyang_cap_reached_exactly_and_refused_past_it(hitech, root):
    per_hire = scheme("nanyang-certified-hire-subsidy")
    # 1,999 hires of enterprise A already approved (1,999,000 yuan).
    certs = PersonCertificate.objects.bulk_create([
        PersonCertificate(org_unit=hitech, person_name=f"员工{i}", id_number=make_id(i),
                          certificate_type="职业技能等级证书", level="四级/中级工", occupation="焊工",
                          certificate_number=f"B{i:06d}", issued_on=dt.date(2023, 1, 1))
        for i in range(1999)])
    hires = Hire.objects.bulk_create([
        Hire(org_unit=hitech, enterprise_name="企业A", enterprise_code=CODE_A, certificate=c,
             hired_on=dt.date(2023, 2, 1), insured_months=12) for c in certs])
    Claim.objects.bulk_create([
        Claim(scheme=per_hire, hire=h, org_unit=hitech, payee_name="企业A",
              enterprise_name="企业A", enterprise_code=CODE_A, amount=Decimal(1000),
              explanation="—", submitted_on=dt.date(2024, 3, 1), status=ClaimStatus.APPROVED,
              approved_on=dt.date(2024, 3, 2)) for h in hires])
    hire(hitech, 2001)
    hire(hitech, 2002)
    hire(hitech, 2003, code=CODE_B)
    services.generate_claims(scheme=per_hire, as_of=dt.date(2025, 1, 1))
    pending = list(Claim.objects.filter(status=ClaimStatus.PENDING).order_by("pk"))
    assert len(pending) == 3
    services.approve_claim(user=root, claim=pending[0])  # the 2,000th: exactly 2,000,000
    assert services.committed_total(per_hire, enterprise_code=CODE_A) == Decimal(2_000_000)
    with pytest.raises(ValidationError, match="2,000,000") as refused:
        services.approve_claim(user=root, claim=pending[1])
    assert refused.value.error_list[0].code == "cap"
    pending[1].refresh_from_db()
    assert pending[1].status == ClaimStatus.PENDING
    services.approve_claim(user=root, claim=pending[2])  # another enterprise is unaffected


def test_annual_budget_enforced_and_remaining_shown(root):
    longling = unit(LONGLING)
    medals = scheme("longling-competition-medals")
    SchemeBudget.objects.create(scheme=medals, year=2026, amount=Decimal(200000))
    award(longling, n=1)  # 150,000
    award(longling, medal="银牌", n=2)  # 100,000
    services.generate_claims(scheme=medals, as_of=TODAY)
    first, second = Claim.objects.order_by("pk")
    services.approve_claim(user=root, claim=first, on=dt.date(2026, 1, 10))
    with pytest.raises(ValidationError, match="50,000"):
        services.approve_claim(user=root, claim=second, on=dt.date(2026, 1, 10))
    assert services.budget_position(medals, 2026) == (Decimal(200000), Decimal(150000))
    with pytest.raises(ValidationError, match="2027"):  # no budget for that year
        services.approve_claim(user=root, claim=second, on=dt.date(2027, 1, 10))


# --------------------------------------------------------------------------------------------
# Never twice; life cycle
# --------------------------------------------------------------------------------------------
def test_second_claim_on_same_basis_refused(root):
    longling = unit(LONGLING)
    medals = scheme("longling-competition-medals")
    gold = award(longling)
    first = services.create_claim(user=root, scheme=medals, award=gold)
    assert first.amount == Decimal(150000) and first.is_manual
    with pytest.raises(ValidationError, match="不得重复申领"):
        services.create_claim(user=root, scheme=medals, award=gold)
    assert services.generate_claims(scheme=medals, as_of=TODAY).created == 0
    # The database refuses it even when the service is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(scheme=medals, award=gold, org_unit=longling, payee_name="x",
                             amount=1, explanation="x", submitted_on=TODAY)


def test_claim_life_cycle_and_permissions(root):
    longling = unit(LONGLING)
    baoshan = unit("全国/云南省/保山市")
    medals = scheme("longling-competition-medals")
    clerk = member(longling, role="data_entry")
    reviewer = member(baoshan, role="reviewer")
    outsider = member(unit("全国/云南省/保山市/施甸县"), role="reviewer")
    claim = services.create_claim(user=clerk, scheme=medals, award=award(longling))
    with pytest.raises(PermissionDenied):
        services.approve_claim(user=clerk, claim=claim)  # data entry does not decide
    with pytest.raises(PermissionDenied):
        services.approve_claim(user=outsider, claim=claim)  # a sibling county
    with pytest.raises(ValidationError):
        services.pay_claim(user=reviewer, claim=claim)  # not approved yet
    with pytest.raises(ValidationError):
        services.reject_claim(user=reviewer, claim=claim, reason="  ")
    services.approve_claim(user=reviewer, claim=claim)
    with pytest.raises(ValidationError):
        services.reject_claim(user=reviewer, claim=claim, reason="材料不全")  # already approved
    paid = services.pay_claim(user=reviewer, claim=claim, reference="龙财拨〔2026〕1号")
    assert paid.status == ClaimStatus.PAID and paid.paid_by == reviewer
    from audit.models import AuditEntry

    actions = list(AuditEntry.objects.filter(model_label="subsidies.claim", object_id=str(claim.pk))
                   .order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["approve", "pay"]


def test_reject_with_reason_and_manual_claim_needs_a_second_person(root):
    longling = unit(LONGLING)
    admin = member(longling, role="admin")
    claim = services.create_claim(user=admin, scheme=scheme("longling-competition-medals"),
                                  award=award(longling))
    with pytest.raises(PermissionDenied):
        services.approve_claim(user=admin, claim=claim)
    rejected = services.reject_claim(user=member(longling, role="reviewer"), claim=claim,
                                     reason="选派手续不全")
    assert rejected.status == ClaimStatus.REJECTED and rejected.rejection_reason == "选派手续不全"


def test_start_up_grant_within_range(root):
    hitech = unit("全国/河南省/南阳市/南阳高新技术产业开发区")
    grant = scheme("nanyang-startup-grant")
    project = StartupProject.objects.create(
        org_unit=hitech, name="智能装备维修", founder_name="创业者", founder_id_number=make_id(9),
        started_on=dt.date(2023, 4, 1))
    for bad in (None, Decimal("19999.99"), Decimal("150000.01")):
        with pytest.raises(ValidationError):
            services.create_claim(user=root, scheme=grant, project=project, amount=bad)
    claim = services.create_claim(user=root, scheme=grant, project=project,
                                  amount=Decimal(150000))
    assert claim.amount == Decimal(150000) and "20,000" in claim.explanation
    with pytest.raises(ValidationError):  # a computed scheme takes no amount
        services.create_claim(user=root, scheme=scheme("longling-competition-medals"),
                              award=award(unit(LONGLING)), amount=Decimal(1))


def test_id_numbers_masked_outside_the_unit():
    longling = unit(LONGLING)
    claim = services.create_claim(user=UserFactory(is_superuser=True),
                                  scheme=scheme("longling-competition-medals"),
                                  award=award(longling))
    own, above = member(longling, role="viewer"), member(unit("全国/云南省/保山市"), "reviewer")
    assert claim.id_number_for(own) == make_id(1)
    assert claim.id_number_for(above) == make_id(1)[:6] + "********" + make_id(1)[-4:]
    assert make_id(1) not in str(claim)


def test_scoping_of_claims():
    longling = unit(LONGLING)
    services.create_claim(user=UserFactory(is_superuser=True),
                          scheme=scheme("longling-competition-medals"), award=award(longling))
    assert Claim.objects.for_user(member(unit("全国/云南省"), "viewer")).count() == 1
    assert Claim.objects.for_user(member(unit("全国/云南省/保山市/施甸县"), "admin")).count() == 0


# --------------------------------------------------------------------------------------------
# Training vouchers
# --------------------------------------------------------------------------------------------
@pytest.fixture
def training_scheme(hitech):
    training = scheme("nanyang-training-voucher")
    SchemeRate.objects.create(scheme=training, certificate_level="四级/中级工", amount=1500)
    SchemeRate.objects.create(scheme=training, certificate_level="三级/高级工", amount=2000)
    PriorityOccupation.objects.create(scheme=training, occupation="养老护理员",
                                      multiplier=Decimal("1.20"))
    return training


def _voucher(user, training, hitech, n=1, occupation="养老护理员", issued=dt.date(2025, 3, 1)):
    return services.issue_voucher(user=user, scheme=training, org_unit=hitech,
                                  person_name=f"学员{n}", id_number=make_id(n),
                                  occupation=occupation, issued_on=issued,
                                  expires_on=dt.date(2025, 12, 31))


def test_voucher_closed_loop_redeemed_against_certificate(root, training_scheme, hitech):
    voucher = _voucher(root, training_scheme, hitech)
    steps = [("enrolled", dt.date(2025, 3, 5), {"institution": "南阳高新区职业培训学校"}),
             ("trained", dt.date(2025, 5, 30), {}), ("assessed", dt.date(2025, 6, 10), {})]
    for status, on, extra in steps:
        voucher = services.advance_voucher(user=root, voucher=voucher, to_status=status, on=on,
                                           **extra)
    cert = certificate(hitech, level="三级/高级工", issued_on=dt.date(2025, 6, 20), n=1,
                       occupation="养老护理员")
    voucher = services.advance_voucher(user=root, voucher=voucher, to_status="certified",
                                       on=dt.date(2025, 6, 25), certificate=cert)
    voucher = services.advance_voucher(user=root, voucher=voucher, to_status="redeemed",
                                       on=dt.date(2025, 7, 1))
    assert voucher.status == VoucherStatus.REDEEMED
    assert voucher.redeemed_amount == Decimal("2400.00")  # 2,000 × 1.20
    claim = Claim.objects.get(voucher=voucher)
    assert claim.amount == Decimal("2400.00") and "1.20" in claim.explanation
    values = measure_values("subsidies.voucher_amount_redeemed", start=dt.date(2025, 7, 1),
                            end=dt.date(2025, 7, 1), units=[hitech.pk])
    assert values == {(hitech.pk, dt.date(2025, 7, 1)): Decimal("2400.00")}


def test_voucher_refuses_skipped_steps_and_redeeming_without_certificate(root, training_scheme,
                                                                         hitech):
    voucher = _voucher(root, training_scheme, hitech)
    with pytest.raises(ValidationError, match="不得跳过任何环节"):
        services.advance_voucher(user=root, voucher=voucher, to_status="trained",
                                 on=dt.date(2025, 3, 5))
    voucher = services.advance_voucher(user=root, voucher=voucher, to_status="enrolled",
                                       on=dt.date(2025, 3, 5), institution="培训学校")
    voucher = services.advance_voucher(user=root, voucher=voucher, to_status="trained",
                                       on=dt.date(2025, 4, 5))
    voucher = services.advance_voucher(user=root, voucher=voucher, to_status="assessed",
                                       on=dt.date(2025, 4, 10))
    with pytest.raises(ValidationError):  # straight to redeemed: no certificate step
        services.advance_voucher(user=root, voucher=voucher, to_status="redeemed",
                                 on=dt.date(2025, 4, 11))
    with pytest.raises(ValidationError, match="无证无价"):
        services.advance_voucher(user=root, voucher=voucher, to_status="certified",
                                 on=dt.date(2025, 4, 11), certificate=None)
    someone_else = certificate(hitech, level="三级/高级工", issued_on=dt.date(2025, 4, 1), n=7,
                               occupation="养老护理员")
    with pytest.raises(ValidationError, match="不得转让"):
        services.advance_voucher(user=root, voucher=voucher, to_status="certified",
                                 on=dt.date(2025, 4, 11), certificate=someone_else)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ASSESSED and not Claim.objects.exists()


def test_voucher_expiry(root, training_scheme, hitech):
    voucher = _voucher(root, training_scheme, hitech)
    with pytest.raises(ValidationError):
        services.advance_voucher(user=root, voucher=voucher, to_status="enrolled",
                                 on=dt.date(2026, 1, 5), institution="培训学校")
    assert services.expire_vouchers(today=dt.date(2026, 1, 1)) == 1
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED
    with pytest.raises(ValidationError):
        services.advance_voucher(user=root, voucher=voucher, to_status="enrolled",
                                 on=dt.date(2025, 12, 1), institution="培训学校")


def test_voucher_bound_to_one_open_per_person(root, training_scheme, hitech):
    _voucher(root, training_scheme, hitech)
    with pytest.raises(ValidationError):
        _voucher(root, training_scheme, hitech)


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------
def test_amounts_approved_and_paid_feed_the_roll_up(root):
    longling, baoshan = unit(LONGLING), unit("全国/云南省/保山市")
    services.generate_claims(scheme=scheme("longling-competition-medals"), as_of=TODAY)
    award(longling)
    services.generate_claims(scheme=scheme("longling-competition-medals"), as_of=TODAY)
    claim = Claim.objects.get()
    services.approve_claim(user=root, claim=claim, on=dt.date(2026, 1, 3))
    services.pay_claim(user=root, claim=claim, paid_on=dt.date(2026, 1, 10))
    jan = dt.date(2026, 1, 1)
    approved = measure_values("subsidies.amount_approved", start=jan, end=jan, units=[baoshan.pk],
                              rolled_up=True)
    paid = measure_values("subsidies.amount_paid", {"rule_kind": "tiered_award"}, start=jan,
                          end=jan, units=[baoshan.pk], rolled_up=True)
    assert approved == {(baoshan.pk, jan): Decimal(150000)}
    assert paid == {(baoshan.pk, jan): Decimal(150000)}
    from targets.models import Indicator

    assert Indicator.objects.get(code="subsidy_amount_paid").measure == "subsidies.amount_paid"


def _approved_report(org_unit, month: dt.date):
    from reporting.choices import ReportStatus
    from reporting.models import MonthlyReport

    return MonthlyReport.objects.create(org_unit=org_unit, period=month,
                                        status=ReportStatus.APPROVED,
                                        deadline=month.replace(day=28))


def test_a_subsidy_step_dated_in_an_approved_month_is_refused(root, training_scheme, hitech):
    """An approved month's subsidy figures stay as approved: approving, paying, issuing or
    redeeming dated in it is refused, whoever approved it (the unit or one above). Only the
    month a step dates counts: a claim approved in a month approved since is still paid."""
    longling, baoshan = unit(LONGLING), unit("全国/云南省/保山市")
    award(longling)
    services.generate_claims(scheme=scheme("longling-competition-medals"), as_of=TODAY)
    claim = Claim.objects.get()
    _approved_report(baoshan, dt.date(2026, 1, 1))  # the city's January, above Longling
    with pytest.raises(ValidationError, match="保山市的月度报表已审核通过"):
        services.approve_claim(user=root, claim=claim, on=dt.date(2026, 1, 3))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and claim.approved_on is None
    services.approve_claim(user=root, claim=claim, on=dt.date(2026, 2, 2))
    _approved_report(longling, dt.date(2026, 2, 1))  # its own February, after the approval
    with pytest.raises(ValidationError, match="2026-02：月度报表已审核通过"):
        services.pay_claim(user=root, claim=claim, paid_on=dt.date(2026, 2, 20))
    services.pay_claim(user=root, claim=claim, paid_on=dt.date(2026, 3, 2))
    claim.refresh_from_db()
    assert (claim.status, claim.approved_on) == (ClaimStatus.PAID, dt.date(2026, 2, 2))

    _approved_report(hitech, dt.date(2025, 2, 1))
    with pytest.raises(ValidationError, match="月度报表已审核通过"):
        _voucher(root, training_scheme, hitech, issued=dt.date(2025, 2, 10))
    voucher = _voucher(root, training_scheme, hitech, issued=dt.date(2025, 3, 1))
    for status, on in (("enrolled", dt.date(2025, 3, 5)), ("trained", dt.date(2025, 5, 30)),
                       ("assessed", dt.date(2025, 6, 10))):
        voucher = services.advance_voucher(user=root, voucher=voucher, to_status=status, on=on,
                                           institution="南阳高新区职业培训学校")
    cert = certificate(hitech, level="三级/高级工", issued_on=dt.date(2025, 6, 20), n=1,
                       occupation="养老护理员")
    voucher = services.advance_voucher(user=root, voucher=voucher, to_status="certified",
                                       on=dt.date(2025, 6, 25), certificate=cert)
    _approved_report(hitech, dt.date(2025, 7, 1))
    with pytest.raises(ValidationError, match="2025-07：月度报表已审核通过"):
        services.advance_voucher(user=root, voucher=voucher, to_status="redeemed",
                                 on=dt.date(2025, 7, 1))
    assert services.advance_voucher(user=root, voucher=voucher, to_status="redeemed",
                                    on=dt.date(2025, 8, 1)).status == VoucherStatus.REDEEMED


def test_generation_creates_no_claim_in_an_approved_month():
    """Generated claims are dated the day of the run: if that month's report is already
    approved (the unit's or one above), they are skipped with the reason, and created once
    the approval is withdrawn."""
    from django.utils import timezone

    longling = unit(LONGLING)
    award(longling)
    report = _approved_report(unit("全国/云南省/保山市"), timezone.localdate().replace(day=1))
    medals = scheme("longling-competition-medals")
    generated = services.generate_claims(scheme=medals, as_of=TODAY)
    assert generated.created == 0 and not Claim.objects.exists()
    assert any("审核" in line for line in generated.lines())
    report.delete()
    assert services.generate_claims(scheme=medals, as_of=TODAY).created == 1


def test_rule_summary_and_yuan():
    assert rules.yuan(Decimal("2000000")) == "2,000,000"
    assert rules.yuan(Decimal("1234.5")) == "1,234.50"
    summary = rules.rule_summary(scheme("longling-competition-medals"))
    assert "世界技能大赛金牌 150,000元" in summary


# --------------------------------------------------------------------------------------------
# Setting up: the admin, fixtures, command, task, roll-up
# --------------------------------------------------------------------------------------------
def test_an_officer_configures_a_scheme_in_the_admin_and_claims_follow(client):
    """Baoshan's own (hypothetical) medal scheme typed into the admin from a plan's text."""
    from targets.models import Plan

    baoshan = unit("全国/云南省/保山市")
    user = UserFactory(is_staff=True)
    Membership.objects.create(user=user, org_unit=baoshan, role="admin")
    client.force_login(user)
    plan = Plan.objects.get(code="longling-2022")
    inline = {f"{prefix}-{key}": value for prefix in ("rates", "budgets", "priority_occupations")
              for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"),
                                 ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}
    inline.update({"rates-TOTAL_FORMS": "2", "rates-0-competition_level": "市级",
                   "rates-0-medal": "一等奖", "rates-0-amount": "5000",
                   "rates-1-competition_level": "市级", "rates-1-medal": "二等奖",
                   "rates-1-amount": "3000"})
    response = client.post("/admin/subsidies/scheme/add/", {
        "plan": plan.pk, "code": "longling-municipal-prizes", "name": "市级竞赛获奖奖励",
        "rule_kind": "tiered_award", "org_unit": unit(LONGLING).pk, "valid_from": "2023-01-01",
        "valid_to": "", "is_active": "on", "quote": "（示例）", **inline})
    assert response.status_code == 302, response.content.decode()[-3000:]
    created = Scheme.objects.get(code="longling-municipal-prizes")
    assert created.rates.count() == 2
    award(unit(LONGLING), level="市级", medal="一等奖", n=3)
    services.generate_claims(scheme=created, as_of=TODAY)
    assert Claim.objects.get(scheme=created).amount == Decimal(5000)
    # A sibling county's administrator reads the published scheme but cannot change it.
    other = UserFactory(is_staff=True)
    Membership.objects.create(user=other, org_unit=unit("全国/云南省/保山市/施甸县"), role="admin")
    client.force_login(other)
    url = f"/admin/subsidies/scheme/{created.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "改名"}).status_code == 403
    created.refresh_from_db()
    assert created.name == "市级竞赛获奖奖励"


def test_a_bad_scheme_fixture_names_file_and_entry_and_saves_nothing(tmp_path):
    import shutil

    import yaml

    from targets.seeding import SeedError

    shutil.copytree(settings.FIXTURES_DIR, tmp_path / "fx")
    path = tmp_path / "fx" / "schemes" / "004_longling.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["schemes"][0]["rates"].append({"competition_level": "世界技能大赛", "medal": "金牌",
                                        "certificate_level": "二级/技师", "amount": 1})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = SchemeRate.objects.count()
    with pytest.raises(SeedError, match=r"004_longling\.yaml scheme 1"):
        load_seed_plans(tmp_path / "fx")
    assert SchemeRate.objects.count() == before


def test_management_command_and_celery_task(capsys):
    from django.core.management import CommandError, call_command

    from subsidies.tasks import expire_vouchers_task, generate_claims_task

    award(unit(LONGLING))
    call_command("generate_claims", "--scheme", "longling-competition-medals",
                 "--as-of", "2026-01-15")
    assert "150,000" in capsys.readouterr().out
    assert Claim.objects.count() == 1
    result = generate_claims_task.apply(args=[scheme("longling-competition-medals").pk]).get()
    assert result["created"] == 0  # idempotent
    assert expire_vouchers_task.apply().get() == {"expired": 0}
    with pytest.raises(CommandError):
        call_command("generate_claims", "--scheme", "no-such-scheme")


def test_paid_amounts_reach_a_target_through_the_roll_up(root):
    from progress.models import RollupMark
    from progress.rollup import rollup_month
    from targets.models import Indicator, Plan, Target

    longling = unit(LONGLING)
    target = Target.objects.create(
        plan=Plan.objects.get(code="longling-2022"), code="subsidies-paid-2025",
        indicator=Indicator.objects.get(code="subsidy_amount_paid"), org_unit=longling,
        window="annual", period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 1),
        value=Decimal(300000))
    award(longling, on=dt.date(2024, 11, 2))
    services.generate_claims(scheme=scheme("longling-competition-medals"), as_of=TODAY)
    claim = Claim.objects.get()
    services.approve_claim(user=root, claim=claim, on=dt.date(2025, 3, 1))
    services.pay_claim(user=root, claim=claim, paid_on=dt.date(2025, 3, 10))
    assert RollupMark.objects.filter(org_unit=longling, period=dt.date(2025, 3, 1)).exists()
    rollup_month(dt.date(2025, 3, 1))
    snapshot = target.snapshots.get(period=dt.date(2025, 3, 1))
    assert snapshot.actual == Decimal(150000)
    assert snapshot.completion_rate == Decimal("0.5")


def test_a_rejected_claim_can_be_entered_again_but_never_two_live_ones(root):
    longling = unit(LONGLING)
    medals = scheme("longling-competition-medals")
    gold = award(longling)
    services.generate_claims(scheme=medals, as_of=TODAY)
    first = Claim.objects.get()
    services.reject_claim(user=root, claim=first, reason="选派证明未附")
    # Generation does not bring a rejected claim back by itself …
    assert services.generate_claims(scheme=medals, as_of=TODAY).created == 0
    # … an officer enters it again once the problem is fixed; a third is refused.
    second = services.create_claim(user=root, scheme=medals, award=gold)
    assert second.status == ClaimStatus.PENDING and second.amount == Decimal(150000)
    with pytest.raises(ValidationError, match="不得重复申领"):
        services.create_claim(user=root, scheme=medals, award=gold)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(scheme=medals, award=gold, org_unit=longling, payee_name="x",
                             amount=1, explanation="x", submitted_on=TODAY)


def test_wenzhou_allowance_for_a_recruited_technician_starts_when_the_post_is_taken():
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    allowance = scheme("wenzhou-shortage-technician-allowance")
    recruited = certificate(lucheng, level="一级/高级技师", issued_on=dt.date(2018, 4, 2), n=9)
    recruited.allowance_starts_on = dt.date(2021, 6, 10)
    recruited.save()
    services.generate_claims(scheme=allowance, as_of=dt.date(2022, 1, 5))
    months = sorted(c.period.month for c in Claim.objects.filter(certificate=recruited))
    assert months == [7, 8, 9, 10, 11, 12]
    assert "2021-06-10" in Claim.objects.filter(certificate=recruited).first().explanation
