"""Long lists at national scale (#21): searched as the user types, never rendered whole, and
admin list filters that read no table."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import OrgUnit
from skills_portal.choice_search import OFFERED, RESULTS
from tests.api_helpers import member
from tests.conftest import unit
from tests.factories import OrgUnitFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_counties(wenzhou):
    return [OrgUnitFactory.child_of(wenzhou, name=f"长列表县{i:03d}", code=f"LL{i:03d}")
            for i in range(RESULTS + 10)]


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("long-lists", password="x-long-lists-1")
    client.force_login(user)
    return user


def test_choice_search_answers_a_page_of_matching_units_with_more_flagged(client, superuser,
                                                                          many_counties):
    data = client.get("/choices/org_unit/", {"q": "长列表县"}).json()
    assert len(data["results"]) == RESULTS and data["more"] is True
    assert all("长列表县" in row["label"] for row in data["results"])
    found = client.get("/choices/org_unit/", {"q": "长列表县007"}).json()
    assert found == {"results": [{"value": str(many_counties[7].pk), "label": "长列表县007"}],
                     "more": False}


def test_choice_search_offers_only_what_the_user_may_choose(client, many_counties, lucheng):
    clerk = member(lucheng, role="data_entry")
    client.force_login(clerk)
    visible = {row["label"] for row in client.get("/choices/org_unit/").json()["results"]}
    assert "鹿城区" in visible and "长列表县000" not in visible
    writable = client.get("/choices/writable_unit/", {"q": "长列表"}).json()
    assert writable["results"] == []


def test_choice_search_refuses_strangers_and_unknown_lists(client, superuser):
    assert client.get("/choices/no-such-list/").status_code == 404
    client.logout()
    assert client.get("/choices/org_unit/").status_code == 302


def test_choice_search_of_plans_answers_codes_as_values(client, superuser):
    data = client.get("/choices/plan/", {"q": "温州"}).json()
    assert data["results"] and all(row["value"] for row in data["results"])
    assert any(row["value"] == "wenzhou-2021" for row in data["results"])


def test_a_unit_filter_renders_the_chosen_unit_and_a_few_others_not_the_whole_tree(
        client, superuser, many_counties):
    chosen = many_counties[-1]
    html = client.get("/targets/", {"unit": chosen.pk}).content.decode()
    select = html[html.index('name="unit"'):]
    select = select[:select.index("</select>")]
    assert f'value="{chosen.pk}" selected' in select
    assert select.count("<option") <= OFFERED + 2
    assert 'data-choices-url="/choices/org_unit/"' in select
    assert OrgUnit.objects.count() > OFFERED + 2


def test_a_unit_filter_given_no_unit_id_answers_the_page_with_the_error(client, superuser):
    page = client.get("/targets/", {"unit": "abc"})
    assert page.status_code == 200


def test_the_claim_form_lists_no_more_awards_than_it_offers(client, superuser):
    page = client.get("/subsidies/claims/new/")
    assert page.status_code == 200
    html = page.content.decode()
    select = html[html.index('name="award"'):]
    assert select[:select.index("</select>")].count("<option") <= OFFERED + 1


def test_admin_period_filter_offers_years_then_months_and_filters_by_either(client, superuser):
    from training.models import TrainingFigure

    county = unit("全国/浙江省/温州市/鹿城区")
    for period in (dt.date(2024, 6, 1), dt.date(2024, 7, 1), dt.date(2025, 6, 1)):
        TrainingFigure.objects.create(org_unit=county, period=period, training_type="岗位技能提升培训",
                                      target_group="企业职工", trained=5)
    url = "/admin/training/trainingfigure/"
    with CaptureQueriesContext(connection) as all_rows:
        page = client.get(url)
    assert page.status_code == 200 and "2024年" in page.content.decode()
    assert not any("DISTINCT" in q["sql"] and "period" in q["sql"] for q in all_rows)
    year = client.get(url, {"period": "2024"})
    assert year.context["cl"].result_count == 2
    assert "2024年6月" in year.content.decode()
    month = client.get(url, {"period": "2024-07"})
    assert month.context["cl"].result_count == 1
    assert client.get(url, {"period": "2024-13"}).status_code == 200


def test_admin_plan_filter_lists_a_few_plans_and_keeps_the_chosen_one(client, superuser):
    for i in range(20):
        TargetFactory(plan__short_name=f"过滤测试方案{i:02d}")
    html = client.get("/admin/targets/target/").content.decode()
    assert html.count("过滤测试方案") <= 15
    from targets.models import Plan
    last = Plan.objects.get(short_name="过滤测试方案19")
    page = client.get("/admin/targets/target/", {"plan__id__exact": last.pk})
    assert page.status_code == 200 and page.context["cl"].result_count == 1
    assert "过滤测试方案19" in page.content.decode()
