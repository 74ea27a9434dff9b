"""Subsidy rule kinds beside the six (#22): a per-day subsidy for partial training without a
certificate, capped at a share of what the certificate pays; an amount pro-rated by completed
hours; at most N subsidised trainings per person per year across schemes.

Each shape is set up through the admin's forms (schemes with their rates, training records,
the limit) and claimed through the portal's claim form or its generation button, as an officer
would; the amounts are worked by hand in each test."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from subsidies import services
from subsidies.models import Claim, Scheme, TrainingRecord
from targets.models import Plan
from tests.conftest import unit
from tests.factories import UserFactory
from tests.subsidies.test_subsidies_pages import make_id

pytestmark = pytest.mark.django_db

LONGLING = "全国/云南省/保山市/龙陵县"
BEGINNER, INTERMEDIATE = "五级/初级工", "四级/中级工"


@pytest.fixture
def officer(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def inlines(rates=(), priority=()) -> dict:
    data = {f"{prefix}-{key}": value for prefix in ("rates", "budgets", "priority_occupations")
            for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"),
                               ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}
    data["rates-TOTAL_FORMS"] = str(len(rates))
    for n, (level, amount) in enumerate(rates):
        data[f"rates-{n}-certificate_level"] = level
        data[f"rates-{n}-amount"] = str(amount)
    data["priority_occupations-TOTAL_FORMS"] = str(len(priority))
    for n, (occupation, multiplier) in enumerate(priority):
        data[f"priority_occupations-{n}-occupation"] = occupation
        data[f"priority_occupations-{n}-multiplier"] = str(multiplier)
    return data


def add_scheme(client, code, kind, *, rates=(), priority=(), expect=302, **fields):
    response = client.post("/admin/subsidies/scheme/add/", {
        "plan": Plan.objects.get(code="longling-2022").pk, "code": code, "name": f"方案{code}",
        "rule_kind": kind, "org_unit": unit(LONGLING).pk, "valid_from": "2025-01-01",
        "valid_to": "", "is_active": "on", **{k: str(v) for k, v in fields.items()},
        **inlines(rates, priority)})
    assert response.status_code == expect, response.content.decode()[-3000:]
    return Scheme.objects.filter(code=code).first() if expect == 302 else response


def certificate_scheme(client, **kwargs):
    """The training subsidy with a certificate: 初级 1,200, 中级 1,800."""
    return add_scheme(client, "with-certificate", "training_by_level",
                      rates=[(BEGINNER, 1200), (INTERMEDIATE, 1800)], **kwargs)


def per_day_scheme(client, reference, **fields):
    return add_scheme(client, "per-day", "per_day_partial", per_day_amount="60",
                      cap_share="0.5", reference_scheme=reference.pk, **fields)


def hours_scheme(client):
    return add_scheme(client, "by-hours", "hours_prorata", rates=[(BEGINNER, 1000)])


def add_training(client, *, person=1, days=12, required=64, completed=64, certified=False,
                 ended="2025-03-10", occupation="中式烹调师", level=BEGINNER, expect=302):
    data = {"org_unit": unit(LONGLING).pk, "person_name": f"学员{person}",
            "id_number": make_id(person), "occupation": occupation, "level": level,
            "institution": "龙陵县职业技能培训中心", "started_on": "2025-02-20",
            "ended_on": ended, "days_attended": days, "hours_required": required,
            "hours_completed": completed}
    if certified:
        data["certified"] = "on"
    before = set(TrainingRecord.objects.values_list("pk", flat=True))
    response = client.post("/admin/subsidies/trainingrecord/add/", data)
    assert response.status_code == expect, response.content.decode()[-3000:]
    if expect != 302:
        return response
    return TrainingRecord.objects.exclude(pk__in=before).get()


def claim(client, scheme, training):
    """Claimed by hand on the portal's claim form; the claim, or the page that refused it."""
    response = client.post("/subsidies/claims/new/", {"scheme": scheme.pk,
                                                      "training": training.pk})
    if response.status_code == 302:
        return Claim.objects.get(scheme=scheme, training=training)
    return response


