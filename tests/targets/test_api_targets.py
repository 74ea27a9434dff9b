"""The spine over the API (org units, departments, indicators, plans, targets with coverage),
token auth, the OpenAPI schema and the self-hosted docs."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from org.models import Department
from targets.models import Target
from tests.api_helpers import (
    API,
    annex_target,
    client_for,
    everything,
    member,
    results,
    wenzhou_department,
)
from tests.factories import OrgUnitFactory, PlanFactory, TargetFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- org units ---------------------------------------------------------------------------
def test_org_units_subtree_and_context(lucheng, longwan, wenzhou):
    clerk = client_for(member(lucheng))
    units = everything(clerk, API + "org-units/")
    names = {u["name"] for u in units}
    assert {"鹿城区", "温州市", "浙江省", "全国"} <= names  # own unit and the units above
    assert "龙湾区" not in names and "龙陵县" not in names
    row = next(u for u in units if u["name"] == "鹿城区")
    assert row["code"] == lucheng.code and row["parent"] == wenzhou.pk
    assert row["level"] == 3 and row["level_label"] == "县级"
    city_admin = client_for(member(wenzhou, role="admin"))
    subtree = everything(city_admin, API + "org-units/", {"subtree_of": wenzhou.pk})
    assert {u["id"] for u in subtree} == set(wenzhou.subtree().values_list("pk", flat=True))
    assert len(subtree) >= 15
    children = everything(city_admin, API + "org-units/", {"parent": wenzhou.pk})
    assert {u["parent"] for u in children} == {wenzhou.pk} and len(children) == len(subtree) - 1
    # A unit outside the caller's view is refused as a filter value and hidden as a row.
    assert clerk.get(API + "org-units/", {"subtree_of": longwan.pk}).status_code == 400
    assert clerk.get(f"{API}org-units/{longwan.pk}/").status_code == 404


def test_org_unit_list_query_count_is_bounded(django_assert_max_num_queries):
    admin = client_for(UserFactory(is_superuser=True))
    with django_assert_max_num_queries(5):
        few = results(admin.get(API + "org-units/", {"page_size": 5}))
    province = OrgUnitFactory(name="查询测试省")
    for i in range(40):
        OrgUnitFactory.child_of(province, name=f"查询测试市{i}")
    with django_assert_max_num_queries(5):
        many = results(admin.get(API + "org-units/", {"page_size": 1000}))
    assert len(many) > len(few) + 40


# --- departments and indicators ---------------------------------------------------------
def test_departments_scoped_by_sector(wenzhou, lucheng):
    emergency = wenzhou_department("市应急管理局")
    partner = client_for(member(wenzhou, department=emergency))
    rows = everything(partner, API + "departments/")
    assert emergency.pk in {r["id"] for r in rows}
    # Below the city: the same sector only (the city's own departments are context).
    same = Department.objects.create(org_unit=lucheng, name="区应急管理局", sector="emergency")
    other = Department.objects.create(org_unit=lucheng, name="区教育局", sector="education")
    below = {r["id"] for r in everything(partner, API + "departments/",
                                         {"subtree_of": lucheng.pk})}
    assert same.pk in below and other.pk not in below
    city = client_for(member(wenzhou))
    all_city = everything(city, API + "departments/", {"org_unit": wenzhou.pk})
    assert len(all_city) == Department.objects.filter(org_unit=wenzhou).count() >= 13
    only = everything(city, API + "departments/", {"sector": "emergency",
                                                   "org_unit": wenzhou.pk})
    assert [r["name"] for r in only] == ["市应急管理局"]
    assert only[0]["sector_label"] == "应急管理"


def test_indicators_for_members_only(wenzhou):
    rows = everything(client_for(member(wenzhou)), API + "indicators/", {"source": "ratio"})
    assert rows and {r["source"] for r in rows} == {"ratio"}
    assert all(r["numerator"] and r["denominator"] for r in rows)
    assert results(client_for(UserFactory()).get(API + "indicators/")) == []


# --- plans and targets ------------------------------------------------------------------
def test_plans_carry_their_tasks(wenzhou, django_assert_max_num_queries):
    client = client_for(member(wenzhou))
    with django_assert_max_num_queries(9):
        plans = everything(client, API + "plans/")
    wenzhou_plan = next(p for p in plans if p["code"] == "wenzhou-2021")
    assert wenzhou_plan["doc_number"] == "温人社发〔2021〕32号"
    assert wenzhou_plan["period_start"] == "2021-01" and wenzhou_plan["period_end"] == "2021-12"
    assert wenzhou_plan["tasks"] and wenzhou_plan["tasks"][0]["number"] == "二.1"
    assert any(t["lead_departments"] for t in wenzhou_plan["tasks"])
    longling = next(p for p in plans if p["code"].startswith("longling"))
    assert longling["parent"]  # implements the city's plan


def test_targets_with_decomposition_coverage(wenzhou, lucheng):
    admin = client_for(member(wenzhou, role="admin"))
    rows = everything(admin, API + "targets/", {"plan": "wenzhou-2021",
                                                "unit_only": wenzhou.pk,
                                                "indicator": "training_person_times"})
    parent = next(r for r in rows if r["code"] == "training-2021")
    assert parent["value"] == 120000 and parent["window_label"] == "2021年"
    region = next(c for c in parent["coverage"] if c["axis"] == "region")
    assert region["children"] == 14 and region["hidden"] == 0
    assert region["children_sum"] == 120000 and region["coverage_pct"] == 100
    assert region["status"] == "balanced" and region["status_label"] == "分解完整"
    quota = next(r for r in everything(admin, API + "targets/", {
        "plan": "wenzhou-2021", "unit_only": wenzhou.pk, "q": "new-skilled-2021"})
        if r["code"] == "new-skilled-2021")
    department = next(c for c in quota["coverage"] if c["axis"] == "department")
    assert department["children"] == 13 and department["coverage_pct"] == 100
    # A county sees the city's target as context but only its own part of the decomposition.
    clerk = client_for(member(lucheng))
    seen = clerk.get(f"{API}targets/{parent['id']}/").json()
    region = next(c for c in seen["coverage"] if c["axis"] == "region")
    assert region["status"] == "restricted" and region["hidden"] == 13
    assert region["coverage_pct"] is None and region["difference"] is None
    share = annex_target("龙湾区")
    assert clerk.get(f"{API}targets/{share.pk}/").status_code == 404
    # The API's common filter names.
    below = everything(admin, API + "targets/", {"plan": "wenzhou-2021",
                                                 "subtree_of": lucheng.pk})
    assert below and {r["org_unit"]["id"] for r in below} == {lucheng.pk}
    emergency = wenzhou_department("市应急管理局")
    quotas = everything(admin, API + "targets/", {"department": emergency.pk})
    assert quotas and {r["department"]["id"] for r in quotas} == {emergency.pk}
    own = everything(admin, API + "targets/", {"org_unit": wenzhou.pk, "plan": "wenzhou-2021"})
    assert own and {r["org_unit"]["id"] for r in own} == {wenzhou.pk}


def test_target_list_query_count_is_bounded(django_assert_max_num_queries):
    admin = client_for(UserFactory(is_superuser=True))
    with django_assert_max_num_queries(6):
        few = results(admin.get(API + "targets/", {"page_size": 3}))
    plan = PlanFactory()
    parent = TargetFactory(plan=plan, value=100)
    for i in range(30):
        unit = OrgUnitFactory.child_of(plan.issuer_unit, name=f"覆盖测试市{i}")
        TargetFactory(plan=plan, org_unit=unit, indicator=parent.indicator, parent=parent,
                      axis="region", value=3)
    with django_assert_max_num_queries(6):
        many = results(admin.get(API + "targets/", {"page_size": 1000}))
    assert len(many) > len(few) + 30
    mine = next(r for r in many if r["id"] == parent.pk)
    assert mine["coverage"][0]["children_sum"] == 90
    assert mine["coverage"][0]["status"] == "under"
    assert Target.objects.count() == len(many)


# --- token auth --------------------------------------------------------------------------
def test_token_from_the_command_authenticates_scripts(lucheng, longwan):
    user = member(lucheng, username="lucheng_script")
    out = StringIO()
    call_command("api_token", "lucheng_script", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    assert Token.objects.get(user=user).key == key
    again = StringIO()
    call_command("api_token", "lucheng_script", stdout=again, stderr=StringIO())
    assert again.getvalue().strip() == key  # the same token until rotated
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    names = {u["name"] for u in everything(script, API + "org-units/")}
    assert "鹿城区" in names and "龙湾区" not in names
    # Token-authenticated writes need no CSRF token and keep the scope.
    refused = script.post(API + "data-values/", {
        "indicator": "digital_talent", "org_unit": longwan.pk, "period": "2021-06",
        "value": 1}, format="json")
    assert refused.status_code == 400 and "org_unit" in refused.json()
    ok = script.post(API + "data-values/", {
        "indicator": "digital_talent", "org_unit": lucheng.pk, "period": "2021-06",
        "value": 1}, format="json")
    assert ok.status_code == 201, ok.content
    rotated = StringIO()
    call_command("api_token", "lucheng_script", "--rotate", stdout=rotated, stderr=StringIO())
    assert rotated.getvalue().strip() != key
    assert script.get(API + "org-units/").status_code == 401  # the old key
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    refused = bad.get(API + "org-units/")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Token"
    with pytest.raises(CommandError):
        call_command("api_token", "nobody-here", stdout=StringIO(), stderr=StringIO())


def test_signed_in_user_gets_and_rotates_own_token(lucheng):
    user = member(lucheng)
    client = client_for(user)
    first = client.get(API + "token/")
    assert first.status_code == 201 and first.json()["username"] == user.username
    assert client.get(API + "token/").json()["token"] == first.json()["token"]
    rotated = client.post(API + "token/")
    assert rotated.status_code == 201 and rotated.json()["token"] != first.json()["token"]
    assert Token.objects.get(user=user).key == rotated.json()["token"]
    assert APIClient().get(API + "token/").status_code == 401


# --- schema and docs ---------------------------------------------------------------------
def test_schema_generates_without_warnings():
    out = StringIO()
    # --fail-on-warn turns every warning (and error) of the generator into a CommandError.
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 stdout=out, stderr=StringIO())
    import json

    schema = json.loads(out.getvalue())
    paths = schema["paths"]
    for path in ("/api/v1/progress/", "/api/v1/org-units/", "/api/v1/targets/",
                 "/api/v1/data-values/", "/api/v1/training-figures/",
                 "/api/v1/certificate-figures/", "/api/v1/competitions/", "/api/v1/awards/",
                 "/api/v1/rollup-runs/", "/api/v1/plans/", "/api/v1/token/"):
        assert path in paths, path
    names = {p["name"] for p in paths["/api/v1/progress/"]["get"]["parameters"]}
    assert {"plan", "indicator", "org_unit", "subtree_of", "department", "period",
            "period_after", "period_before", "status", "page", "ordering"} <= names
    schemes = schema["components"]["securitySchemes"]
    assert {"cookieAuth", "tokenAuth"} <= set(schemes)


@pytest.mark.parametrize("path", ["docs/", "redoc/"])
def test_docs_load_nothing_from_outside(path, wenzhou):
    response = client_for(member(wenzhou)).get(API + path)
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""url\(\s*["']?([^"')]+)""", html)
    assert urls, html
    for url in urls:
        assert url.startswith("/static/"), url
    assert "//" not in re.sub(r"/api/v1/[^\"']*|/static/[^\"']*", "", " ".join(urls))
    # A CDN's host name, not the letters "cdn" anywhere: the page's random CSRF token
    # sometimes holds them.
    assert not re.search(r"googleapis|jsdelivr|unpkg|\bcdn[\w-]*\.[a-z]", html, re.I)
    if path == "docs/":
        assert '"validatorUrl": null' in html or "validatorUrl" in html
