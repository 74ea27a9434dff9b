"""The dashboard endpoint (/api/v1/dashboard/): defaults, drill-down, numbers equal to the
snapshots, scoping, bad input, a bounded number of queries and the cache."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dashboard.selectors import dashboard_request_key, forget_cached_answers
from demo.figures import generate_demo_figures
from org.models import Membership, OrgUnit
from progress.models import ProgressSnapshot
from progress.rollup import rollup_month
from targets.models import Target
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/"
MONTHS = (dt.date(2021, 8, 1), dt.date(2021, 9, 1), dt.date(2024, 9, 1), dt.date(2025, 9, 1))


@pytest.fixture(scope="module", autouse=True)
def demo_snapshots(django_db_setup, django_db_blocker):
    """Demo figures and a few rolled-up months, once for the module (rolled back after)."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate_demo_figures()
        for month in MONTHS:
            rollup_month(month, trigger="test")
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    forget_cached_answers()


def unit(name):
    return OrgUnit.objects.get(name=name)


def member(unit_name, role="viewer", department=None):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=unit(unit_name), role=role,
                              department=department)
    return user


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def snapshot_of(target_id, month):
    return ProgressSnapshot.objects.get(target_id=target_id, period=month)


def same(value, decimal):
    return (value is None and decimal is None) or Decimal(str(value)) == decimal


def assert_row_matches(row, month):
    s = snapshot_of(row["target_id"], month)
    assert same(row["actual"], s.actual)
    assert same(row["target"], s.target_value)
    assert same(row["completion_rate"], s.completion_rate)
    assert same(row["time_progress"], s.time_progress)
    assert same(row["gap_to_time"], s.gap_to_time)
    assert row["status"] == s.status
    assert row["rank"] == s.rank and row["rank_of"] == s.rank_of


def test_a_provincial_user_opens_on_their_province_current_plan_and_latest_month():
    response = client_for(member("贵州省")).get(URL)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["unit"]["name"] == "贵州省"
    assert data["plan"]["code"] == "guizhou-skills"
    assert data["month"] == "2025-09"
    assert data["months"][:2] == ["2025-09", "2024-09"]
    assert [b["name"] for b in data["breadcrumbs"]] == ["全国", "贵州省"]
    in_force = Target.objects.filter(
        plan__code="guizhou-skills", org_unit__name="贵州省", department__isnull=True,
        period_start__lte=MONTHS[-1], period_end__gte=MONTHS[-1])
    assert {r["target_id"] for r in data["headline"]} == set(in_force.values_list("pk", flat=True))
    for row in data["headline"]:
        assert_row_matches(row, MONTHS[-1])
        assert row["status_label"] and row["status_icon"]  # status is never colour alone
    # The nine prefecture cities, each with its 骨干教师培训示范班 target, ranked.
    (series,) = data["series"]
    assert len(series["rows"]) == 9 == len(data["children"])
    rates = [r["completion_rate"] for r in series["rows"]]
    assert rates == sorted(rates, reverse=True)
    for row in series["rows"]:
        assert_row_matches(row, MONTHS[-1])
    # This year against last year: September of both years is rolled up.
    trend = next(t for t in data["trend"] if t["indicator"]["code"] == "training_person_times")
    row = next(r for r in data["headline"] if r["indicator"]["code"] == "training_person_times")
    assert trend["this_rate"][8] == row["completion_rate"]
    last = ProgressSnapshot.objects.get(period=MONTHS[2], target__plan__code="guizhou-skills",
                                        target__org_unit__name="贵州省",
                                        target__indicator__code="training_person_times")
    assert same(trend["last_rate"][8], last.completion_rate)
    assert trend["this_rate"][0] is None  # January was not rolled up


