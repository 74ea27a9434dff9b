"""Targets for org-unit groups (#22): "each 脱贫县 trains at least N" materialised as a target per
member, following membership changes from their month; "the group's total ≥ N" judged on the
members' sum; both decomposable and implementable, on the dashboard API with the members
ranked and the group's total.

Everything the shape is made of goes through HTTP (the API, the admin's add page): the group
type, groups, memberships, plans, targets and monthly figures. The numbers are worked by hand
in each test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from progress.models import ProgressSnapshot, RollupMark
from progress.rollup import rollup_month
from targets.choices import IndicatorKind, IndicatorSource
from targets.models import Indicator, Target
from tests.api_helpers import API, client_for
from tests.factories import OrgUnitFactory, UserFactory
from tests.targets.test_cascade_setup import admin_add, errors_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A city with four counties (三县 outside the group at first), a second city with one
    county, and two indicators: a monthly flow and a stock (levels reported by hand)."""
    nation = OrgUnitFactory(name="组国", level=0, kind="国家")
    province = OrgUnitFactory.child_of(nation, name="组省")
    city = OrgUnitFactory.child_of(province, name="组市")
    other_city = OrgUnitFactory.child_of(province, name="组二市")
    counties = {n: OrgUnitFactory.child_of(city, name=n) for n in ("一县", "二县", "三县", "四县")}
    counties["外县"] = OrgUnitFactory.child_of(other_city, name="外县")
    Indicator.unscoped.create(code="grp_training", name="分组培训人次", unit="人次",
                              kind=IndicatorKind.FLOW, source=IndicatorSource.MANUAL)
    Indicator.unscoped.create(code="grp_masters", name="分组技能大师工作室", unit="个",
                              kind=IndicatorKind.STOCK, source=IndicatorSource.MANUAL)
    return {"province": province, "city": city, "other_city": other_city, **counties}


@pytest.fixture
def api():
    return client_for(UserFactory(is_superuser=True, is_staff=True))


def post(api, path, body, status=201):
    response = api.post(API + path, body, format="json")
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


@pytest.fixture
def poverty(api, world):
    """脱贫县: 一县 and 二县 from 2025-01, 外县 (another city) from 2025-01."""
    kind = post(api, "org-unit-group-types/", {"code": "grp-policy", "name": "分组政策类别"})
    group = post(api, "org-unit-groups/", {"code": "grp-poverty", "name": "分组脱贫县",
                                           "group_set": kind["id"]})
    for name in ("一县", "二县", "外县"):
        join(api, group, world[name], "2025-01")
    return group


def join(api, group, unit, since, until=None):
    body = {"group": group["id"], "org_unit": unit.pk, "valid_from": since}
    if until:
        body["valid_to"] = until
    return post(api, "org-unit-group-members/", body)


@pytest.fixture
def plan(api, world):
    post(api, "plans/", {"code": "grp-city", "title": "组市技能行动方案", "short_name": "组市方案",
                         "doc_number": "组政发〔2025〕1号", "issuer": "组市人民政府",
                         "issuer_unit": world["city"].pk, "period_start": "2025-01",
                         "period_end": "2025-12"})
    return "grp-city"


def group_target(api, world, plan, *, code="poverty-training", mode="each", indicator="grp_training",
                 window="annual", start="2025-01", end="2025-12", value=1200, status=201):
    return post(api, "targets/", {
        "plan": plan, "code": code, "indicator": indicator, "org_unit": world["city"].pk,
        "window": window, "period_start": start, "period_end": end, "value": value,
        "comparator": "gte", "group": "grp-poverty", "group_mode": mode}, status=status)


def members_of(statement_id) -> dict[str, Target]:
    return {t.org_unit.name: t for t in Target.unscoped.filter(parent_id=statement_id,
                                                                axis="group")}


def figure(api, unit, month, value, indicator="grp_training"):
    post(api, "data-values/", {"indicator": indicator, "org_unit": unit.pk, "period": month,
                               "value": value})