def add_limit(client, schemes, max_per_year=3):
    response = client.post("/admin/subsidies/personyearlimit/add/", {
        "name": "每人每年享受职业培训补贴不超过3次", "org_unit": unit("全国/云南省").pk,
        "max_per_year": max_per_year, "schemes": [s.pk for s in schemes], "is_active": "on",
        "quote": "同一劳动者每年享受职业培训补贴不超过3次"})
    assert response.status_code == 302, response.content.decode()[-3000:]


# --- per day, capped -------------------------------------------------------------------------
def test_rule_per_day_subsidy_is_capped_at_a_share_of_the_certificate_amount(client, officer):
    per_day = per_day_scheme(client, certificate_scheme(client))
    made = claim(client, per_day, add_training(client, days=12))
    # 60 × 12 = 720 > 50 % × 1,200 = 600: paid 600.
    assert made.amount == Decimal("600.00")
    assert "720" in made.explanation and "600" in made.explanation
    assert made.basis_on.isoformat() == "2025-03-10"


def test_rule_per_day_subsidy_under_its_cap_pays_the_days(client, officer):
    per_day = per_day_scheme(client, certificate_scheme(client))
    made = claim(client, per_day, add_training(client, days=8))
    assert made.amount == Decimal("480.00")  # 60 × 8 = 480 ≤ 600


def test_rule_per_day_cap_follows_the_level_and_a_priority_occupation(client, officer):
    reference = certificate_scheme(client, priority=[("养老护理员", "1.2")])
    per_day = per_day_scheme(client, reference)
    # 中级 1,800 × 50 % = 900; 60 × 14 = 840 under it.
    assert claim(client, per_day, add_training(client, person=2, days=14,
                                               level=INTERMEDIATE)).amount == Decimal("840.00")
    # 养老护理员 初级: 1,200 × 1.2 = 1,440, × 50 % = 720; 60 × 14 = 840 over it.
    assert claim(client, per_day, add_training(client, person=3, days=14,
                                               occupation="养老护理员")).amount == Decimal("720.00")


def test_rule_per_day_refuses_a_trainee_who_obtained_the_certificate(client, officer):
    per_day = per_day_scheme(client, certificate_scheme(client))
    refused = claim(client, per_day, add_training(client, certified=True))
    assert refused.status_code == 200
    assert "取得证书" in refused.content.decode() or "取证" in refused.content.decode()
    assert not Claim.objects.filter(scheme=per_day).exists()


def test_rule_per_day_scheme_needs_a_share_and_a_certificate_scheme(client, officer):
    reference = certificate_scheme(client)
    no_cap = add_scheme(client, "bad-1", "per_day_partial", per_day_amount="60",
                        reference_scheme=reference.pk, expect=200).content.decode()
    assert "0 到 1" in no_cap or "0至1" in no_cap or "比例" in no_cap
    too_big = add_scheme(client, "bad-2", "per_day_partial", per_day_amount="60",
                         cap_share="1.5", reference_scheme=reference.pk, expect=200)
    assert "比例" in too_big.content.decode()
    hours = hours_scheme(client)
    wrong = add_scheme(client, "bad-3", "per_day_partial", per_day_amount="60",
                       cap_share="0.5", reference_scheme=hours.pk, expect=200)
    assert "errorlist" in wrong.content.decode()
    assert not Scheme.objects.filter(code__startswith="bad-").exists()


def test_rule_only_a_per_day_scheme_takes_a_daily_amount(client, officer):
    refused = add_scheme(client, "bad-4", "hours_prorata", rates=[(BEGINNER, 1000)],
                         per_day_amount="60", expect=200)
    assert "按天" in refused.content.decode()


# --- pro-rated by hours ----------------------------------------------------------------------
def test_rule_hours_prorata_pays_the_share_of_hours_completed(client, officer):
    hours = hours_scheme(client)
    made = claim(client, hours, add_training(client, required=64, completed=48))
    assert made.amount == Decimal("750.00")  # 1,000 × 48 / 64
    assert "48" in made.explanation and "64" in made.explanation


def test_rule_hours_prorata_rounds_half_up_to_the_cent(client, officer):
    hours = hours_scheme(client)
    made = claim(client, hours, add_training(client, required=30, completed=20))
    assert made.amount == Decimal("666.67")  # 1,000 × 20 / 30 = 666.666…


def test_rule_hours_completed_beyond_the_course_are_refused(client, officer):
    page = add_training(client, required=30, completed=31, expect=200).content.decode()
    assert "31" in page and "30" in page and "errorlist" in page
    assert not TrainingRecord.objects.exists()