def test_drill_down_from_province_to_city_to_county():
    client = client_for(member("浙江省"))
    province = client.get(URL, {"month": "2021-09"}).json()
    assert province["unit"]["name"] == "浙江省" and province["plan"]["code"] == "wenzhou-2021"
    assert province["headline"] == []  # the province holds no target of a city's plan
    assert [c["name"] for c in province["children"]] == ["温州市"]
    wenzhou = unit("温州市")
    city = client.get(URL, {"plan": "wenzhou-2021", "unit": wenzhou.pk,
                            "month": "2021-09"}).json()
    assert [b["name"] for b in city["breadcrumbs"]] == ["全国", "浙江省", "温州市"]
    assert len(city["headline"]) == Target.objects.filter(
        plan__code="wenzhou-2021", org_unit=wenzhou, department__isnull=True).count()
    # Annex 1: 14 regions on three indicators; annex 2: 13 departments.
    assert sorted(len(s["rows"]) for s in city["series"]) == [14, 14, 14]
    assert len(city["departments"]) == 13
    assert {r["department"]["name"] for r in city["departments"]} >= {"市应急管理局", "市教育局"}
    for s in city["series"]:
        assert {r["time_progress"] for r in s["rows"]} == {s["time_progress"]} == {0.75}
        for row in s["rows"]:
            assert_row_matches(row, MONTHS[1])
    assert city["laggards"], "the demo data has units behind"
    assert all(r["status"] in ("behind", "seriously_behind") for r in city["laggards"])
    lags = [r["completion_rate"] - r["time_progress"] for r in city["laggards"]]
    assert lags == sorted(lags)
    lucheng = next(c for c in city["children"] if c["name"] == "鹿城区")
    county = client.get(URL, {"plan": "wenzhou-2021", "unit": lucheng["id"],
                              "month": "2021-09"}).json()
    assert county["unit"]["name"] == "鹿城区" and county["series"] == []
    assert [b["name"] for b in county["breadcrumbs"]][-2:] == ["温州市", "鹿城区"]
    county_rows = {r["target_id"]: r for r in county["headline"]}
    city_rows = {r["target_id"]: r for s in city["series"] for r in s["rows"]
                 if r["unit"]["name"] == "鹿城区"}
    assert county_rows.keys() == city_rows.keys() and len(county_rows) == 3
    for pk, row in county_rows.items():
        assert row["actual"] == city_rows[pk]["actual"]


def test_a_county_sees_its_city_without_its_siblings():
    clerk = member("鹿城区", role="data_entry")
    client = client_for(clerk)
    assert client.get(URL).json()["unit"]["name"] == "鹿城区"
    city = client.get(URL, {"unit": unit("温州市").pk, "month": "2021-09"}).json()
    names = {r["unit"]["name"] for s in city["series"] for r in s["rows"]}
    assert names == {"鹿城区"}
    assert {c["name"] for c in city["children"]} == {"鹿城区"}
    refused = client.get(URL, {"unit": unit("龙湾区").pk})
    assert refused.status_code == 404
    assert "权限" in refused.json()["detail"]


def test_a_user_without_a_unit_and_anonymous_requests_are_refused():
    assert APIClient().get(URL).status_code == 401
    response = client_for(UserFactory()).get(URL)
    assert response.status_code == 403
    assert "管理员" in response.json()["detail"]


@pytest.mark.parametrize("params, field", [
    ({"month": "2021-13"}, "month"), ({"unit": "abc"}, "unit"), ({"plan": "no such!"}, "plan"),
])
def test_bad_input_is_a_400_naming_the_field(params, field):
    response = client_for(member("浙江省")).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_plan_is_a_404_in_chinese():
    response = client_for(member("浙江省")).get(URL, {"plan": "no-such-plan"})
    assert response.status_code == 404
    assert "no-such-plan" in response.json()["detail"] and "规划方案" in response.json()["detail"]


def test_token_auth_for_scripts():
    user = member("贵州省")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(URL).json()["unit"]["name"] == "贵州省"
    assert client.get(URL + "ping/").json() == {"ok": True, "user": user.username}


def count_queries(client, params):
    cache.clear()
    forget_cached_answers()
    user = client.handler._force_user
    client.force_authenticate(type(user).objects.get(pk=user.pk))  # no cached scope
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_bounded_whatever_the_number_of_units():
    """A city with 14 regions, 13 departments and 8 targets costs what a county with 3 does."""
    client = client_for(member("浙江省"))
    plan = {"plan": "wenzhou-2021", "month": "2021-09"}
    city = count_queries(client, {"unit": unit("温州市").pk, **plan})
    county = count_queries(client, {"unit": unit("鹿城区").pk, **plan})
    # A unit with no series below asks once more, for its own units below (units_own); one
    # query lists the org-unit groups with members here (the group filter, #22).
    assert city <= 10 and county <= city + 1
    # Defaults (own unit, the plan that governs it, the month being reported) cost at most
    # two more queries: the unit's plans, and how many targets each plan has judged.
    assert count_queries(client, {}) <= city + 2
    # Superusers skip the scope subqueries, not the queries (choosing the plan costs one).
    admin = client_for(UserFactory(is_superuser=True))
    assert count_queries(admin, {"unit": unit("温州市").pk, "month": "2021-09"}) <= 12