# --- each member ------------------------------------------------------------------------------
def test_group_each_member_target_materialises_for_every_member(api, world, poverty, plan):
    statement = group_target(api, world, plan)
    members = members_of(statement["id"])
    # 外县 is in the group but not under 组市, whose plan this is.
    assert set(members) == {"一县", "二县"}
    for child in members.values():
        assert (child.value, child.window, child.period_start, child.period_end) == (
            Decimal(1200), "annual", dt.date(2025, 1, 1), dt.date(2025, 12, 1))
        assert child.indicator.code == "grp_training" and child.plan.code == plan
    listed = api.get(API + f"targets/{statement['id']}/").json()
    assert (listed["group"], listed["group_mode"]) == ("grp-poverty", "each")


def test_group_a_member_joining_mid_year_holds_its_months_pro_rated(api, world, poverty, plan):
    statement = group_target(api, world, plan)
    join(api, poverty, world["三县"], "2025-07-20")  # any day stands for its month
    child = members_of(statement["id"])["三县"]
    # 1,200 a year, a member for July to December: 1,200 × 6/12 = 600 over 2025-07 — 2025-12.
    assert child.value == Decimal(600)
    assert (child.window, child.period_start, child.period_end) == (
        "cumulative", dt.date(2025, 7, 1), dt.date(2025, 12, 1))


def test_group_a_member_leaving_keeps_only_its_months(api, world, poverty, plan):
    statement = group_target(api, world, plan)
    membership = api.get(API + "org-unit-group-members/",
                         {"org_unit": world["二县"].pk}).json()["results"][0]
    response = api.patch(API + f"org-unit-group-members/{membership['id']}/",
                         {"valid_to": "2025-03"}, format="json")
    assert response.status_code == 200, response.content
    child = members_of(statement["id"])["二县"]
    # A member January to March: 1,200 × 3/12 = 300.
    assert (child.value, child.period_start, child.period_end) == (
        Decimal(300), dt.date(2025, 1, 1), dt.date(2025, 3, 1))


def test_group_a_level_target_is_held_by_who_is_a_member_when_it_falls_due(api, world, poverty,
                                                                          plan):
    statement = group_target(api, world, plan, code="poverty-masters", indicator="grp_masters",
                             window="level", value=2)
    membership = api.get(API + "org-unit-group-members/",
                         {"org_unit": world["一县"].pk}).json()["results"][0]
    assert api.patch(API + f"org-unit-group-members/{membership['id']}/",
                     {"valid_to": "2025-10"}, format="json").status_code == 200
    join(api, poverty, world["四县"], "2025-11")
    members = members_of(statement["id"])
    # Left in October: no level due in December; joined in November: the whole level, 2.
    assert set(members) == {"二县", "四县"}
    assert members["四县"].value == Decimal(2) and members["四县"].window == "level"


def test_group_a_deleted_membership_removes_the_member_target_and_marks_the_rollup(
        api, world, poverty, plan):
    statement = group_target(api, world, plan)
    RollupMark.objects.all().delete()
    membership = api.get(API + "org-unit-group-members/",
                         {"org_unit": world["一县"].pk}).json()["results"][0]
    assert api.delete(API + f"org-unit-group-members/{membership['id']}/").status_code == 204
    assert set(members_of(statement["id"])) == {"二县"}
    assert RollupMark.objects.filter(org_unit=world["一县"], period=dt.date(2025, 1, 1)).exists()


def test_group_each_target_set_up_through_the_admin_form(client, world, poverty, plan):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    from org.models import OrgUnitGroup
    from targets.models import Plan
    response = admin_add(
        client, "targets/target", plan=Plan.unscoped.get(code=plan).pk, code="admin-made",
        indicator=Indicator.unscoped.get(code="grp_training").pk, org_unit=world["city"].pk,
        window="annual", period_start="2025-01", period_end="2025-12", value="500",
        comparator="gte", group=OrgUnitGroup.unscoped.get(code="grp-poverty").pk,
        group_mode="each")
    assert response.status_code == 302, errors_of(response)[:3000]
    statement = Target.unscoped.get(plan__code=plan, code="admin-made")
    assert {n: t.value for n, t in members_of(statement.pk).items()} == {
        "一县": Decimal(500), "二县": Decimal(500)}


