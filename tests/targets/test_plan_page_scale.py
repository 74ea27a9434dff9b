"""A plan's page at national scale (#21): a page of its targets at a time, a bounded number of
chains, a chain that counts a long level below instead of listing it; the same number of
queries whatever the number of targets; the admin's delete page counts what it would delete."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets import cascade
from tests.factories import IndicatorFactory, OrgUnitFactory, PlanFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("plan-scale", password="x-plan-scale-1")
    client.force_login(user)
    return user


def plan_with(n: int):
    plan = PlanFactory()
    indicator = IndicatorFactory()
    units = [OrgUnitFactory.child_of(plan.issuer_unit) for _ in range(n)]
    for u in units:
        TargetFactory(plan=plan, indicator=indicator, org_unit=u)
    return plan


def test_plan_page_lists_a_page_of_targets_and_counts_them_all(client, superuser):
    plan = plan_with(120)
    first = client.get(f"/plans/{plan.code}/")
    assert first.status_code == 200 and len(first.context["rows"]) == 50
    assert first.context["counts"]["stated"] == 120
    html = first.content.decode()
    assert "120" in html and f"?plan={plan.code}" in html
    last = client.get(f"/plans/{plan.code}/", {"page": 3})
    assert len(last.context["rows"]) == 20


def test_plan_page_costs_the_same_queries_for_sixty_targets_as_for_a_hundred_and_twenty(
        client, superuser):
    small, large = plan_with(60), plan_with(120)
    client.get(f"/plans/{small.code}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/plans/{small.code}/")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/plans/{large.code}/")
    assert len(many) == len(few)


def _implemented_by(n: int):
    province = OrgUnitFactory()
    indicator = IndicatorFactory()
    top = TargetFactory(plan=PlanFactory(issuer_unit=province), indicator=indicator,
                        org_unit=province)
    for _ in range(n):
        city = OrgUnitFactory.child_of(province)
        TargetFactory(plan=PlanFactory(issuer_unit=city, parent=top.plan), indicator=indicator,
                      org_unit=city, implements=top, period_start=dt.date(2024, 1, 1))
    return top


def test_a_chain_lists_the_level_below_while_it_is_short(superuser, monkeypatch):
    monkeypatch.setattr(cascade, "CHAIN_BELOW", 5)
    top = _implemented_by(4)
    links = cascade.chain(superuser, top)
    assert len(links) == 5 and links.more == 0


def test_a_chain_counts_a_long_level_below_instead_of_listing_it(client, superuser, monkeypatch):
    monkeypatch.setattr(cascade, "CHAIN_BELOW", 3)
    top = _implemented_by(4)
    links = cascade.chain(superuser, top)
    assert list(links) == [top] and links.more == 4
    html = client.get(f"/plans/{top.plan.code}/targets/{top.code}/").content.decode()
    assert "以及更下级落实上述目标的 4 个目标" in html


def test_admin_delete_page_of_a_large_plan_counts_rows_per_kind(client, superuser, monkeypatch):
    from org import admin as org_admin
    monkeypatch.setattr(org_admin, "DELETE_LISTED", 5)
    small, large = plan_with(8), plan_with(16)
    client.get(f"/admin/targets/plan/{small.pk}/delete/")
    with CaptureQueriesContext(connection) as few:
        page = client.get(f"/admin/targets/plan/{small.pk}/delete/")
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/admin/targets/plan/{large.pk}/delete/")
    assert page.status_code == 200
    listed = [str(line) for line in page.context["deleted_objects"]]
    assert any("16" in line for line in listed), listed
    assert len(many) == len(few)
    # Confirming still deletes the plan and its targets.
    assert client.post(f"/admin/targets/plan/{large.pk}/delete/", {"post": "yes"}).status_code == 302
    from targets.models import Plan, Target
    assert not Plan.objects.filter(pk=large.pk).exists()
    assert not Target.objects.filter(plan_id=large.pk).exists()


def test_admin_delete_page_of_a_plan_implemented_below_refuses_before_collecting(
        client, superuser):
    top = _implemented_by(3)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/admin/targets/plan/{top.plan.pk}/delete/")
    assert page.status_code == 200 and page.context["protected"]
    assert "受保护" in page.content.decode()
    assert len(queries) < 20
    assert client.post(f"/admin/targets/plan/{top.plan.pk}/delete/", {"post": "yes"}).status_code == 200
    from targets.models import Plan
    assert Plan.objects.filter(pk=top.plan.pk).exists()
