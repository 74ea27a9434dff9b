"""The subsidies API: schemes, claims and vouchers scoped like the pages, ID numbers masked
outside the beneficiary's unit, and claim decisions through the same services."""

import datetime as dt
from decimal import Decimal

import pytest

from competitions.models import Award, Competition
from skills_portal.identity import id_number_check_char
from subsidies import services
from subsidies.models import Claim, Scheme, SchemeBudget
from tests.api_helpers import API, client_for, everything, member
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LONGLING = "全国/云南省/保山市/龙陵县"


def make_id(n: int) -> str:
    first17 = f"53052319900101{n:03d}"
    return first17 + id_number_check_char(first17)


@pytest.fixture
def claims():
    longling = unit(LONGLING)
    for n, medal in ((1, "金牌"), (2, "银牌")):
        on = dt.date(2023, 9, 20)
        comp = Competition.objects.create(name=f"世赛{n}", level="世界技能大赛",
                                          organiser_unit=longling, start_date=on, end_date=on)
        Award.objects.create(competition=comp, medal=medal, recipient_name=f"选手{n}",
                             recipient_id_number=make_id(n), org_unit=longling, awarded_on=on)
    services.generate_claims(scheme=Scheme.objects.get(code="longling-competition-medals"))
    return list(Claim.objects.order_by("pk"))


def test_schemes_list_with_rates_and_summary():
    client = client_for(member(unit(LONGLING), role="viewer"))
    rows = {r["code"]: r for r in everything(client, f"{API}subsidies/schemes/")}
    medals = rows["longling-competition-medals"]
    assert len(medals["rates"]) == 15 and medals["team_same_again"] is True
    assert {"competition_level": "世界技能大赛", "medal": "金牌", "honour_title": "",
            "honour_level": "", "certificate_level": "", "amount": 150000.0} in medals["rates"]
    assert rows["nanyang-certified-hire-subsidy"]["cap_per_enterprise"] == 2000000.0
    assert rows["wenzhou-shortage-technician-allowance"]["valid_from"] == "2021-01"


def test_claims_scoped_and_masked(claims):
    own = client_for(member(unit(LONGLING), role="viewer"))
    above = client_for(member(unit("全国/云南省/保山市"), role="reviewer"))
    sibling = client_for(member(unit("全国/云南省/保山市/施甸县"), role="admin"))
    mine = everything(own, f"{API}subsidies/claims/")
    assert {r["payee_id_number"] for r in mine} == {make_id(1), make_id(2)}
    masked = everything(above, f"{API}subsidies/claims/", {"status": "pending"})
    assert masked[0]["payee_id_number"].count("*") == 8
    assert {r["amount"] for r in masked} == {150000.0, 100000.0}
    assert everything(sibling, f"{API}subsidies/claims/") == []
    assert sibling.post(f"{API}subsidies/claims/{claims[0].pk}/approve/").status_code == 404


def test_claim_decisions_over_the_api(claims):
    reviewer = client_for(member(unit("全国/云南省/保山市"), role="reviewer"))
    SchemeBudget.objects.create(scheme=claims[0].scheme, year=dt.date.today().year,
                                amount=Decimal(200000))
    response = reviewer.post(f"{API}subsidies/claims/{claims[0].pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    refused = reviewer.post(f"{API}subsidies/claims/{claims[1].pk}/approve/")
    assert refused.status_code == 400 and "剩余 50,000 元" in str(refused.json())
    assert reviewer.post(f"{API}subsidies/claims/{claims[1].pk}/reject/", {}).status_code == 400
    rejected = reviewer.post(f"{API}subsidies/claims/{claims[1].pk}/reject/",
                             {"reason": "超出年度预算，下年度再报"})
    assert rejected.json()["status"] == "rejected"
    paid = reviewer.post(f"{API}subsidies/claims/{claims[0].pk}/pay/", {"reference": "凭证1"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    viewer = client_for(member(unit(LONGLING), role="viewer"))
    assert viewer.post(f"{API}subsidies/claims/{claims[0].pk}/pay/").status_code in (400, 403)


def test_vouchers_endpoint_is_scoped():
    client = client_for(member(unit("全国/云南省/保山市/施甸县"), role="admin"))
    assert everything(client, f"{API}subsidies/vouchers/") == []


def test_totals_of_a_subtree_for_the_dashboard(claims):
    services.approve_claim(user=UserFactory(is_superuser=True), claim=claims[0])
    viewer = client_for(member(unit("全国/云南省/保山市"), role="viewer"))
    year = dt.date.today().year
    data = viewer.get(f"{API}subsidies/totals/", {"unit": unit("全国/云南省/保山市").pk,
                                                  "year": year}).json()
    assert data["approved_amount"] == 150000.0 and data["paid_amount"] == 0.0
    medals = data["schemes"][0]
    assert medals["code"] == "longling-competition-medals"
    assert medals["pending_count"] == 1 and medals["pending_amount"] == 100000.0
    assert data["vouchers_by_status"]["issued"] == 0
    sibling = client_for(member(unit("全国/云南省/保山市/施甸县"), role="viewer"))
    assert sibling.get(f"{API}subsidies/totals/",
                       {"unit": unit(LONGLING).pk}).status_code == 404
    assert viewer.get(f"{API}subsidies/totals/", {"unit": "x"}).status_code == 400