def test_group_target_refusals_say_why_in_chinese(api, world, poverty, plan):
    no_mode = post(api, "targets/", {
        "plan": plan, "code": "no-mode", "indicator": "grp_training",
        "org_unit": world["city"].pk, "window": "annual", "period_start": "2025-01",
        "period_end": "2025-12", "value": 5, "group": "grp-poverty"}, status=400)
    assert "每个成员" in str(no_mode["group_mode"])
    Indicator.unscoped.create(code="grp_rate", name="分组持证率", unit="%",
                              kind=IndicatorKind.RATIO, source=IndicatorSource.RATIO,
                              numerator=Indicator.unscoped.get(code="grp_masters"),
                              denominator=Indicator.unscoped.get(code="grp_training"))
    ratio = group_target(api, world, plan, code="ratio-total", mode="total", indicator="grp_rate",
                         window="annual", value=50, status=400)
    assert "比率" in str(ratio["group_mode"])


# --- decomposable and implementable ------------------------------------------------------------
def test_group_member_target_is_implemented_by_the_members_own_plan(api, world, poverty, plan):
    statement = group_target(api, world, plan)
    member = members_of(statement["id"])["一县"]
    post(api, "plans/", {"code": "grp-county", "title": "一县技能行动方案", "short_name": "一县方案",
                         "doc_number": "一政发〔2025〕2号", "issuer": "一县人民政府",
                         "issuer_unit": world["一县"].pk, "period_start": "2025-01",
                         "period_end": "2025-12", "parent": plan})
    own = post(api, "targets/", {
        "plan": "grp-county", "code": "training", "indicator": "grp_training",
        "org_unit": world["一县"].pk, "window": "annual", "period_start": "2025-01",
        "period_end": "2025-12", "value": 1500, "implements": member.pk})
    assert own["implements"] == member.pk
    # The member target now carries a commitment below it: a membership change that would
    # remove it is refused, naming it, and nothing changes.
    membership = api.get(API + "org-unit-group-members/",
                         {"org_unit": world["一县"].pk}).json()["results"][0]
    refused = api.delete(API + f"org-unit-group-members/{membership['id']}/")
    assert refused.status_code == 400, refused.content
    assert member.code in refused.content.decode()
    assert Target.unscoped.filter(pk=member.pk).exists()


def test_group_member_target_is_decomposed_by_department(api, world, poverty, plan):
    statement = group_target(api, world, plan)
    member = members_of(statement["id"])["二县"]
    department = post(api, "departments/", {"org_unit": world["二县"].pk, "name": "二县农业农村局",
                                            "sector": "agriculture"})
    share = post(api, "targets/", {
        "plan": plan, "code": "poverty-training-agri", "indicator": "grp_training",
        "org_unit": world["二县"].pk, "department": department["id"], "window": "annual",
        "period_start": "2025-01", "period_end": "2025-12", "value": 400,
        "parent": member.pk, "axis": "department"})
    assert share["parent"] == member.pk
    coverage = api.get(API + f"targets/{member.pk}/").json()["coverage"]
    assert [(c["axis"], c["children_sum"]) for c in coverage] == [("department", 400)]
    # The group target's own coverage counts no member copies as shares of it.
    assert api.get(API + f"targets/{statement['id']}/").json()["coverage"] == []


# --- judged: the roll-up and the dashboard -----------------------------------------------------
def test_group_total_counts_each_member_for_its_member_months(api, world, poverty, plan):
    total = group_target(api, world, plan, code="poverty-total", mode="total", value=3000)
    assert members_of(total["id"]) == {}  # one group total, no member copies
    join(api, poverty, world["三县"], "2025-05")
    for unit, month, value in (("一县", "2025-02", 400), ("二县", "2025-03", 300),
                               ("三县", "2025-04", 999),  # before 三县 joined: not counted
                               ("三县", "2025-05", 200), ("四县", "2025-05", 777)):  # 四县: never
        figure(api, world[unit], month, value)
    rollup_month(dt.date(2025, 6, 1), trigger="test")
    snapshot = ProgressSnapshot.unscoped.get(target_id=total["id"], period=dt.date(2025, 6, 1))
    # 400 + 300 + 200 = 900 of 3,000: 30 % at half the year.
    assert (snapshot.actual, snapshot.target_value, snapshot.completion_rate) == (
        Decimal(900), Decimal(3000), Decimal("0.3"))
    assert snapshot.status == "seriously_behind"