# --- at most N trainings per person per year ---------------------------------------------------
def three_claims(client):
    per_day = per_day_scheme(client, certificate_scheme(client))
    hours = hours_scheme(client)
    add_limit(client, [per_day, hours])
    made = [claim(client, hours, add_training(client, ended=f"2025-0{m}-10")) for m in (3, 5)]
    made.append(claim(client, per_day, add_training(client, ended="2025-07-10", days=5)))
    return per_day, hours, made


def test_rule_a_fourth_training_in_a_year_is_refused_naming_the_three(client, officer):
    _per_day, hours, made = three_claims(client)
    assert [c.amount for c in made] == [Decimal("1000.00"), Decimal("1000.00"),
                                        Decimal("300.00")]
    refused = claim(client, hours, add_training(client, ended="2025-09-10"))
    page = refused.content.decode()
    assert "2025年已享受3次" in page or ("3" in page and "2025" in page)
    for day in ("2025-03-10", "2025-05-10", "2025-07-10"):
        assert day in page
    assert "方案by-hours" in page and "方案per-day" in page
    assert Claim.objects.count() == 3


def test_rule_a_training_of_the_next_year_is_counted_in_that_year(client, officer):
    _per_day, hours, _made = three_claims(client)
    made = claim(client, hours, add_training(client, ended="2026-01-10"))
    assert made.amount == Decimal("1000.00")


def test_rule_another_person_is_not_counted(client, officer):
    _per_day, hours, _made = three_claims(client)
    assert claim(client, hours, add_training(client, person=9)).amount == Decimal("1000.00")


def test_rule_a_rejected_claim_does_not_count(client, officer):
    _per_day, hours, made = three_claims(client)
    other = UserFactory(is_superuser=True)  # a claim entered by hand is decided by another
    client.force_login(other)
    response = client.post(f"/subsidies/claims/{made[0].pk}/reject/",
                           {"reason": "培训记录有误"})
    assert response.status_code == 302
    client.force_login(officer)
    assert claim(client, hours, add_training(client, ended="2025-09-10")).amount == \
        Decimal("1000.00")


def test_rule_generation_skips_a_fourth_training_and_says_why(client, officer):
    per_day = per_day_scheme(client, certificate_scheme(client))
    hours = hours_scheme(client)
    add_limit(client, [per_day, hours])
    for month in (3, 4, 6, 8):
        add_training(client, ended=f"2025-0{month}-10")
    response = client.post(f"/subsidies/{hours.pk}/generate/", follow=True)
    assert response.status_code == 200
    assert Claim.objects.filter(scheme=hours).count() == 3
    assert "每人每年" in response.content.decode() or "上限" in response.content.decode()


def test_rule_the_api_shows_the_new_parameters(client, officer):
    per_day = per_day_scheme(client, certificate_scheme(client))
    data = client.get(f"/api/v1/subsidies/schemes/{per_day.pk}/").json()
    assert (data["rule_kind"], data["per_day_amount"], data["cap_share"],
            data["reference_scheme"]) == ("per_day_partial", 60, 0.5, "with-certificate")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL's own")
@pytest.mark.django_db(transaction=True)
def test_rule_the_limit_holds_under_concurrency(client, officer, seeded):
    """Two officers claim a person's third and fourth training at once, under two schemes
    (two scheme locks): one is refused."""
    per_day = per_day_scheme(client, certificate_scheme(client))
    hours = hours_scheme(client)
    add_limit(client, [per_day, hours])
    claim(client, hours, add_training(client, ended="2025-03-05"))
    claim(client, hours, add_training(client, ended="2025-03-10"))
    trainings = [add_training(client, ended="2025-04-10"),
                 add_training(client, ended="2025-05-10", days=5)]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(scheme, training):
        from django.db import connections
        try:
            barrier.wait()
            services.create_claim(user=officer, scheme=scheme, training=training)
            outcomes.append("ok")
        except Exception as exc:  # the refusal is the outcome under test
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=pair)
               for pair in ((hours, trainings[0]), (per_day, trainings[1]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ValidationError", "ok"]
    assert Claim.objects.filter(payee_id_number=make_id(1)).count() == 3