def test_a_cached_answer_costs_two_queries_and_a_new_roll_up_refreshes_it():
    client = client_for(member("浙江省"))
    params = {"unit": unit("温州市").pk, "month": "2021-09"}
    first = client.get(URL, params).json()
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(URL, params).json()
    assert again == first
    assert len(ctx.captured_queries) == 1  # the user's scope and the latest roll-up
    forget_cached_answers()  # another process: from the shared cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).json() == first
    assert len(ctx.captured_queries) == 1
    target = Target.objects.get(plan__code="wenzhou-2021", org_unit__name="温州市",
                                code="training-2021")
    target.value = target.value * 2
    target.save(update_fields=["value"])
    rollup_month(MONTHS[1], trigger="test")
    fresh = client.get(URL, params).json()
    old = next(r for r in first["headline"] if r["target_code"] == "training-2021")
    new = next(r for r in fresh["headline"] if r["target_code"] == "training-2021")
    assert new["target"] == old["target"] * 2
    assert new["completion_rate"] == pytest.approx(old["completion_rate"] / 2, abs=1e-4)


def test_at_month_end_a_new_roll_up_is_shown_after_the_grace_with_one_builder(settings):
    """#25: under a stream of roll-ups, an answer built less than DASHBOARD_STALE_SECONDS ago
    is served (it says when its figures were rolled up) instead of rebuilding per roll-up;
    past the grace the next request builds the new one, and while one request builds it the
    others get the last answer."""
    import time as clock_time

    from django.core.cache import cache as shared

    settings.DASHBOARD_STALE_SECONDS = 60
    user = member("浙江省")
    client = client_for(user)
    params = {"unit": unit("温州市").pk, "month": "2021-09"}
    first = client.get(URL, params).json()
    target = Target.objects.get(plan__code="wenzhou-2021", org_unit__name="温州市",
                                code="training-2021")
    target.value = target.value * 2
    target.save(update_fields=["value"])
    rollup_month(MONTHS[1], trigger="test")
    forget_cached_answers()
    assert client.get(URL, params).json() == first  # within the grace: the last answer
    # Past the grace, while another request holds the building lock: still the last answer.
    settings.DASHBOARD_STALE_SECONDS = 1
    clock_time.sleep(1.1)
    request_key, _stamp = dashboard_request_key(user, plan_code=None, unit_id=params["unit"],
                                                month=MONTHS[1], basis="plan")
    assert shared.add("dashboard:building:" + request_key, 1, 30)
    assert client.get(URL, params).json() == first
    shared.delete("dashboard:building:" + request_key)
    fresh = client.get(URL, params).json()  # past the grace, nobody building: rebuilt
    old = next(r for r in first["headline"] if r["target_code"] == "training-2021")
    new = next(r for r in fresh["headline"] if r["target_code"] == "training-2021")
    assert new["target"] == old["target"] * 2
    assert fresh["rolled_up_at"] >= first["rolled_up_at"]


def test_the_cache_is_shared_by_scope_not_leaked_across_scopes():
    params = {"unit": unit("温州市").pk, "month": "2021-09"}
    wide = client_for(member("浙江省")).get(URL, params).json()
    narrow = client_for(member("鹿城区")).get(URL, params).json()
    assert len({r["unit"]["name"] for s in wide["series"] for r in s["rows"]}) == 14
    assert {r["unit"]["name"] for s in narrow["series"] for r in s["rows"]} == {"鹿城区"}


def test_the_endpoint_is_in_the_openapi_schema():
    response = client_for(UserFactory(is_superuser=True)).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/dashboard/" in response.content
    assert b"completion_rate" in response.content


def test_the_page_shell_loads_the_local_echarts(client):
    user = member("贵州省")
    client.force_login(user)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "vendor/echarts/echarts.min.js" in html and "http" not in html.split("echarts.min.js")[0][-80:]
    assert "/api/v1/dashboard/" in html
    assert 'href="/dashboard/"' in client.get("/").content.decode()


def test_the_answer_says_when_its_month_was_rolled_up():
    """#25: at month-end a clerk's save reaches the dashboard after the next roll-up; the page
    says how fresh its numbers are: the shown month's last successful run, in local time."""
    from django.utils import timezone

    from progress.models import RollupRun

    data = client_for(member("贵州省")).get(URL).json()
    run = RollupRun.objects.filter(period=MONTHS[-1], status="succeeded").latest("finished_at")
    assert data["rolled_up_at"] == timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M")
    older = client_for(member("贵州省")).get(URL, {"month": "2024-09"}).json()
    run = RollupRun.objects.filter(period=MONTHS[2], status="succeeded").latest("finished_at")
    assert older["rolled_up_at"] == timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M")
    never = client_for(member("贵州省")).get(URL, {"month": "2025-03"}).json()
    assert never["month"] == "2025-03" and never["rolled_up_at"] is None