def test_group_each_target_is_judged_on_its_members_targets_added_up(api, world, poverty, plan):
    statement = group_target(api, world, plan)  # 1,200 each: 一县, 二县
    join(api, poverty, world["三县"], "2025-07")  # 600 for July to December
    figure(api, world["一县"], "2025-07", 1000)
    figure(api, world["三县"], "2025-08", 300)
    rollup_month(dt.date(2025, 9, 1), trigger="test")
    snapshot = ProgressSnapshot.unscoped.get(target_id=statement["id"], period=dt.date(2025, 9, 1))
    # Target 1,200 + 1,200 + 600 = 3,000; done 1,000 + 300 = 1,300.
    assert (snapshot.target_value, snapshot.actual) == (Decimal(3000), Decimal(1300))
    three = ProgressSnapshot.unscoped.get(target__parent_id=statement["id"],
                                          target__org_unit=world["三县"],
                                          period=dt.date(2025, 9, 1))
    assert (three.target_value, three.actual, three.completion_rate) == (
        Decimal(600), Decimal(300), Decimal("0.5"))
    # Members are ranked among the group: 三县 50 %, 一县 83.33 %, 二县 0 %.
    ranks = dict(ProgressSnapshot.unscoped.filter(
        target__parent_id=statement["id"], period=dt.date(2025, 9, 1)).values_list(
        "target__org_unit__name", "rank"))
    assert ranks == {"一县": 1, "三县": 2, "二县": 3}


def test_group_dashboard_api_shows_the_group_total_and_its_members_ranked(api, world, poverty,
                                                                         plan):
    group_target(api, world, plan, code="poverty-total", mode="total", value=3000)
    statement = group_target(api, world, plan)
    figure(api, world["一县"], "2025-02", 600)
    figure(api, world["二县"], "2025-03", 900)
    rollup_month(dt.date(2025, 6, 1), trigger="test")
    data = api.get(API + "dashboard/", {"plan": plan, "unit": world["city"].pk,
                                        "month": "2025-06", "group": "grp-poverty"}).json()
    assert {"code": "grp-poverty", "name": "分组脱贫县", "type": "分组政策类别"} in data["groups"]
    group = data["group"]
    assert (group["code"], group["members"]) == ("grp-poverty", 2)
    [series] = group["series"]
    # The plan states a group total (3,000) for this window: it is the group's line.
    assert series["total"]["source"] == "group_target"
    assert (series["total"]["target"], series["total"]["actual"]) == (3000, 1500)
    assert series["total"]["completion_rate"] == 0.5
    # The members, each on its share of the each-member target, ranked: 二县 900/1,200 = 75 %.
    assert [(r["unit"]["name"], r["target"], r["actual"], r["rank"]) for r in series["rows"]] == [
        ("二县", 1200, 900, 1), ("一县", 1200, 600, 2)]
    assert all(r["target_id"] != statement["id"] for r in series["rows"])


