"""Issue #18: subsidy schemes with their rates, budgets and priority occupations are written
through the API with the admin's rules — scoped, all or nothing, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from competitions.models import Award, Competition
from skills_portal.identity import id_number_check_char
from subsidies import services
from subsidies.models import Scheme, SchemeRate
from tests.api_helpers import API, client_for, member
from tests.conftest import unit

pytestmark = pytest.mark.django_db

URL = API + "subsidies/schemes/"


def body(**changes):
    data = {"code": "wenzhou-api-honour", "name": "温州市接口荣誉奖励", "plan": "wenzhou-2021",
            "rule_kind": "honour", "org_unit": unit("全国/浙江省/温州市").pk,
            "valid_from": "2026-01", "valid_to": "2026-12",
            "rates": [{"honour_title": "技术能手", "honour_level": "市级", "amount": 5000},
                      {"honour_title": "首席技师", "honour_level": "市级", "amount": 8000.5}],
            "budgets": [{"year": 2026, "amount": 200000}]}
    data.update(changes)
    return data


@pytest.fixture
def city_admin():
    return member(unit("全国/浙江省/温州市"), role="admin")


def test_a_scheme_is_created_with_its_rates_and_budget_and_audited(city_admin):
    api = client_for(city_admin)
    response = api.post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["valid_from"] == "2026-01" and answer["plan"] == "wenzhou-2021"
    assert sorted(r["amount"] for r in answer["rates"]) == [5000, 8000.5]
    assert answer["budgets"] == [{"year": 2026, "amount": 200000}]
    scheme = Scheme.objects.get(code="wenzhou-api-honour")
    assert scheme.rates.get(honour_title="首席技师").amount == Decimal("8000.50")
    assert AuditEntry.objects.filter(object_id=str(scheme.pk), actor=city_admin).exists()
    assert AuditEntry.objects.filter(model_label="subsidies.schemerate",
                                     actor=city_admin).count() == 2


def test_rates_sent_replace_the_list_and_rates_left_out_stay(city_admin):
    api = client_for(city_admin)
    pk = api.post(URL, body(), format="json").json()["id"]
    response = api.patch(f"{URL}{pk}/", {"note": "只改备注"}, format="json")
    assert response.status_code == 200 and len(response.json()["rates"]) == 2
    response = api.patch(f"{URL}{pk}/", {"rates": [
        {"honour_title": "技能大师", "honour_level": "市级", "amount": 20000}]}, format="json")
    assert response.status_code == 200, response.content
    assert list(SchemeRate.objects.filter(scheme_id=pk).values_list("honour_title", flat=True)) \
        == ["技能大师"]


def test_a_rate_the_rule_does_not_key_is_refused_whole_and_names_the_item(city_admin):
    api = client_for(city_admin)
    pk = api.post(URL, body(), format="json").json()["id"]
    bad = [{"honour_title": "技能大师", "honour_level": "市级", "amount": 1},
           {"certificate_level": "三级/高级工", "amount": 3000}]
    response = api.patch(f"{URL}{pk}/", {"name": "改了名", "rates": bad}, format="json")
    assert response.status_code == 400
    assert "第2项" in str(response.json()["rates"])
    scheme = Scheme.objects.get(pk=pk)
    assert scheme.name == "温州市接口荣誉奖励"  # nothing half-saved
    assert scheme.rates.count() == 2


def test_a_second_budget_for_one_year_is_refused(city_admin):
    response = client_for(city_admin).post(URL, body(budgets=[
        {"year": 2026, "amount": 1}, {"year": 2026, "amount": 2}]), format="json")
    assert response.status_code == 400
    assert not Scheme.objects.filter(code="wenzhou-api-honour").exists()


def test_a_scheme_outside_the_callers_subtree_is_refused(city_admin):
    api = client_for(city_admin)
    response = api.post(URL, body(plan="longling-2022",
                                  org_unit=unit("全国/云南省/保山市/龙陵县").pk), format="json")
    assert response.status_code == 403
    assert not Scheme.objects.filter(code="wenzhou-api-honour").exists()
    longling = Scheme.objects.get(code="longling-competition-medals")
    assert api.patch(f"{URL}{longling.pk}/", {"note": "x"},
                     format="json").status_code in (403, 404)
    assert api.delete(f"{URL}{longling.pk}/").status_code in (403, 404)


def test_a_clerk_cannot_write_schemes():
    clerk = member(unit("全国/浙江省/温州市/鹿城区"), role="data_entry")
    assert client_for(clerk).post(URL, body(org_unit=unit("全国/浙江省/温州市/鹿城区").pk),
                                  format="json").status_code == 403


def test_a_scheme_with_claims_is_not_deleted_and_says_to_make_it_inactive():
    longling = unit("全国/云南省/保山市/龙陵县")
    on = dt.date(2023, 9, 20)
    competition = Competition.objects.create(name="世赛接口", level="世界技能大赛",
                                             organiser_unit=longling, start_date=on, end_date=on)
    first17 = "53052319900101001"
    Award.objects.create(competition=competition, medal="金牌", recipient_name="选手",
                         recipient_id_number=first17 + id_number_check_char(first17),
                         org_unit=longling, awarded_on=on)
    scheme = Scheme.objects.get(code="longling-competition-medals")
    services.generate_claims(scheme=scheme)
    assert scheme.claims.exists()
    api = client_for(member(longling, role="admin"))
    response = api.delete(f"{URL}{scheme.pk}/")
    assert response.status_code == 400 and "停用" in str(response.json())
    assert api.patch(f"{URL}{scheme.pk}/", {"is_active": False},
                     format="json").status_code == 200
