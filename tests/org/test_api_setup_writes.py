"""Issue #18, done when: POST /api/v1/targets/, /plans/, /indicators/, /org-units/ and
/memberships/ exist, refuse out-of-scope writes with 403/404 and invalid ones with the admin's
messages; every write is audited."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from org.models import Department, Membership, OrgUnit
from targets.models import Indicator, Plan
from tests.api_helpers import API, client_for, member
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_admin():
    return member(unit("全国/浙江省/温州市"), role="admin")


@pytest.fixture
def province_admin():
    return member(unit("全国/浙江省"), role="admin")


def test_an_administrator_creates_changes_and_deletes_an_org_unit_in_scope(city_admin):
    api = client_for(city_admin)
    city = unit("全国/浙江省/温州市")
    response = api.post(API + "org-units/", {"name": "温州测试新区", "level": 3, "kind": "区",
                                             "parent": city.pk}, format="json")
    assert response.status_code == 201, response.content
    created = OrgUnit.objects.get(name="温州测试新区")
    assert response.json()["id"] == created.pk
    assert AuditEntry.objects.filter(object_id=str(created.pk), actor=city_admin).exists()
    response = api.patch(f"{API}org-units/{created.pk}/", {"short_name": "测试新区"}, format="json")
    assert response.status_code == 200 and response.json()["short_name"] == "测试新区"
    assert api.delete(f"{API}org-units/{created.pk}/").status_code == 204
    assert not OrgUnit.objects.filter(pk=created.pk).exists()


def test_an_org_unit_outside_the_subtree_is_refused(city_admin):
    api = client_for(city_admin)
    response = api.post(API + "org-units/", {"name": "越权新区", "level": 3, "kind": "区",
                                             "parent": unit("全国/云南省/保山市").pk}, format="json")
    assert response.status_code == 403
    assert not OrgUnit.objects.filter(name="越权新区").exists()
    longling = unit("全国/云南省/保山市/龙陵县")
    assert api.patch(f"{API}org-units/{longling.pk}/", {"short_name": "x"},
                     format="json").status_code in (403, 404)


def test_a_unit_with_records_cannot_be_deleted_and_says_why(city_admin):
    api = client_for(city_admin)
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    response = api.delete(f"{API}org-units/{lucheng.pk}/")
    assert response.status_code == 400
    assert "不能删除" in str(response.json())


def test_departments_and_memberships_are_written_in_scope(city_admin):
    api = client_for(city_admin)
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    response = api.post(API + "departments/", {"name": "鹿城区测试局", "org_unit": lucheng.pk,
                                               "sector": Department.objects.first().sector},
                        format="json")
    assert response.status_code == 201, response.content
    clerk = UserFactory(username="lucheng_api_new")
    response = api.post(API + "memberships/", {"user": clerk.username, "org_unit": lucheng.pk,
                                               "role": "data_entry"}, format="json")
    assert response.status_code == 201, response.content
    assert Membership.objects.filter(user=clerk, org_unit=lucheng).exists()
    response = api.post(API + "memberships/", {"user": clerk.username,
                                               "org_unit": unit("全国/云南省").pk,
                                               "role": "admin"}, format="json")
    assert response.status_code == 403  # no one grants a role outside their own subtree
    assert Membership.objects.filter(user=clerk).count() == 1


def test_a_plan_is_created_under_its_parent_with_the_admins_messages(city_admin):
    api = client_for(city_admin)
    city = unit("全国/浙江省/温州市")
    body = {"code": "wenzhou-api-2026", "title": "温州市测试方案", "short_name": "温州测试",
            "issuer": "温州市人力社保局", "issuer_unit": city.pk, "period_start": "2026-01",
            "period_end": "2026-12", "parent": "wenzhou-2021"}
    response = api.post(API + "plans/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["period_start"] == "2026-01"
    assert Plan.objects.get(code="wenzhou-api-2026").parent.code == "wenzhou-2021"
    bad = dict(body, code="wenzhou-api-bad", period_start="2026-12", period_end="2026-01")
    response = api.post(API + "plans/", bad, format="json")
    assert response.status_code == 400
    assert not Plan.objects.filter(code="wenzhou-api-bad").exists()
    outside = dict(body, code="wenzhou-api-out", issuer_unit=unit("全国/云南省").pk)
    assert api.post(API + "plans/", outside, format="json").status_code == 403


def test_indicators_are_created_by_curators_only(province_admin, city_admin):
    body = {"code": "api_new_indicator", "name": "接口新增指标人次", "unit": "人次",
            "kind": "flow", "source": "manual", "synonyms": ["接口新增"]}
    assert client_for(city_admin).post(API + "indicators/", body,
                                       format="json").status_code == 403
    response = client_for(province_admin).post(API + "indicators/", body, format="json")
    assert response.status_code == 201, response.content
    assert Indicator.objects.get(code="api_new_indicator").synonyms == ["接口新增"]
    ratio = dict(body, code="api_bad_ratio", name="接口坏比率", kind="ratio", source="ratio",
                 unit="人次", numerator="training_person_times", denominator="training_person_times")
    response = client_for(province_admin).post(API + "indicators/", ratio, format="json")
    assert response.status_code == 400
    assert "denominator" in response.json() or "unit" in response.json()


def test_the_schema_documents_the_writes_with_their_error_answers():
    response = client_for(UserFactory(is_superuser=True)).get(API + "schema/?format=json")
    paths = response.json()["paths"]
    for path in ("/api/v1/plans/", "/api/v1/indicators/", "/api/v1/org-units/",
                 "/api/v1/memberships/", "/api/v1/targets/"):
        post = paths[path]["post"]
        assert {"201", "400", "401", "403"} <= set(post["responses"]), path


def test_if_match_refuses_a_stale_change_with_412_and_the_fresh_etag_passes(province_admin):
    """Two officials edit one target: the second, holding the old ETag, is refused."""
    first, second = client_for(province_admin), client_for(province_admin)
    plan = Plan.objects.get(code="wenzhou-2021")
    url = f"{API}plans/{plan.pk}/"
    read = first.get(url)
    assert read.status_code == 200 and read["ETag"]
    old_tag = read["ETag"]
    changed = first.patch(url, {"summary": "第一位修改"}, format="json", HTTP_IF_MATCH=old_tag)
    assert changed.status_code == 200 and changed["ETag"] != old_tag
    stale = second.patch(url, {"summary": "第二位修改"}, format="json", HTTP_IF_MATCH=old_tag)
    assert stale.status_code == 412 and "ETag" in stale.json()["detail"]
    assert Plan.objects.get(pk=plan.pk).summary == "第一位修改"
    fresh = second.patch(url, {"summary": "第二位修改"}, format="json",
                         HTTP_IF_MATCH=second.get(url)["ETag"])
    assert fresh.status_code == 200
    assert second.delete(url, HTTP_IF_MATCH=old_tag).status_code == 412


def test_fuzz_found_nullable_fields_are_marked_nullable_in_the_schema():
    """Cases schemathesis found (scripts/fuzz-api): a target without a task answered null
    where the schema promised a string; and the like for the fields below."""
    schema = client_for(UserFactory(is_superuser=True)).get(API + "schema/?format=json").json()
    components = schema["components"]["schemas"]
    for component, field in (("Target", "task"), ("Indicator", "denominator"),
                             ("MonthlyReport", "approved_by"), ("Event", "actor"),
                             ("TrainingFigure", "entered_by"), ("AuditEntry", "period")):
        assert components[component]["properties"][field].get("nullable"), (component, field)
    completeness = schema["paths"]["/api/v1/reporting-completeness/"]["get"]["responses"]["200"]
    assert "Completeness" in str(completeness)


def test_a_plans_tasks_are_written_by_whoever_may_change_the_plan(city_admin):
    api = client_for(city_admin)
    plan = Plan.objects.get(code="wenzhou-2021")
    department = Department.objects.filter(org_unit=unit("全国/浙江省/温州市")).first()
    body = {"plan": plan.code, "number": "接口1", "position": 99, "title": "接口新增任务",
            "lead_departments": [department.pk]}
    response = api.post(API + "plan-tasks/", body, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["plan"] == "wenzhou-2021"
    assert [d["id"] for d in answer["lead_departments"]] == [department.pk]
    assert AuditEntry.objects.filter(model_label="targets.plantask",
                                     object_id=str(answer["id"])).exists()
    listed = api.get(API + "plan-tasks/", {"plan": "wenzhou-2021", "department": department.pk})
    assert answer["id"] in [t["id"] for t in listed.json()["results"]]
    again = api.post(API + "plan-tasks/", body, format="json")
    assert again.status_code == 400  # one number per plan, the model's message
    response = api.patch(f"{API}plan-tasks/{answer['id']}/", {"title": "改名任务"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "改名任务"
    assert api.delete(f"{API}plan-tasks/{answer['id']}/").status_code == 204
    outside = dict(body, plan="longling-2022", number="接口2")
    assert api.post(API + "plan-tasks/", outside, format="json").status_code == 403


def test_the_main_writes_carry_an_example_body_in_the_schema():
    paths = client_for(UserFactory(is_superuser=True)).get(
        API + "schema/?format=json").json()["paths"]
    for path in ("/api/v1/plans/", "/api/v1/targets/", "/api/v1/plan-tasks/",
                 "/api/v1/quota-tables/", "/api/v1/training-figures/",
                 "/api/v1/subsidies/schemes/"):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]
        assert body.get("examples"), path