def test_group_dashboard_adds_up_members_where_the_plan_states_no_group_target(api, world,
                                                                             poverty, plan):
    # Only region shares for the counties: the group's line is its members added up.
    whole = post(api, "targets/", {
        "plan": plan, "code": "training", "indicator": "grp_training",
        "org_unit": world["city"].pk, "window": "annual", "period_start": "2025-01",
        "period_end": "2025-12", "value": 10000})
    for name, value in (("一县", 2000), ("二县", 3000), ("三县", 5000)):
        post(api, "targets/", {
            "plan": plan, "code": f"training-{name}", "indicator": "grp_training",
            "org_unit": world[name].pk, "window": "annual", "period_start": "2025-01",
            "period_end": "2025-12", "value": value, "parent": whole["id"], "axis": "region"})
    figure(api, world["一县"], "2025-03", 1000)
    figure(api, world["三县"], "2025-03", 4000)
    rollup_month(dt.date(2025, 6, 1), trigger="test")
    data = api.get(API + "dashboard/", {"plan": plan, "unit": world["city"].pk,
                                        "month": "2025-06", "group": "grp-poverty"}).json()
    [series] = data["group"]["series"]
    # 脱贫县 here: 一县 and 二县 (三县 is not a member): 2,000 + 3,000 = 5,000; done 1,000.
    assert series["total"]["source"] == "members_sum"
    assert (series["total"]["target"], series["total"]["actual"],
            series["total"]["completion_rate"]) == (5000, 1000, 0.2)
    assert [r["unit"]["name"] for r in series["rows"]] == ["一县", "二县"]
    unknown = api.get(API + "dashboard/", {"plan": plan, "unit": world["city"].pk,
                                           "group": "no-such-group"})
    assert unknown.status_code == 404 and "no-such-group" in unknown.json()["detail"]


def test_group_bulletin_names_the_groups_total_and_ranks_its_members(client, api, world, poverty,
                                                                     plan):
    group_target(api, world, plan, code="poverty-total", mode="total", value=3000)
    group_target(api, world, plan)
    figure(api, world["一县"], "2025-02", 600)
    figure(api, world["二县"], "2025-03", 900)
    rollup_month(dt.date(2025, 6, 1), trigger="test")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post("/dashboard/bulletins/issue/", {
        "plan": plan, "unit": world["city"].pk, "month": "2025-06"})
    assert response.status_code == 302
    from dashboard.models import Bulletin
    bulletin = Bulletin.objects.get(plan__code=plan, period=dt.date(2025, 6, 1))
    [section] = bulletin.content["groups"]
    assert (section["name"], section["members"]) == ("分组脱贫县", 2)
    [series] = section["series"]
    assert (series["total"]["target"], series["total"]["actual"]) == (3000, 1500)
    assert [r["unit"]["name"] for r in series["rows"]] == ["二县", "一县"]
    page = client.get(f"/dashboard/bulletins/{bulletin.pk}/").content.decode()
    assert "6. 单位分组" in page and "分组脱贫县（2 个成员）" in page
    assert "方案对该分组的目标：目标 3,000" in page


def test_group_member_shares_form_their_own_series_beside_regional_shares(api, world, poverty,
                                                                          plan):
    whole = post(api, "targets/", {
        "plan": plan, "code": "training", "indicator": "grp_training",
        "org_unit": world["city"].pk, "window": "annual", "period_start": "2025-01",
        "period_end": "2025-12", "value": 10000})
    post(api, "targets/", {
        "plan": plan, "code": "training-一县", "indicator": "grp_training",
        "org_unit": world["一县"].pk, "window": "annual", "period_start": "2025-01",
        "period_end": "2025-12", "value": 2000, "parent": whole["id"], "axis": "region"})
    statement = group_target(api, world, plan)
    figure(api, world["一县"], "2025-03", 500)
    rollup_month(dt.date(2025, 6, 1), trigger="test")
    data = api.get(API + "dashboard/", {"plan": plan, "unit": world["city"].pk,
                                        "month": "2025-06"}).json()
    by_window = {s["window"]: s for s in data["series"]}
    # 一县 once per series: its regional share (2,000) and, apart, its share as a 脱贫县 (1,200).
    assert {r["unit"]["name"]: r["target"] for r in by_window["2025年"]["rows"]} == {"一县": 2000}
    members = by_window["分组脱贫县 · 每个成员"]
    assert {r["unit"]["name"]: r["target"] for r in members["rows"]} == {"一县": 1200,
                                                                         "二县": 1200}
    assert all(r["group"] == "分组脱贫县" for r in members["rows"])
    headline = {r["target_id"]: r for r in data["headline"]}
    assert headline[statement["id"]]["group"] == "分组脱贫县"
    assert headline[whole["id"]]["group"] is None
