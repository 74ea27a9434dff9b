"""What every role sees first on the dashboard (issue #24): the month being reported, stock
figures that never fall to 0, a plan with figures, the chart on an indicator units report."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from dashboard.selectors import forget_cached_answers
from demo.figures import generate_demo_figures
from demo.users import DEMO_USERS, create_demo_users
from progress.rollup import rollup_month
from tests.conftest import unit
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db
DEMO_DAY = dt.date(2025, 10, 3)  # as scripts/serve runs the demo
ROLES = ["admin", *(user[0] for user in DEMO_USERS)]


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The demo's figures to September 2025, September and October rolled up (October's
    snapshots exist, as dated records make them in the demo)."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate_demo_figures()
        for month in (dt.date(2021, 12, 1), dt.date(2025, 8, 1), dt.date(2025, 9, 1),
                      dt.date(2025, 10, 1)):
            rollup_month(month, trigger="test")
        create_demo_users("first-look-2026")
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def business_day(settings):
    settings.PORTAL_TODAY = DEMO_DAY
    cache.clear()
    forget_cached_answers()


def dashboard(username, **params):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    response = client.get("/api/v1/dashboard/", params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.mark.parametrize("username", ROLES)
def test_every_role_opens_on_the_month_being_reported(username):
    data = dashboard(username)
    if data["plan"]["code"] == "wenzhou-2021":
        # Wenzhou's plan is 2021's: it opens on its last month, its final result.
        assert data["month"] == data["months"][0] == "2021-12"
        return
    assert data["month"] == "2025-09"
    # October has snapshots but no monthly figures yet: not offered.
    assert "2025-10" not in data["months"] and data["months"][0] == "2025-09"


def test_a_later_month_is_offered_once_it_has_figures_but_never_becomes_the_default():
    TrainingFigure.unscoped.create(
        org_unit=unit("全国/云南省/保山市/龙陵县"), period=dt.date(2025, 10, 1),
        target_group="其他", training_type="就业技能培训", trained=3)
    forget_cached_answers()
    cache.clear()
    data = dashboard("longling_clerk")
    assert data["month"] == "2025-09" and "2025-10" in data["months"]


def test_a_clerk_sees_the_countys_own_plan_and_its_level_carried_into_the_next_month():
    september = dashboard("longling_clerk")
    assert september["plan"]["code"] == "longling-2022"
    headline = {r["indicator"]["name"]: r for r in september["headline"]}
    level = headline["技能人才总量"]
    assert level["actual"] == 22127 and level["status"] == "done"
    assert level["actual_as_of"] is None
    october = {r["indicator"]["name"]: r for r in dashboard("longling_clerk", month="2025-10")["headline"]}
    carried = october["技能人才总量"]
    assert (carried["actual"], carried["actual_as_of"], carried["status"]) == \
        (22127, "2025-09", "done")


def test_a_superuser_opens_at_the_top_of_the_scope_on_a_plan_with_figures():
    data = dashboard("admin")
    assert data["plan"]["code"] in ("ningxia-2021", "guizhou-skills")  # the provinces' plans
    assert data["unit"]["name"] in ("宁夏回族自治区", "贵州省")
    assert any(r["status"] != "undetermined" for r in data["headline"])


def test_the_child_chart_opens_on_the_indicator_most_units_report():
    data = dashboard("wenzhou_admin")
    reporting = [s["reporting"] for s in data["series"]]
    assert reporting and reporting[0] == max(reporting) and reporting[0] > 0


def test_a_plan_without_targets_below_shows_the_units_own_figures_unjudged():
    """Ningxia's plan gives its cities no targets: the page still shows what each city did on
    the plan's headline indicators, adding up to the region's own figure, with no status."""
    data = dashboard("ningxia_admin", plan="ningxia-2021")
    assert data["series"] == [] and data["units_own"]
    by_code = {s["indicator"]["code"]: s for s in data["units_own"]}
    headline = {h["indicator"]["code"]: h for h in data["headline"]}
    new = by_code["new_skilled_talent"]
    cities = {r["unit"]["name"] for r in new["rows"]}
    assert {"银川市", "石嘴山市", "吴忠市", "固原市", "中卫市"} <= cities
    assert new["additive"] and all("status" not in r for r in new["rows"])
    assert sum(r["actual"] for r in new["rows"]) == new["own_actual"] \
        == headline["new_skilled_talent"]["actual"]
    assert abs(sum(r["share"] for r in new["rows"]) - 1) < 0.001
    actuals = [r["actual"] for r in new["rows"]]
    assert actuals == sorted(actuals, reverse=True)
    ratio = next(s for s in data["units_own"] if not s["additive"])
    assert all(r["share"] is None for r in ratio["rows"])
    # A plan with targets below has none of it.
    assert dashboard("longling_clerk")["units_own"] == []
