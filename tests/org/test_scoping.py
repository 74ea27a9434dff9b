"""A county user cannot read or change a sibling county's targets or values — on the
querysets, the services, the pages and the admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from org.models import Department, Membership
from targets.models import DataValue, Indicator, Plan, Target
from targets.services import record_data_value, save_target
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONTH = dt.date(2021, 6, 1)


def member(unit, role="data_entry", department=None, **user_kwargs):
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, org_unit=unit, role=role, department=department)
    return user


@pytest.fixture
def manual_indicator():
    return Indicator.objects.get(code="digital_talent")


def annex_target(unit_name, parent_code="training-2021"):
    return Target.objects.get(plan__code="wenzhou-2021", parent__code=parent_code,
                              org_unit__name=unit_name)


def test_county_user_reads_own_and_context_but_not_sibling_targets(lucheng, longwan):
    clerk = member(lucheng)
    visible = Target.objects.for_user(clerk)
    assert annex_target("鹿城区") in visible
    assert annex_target("龙湾区") not in visible
    # The city's own targets are context handed down to the county.
    assert Target.objects.get(plan__code="wenzhou-2021", code="training-2021") in visible
    # Nothing of other provinces.
    assert not visible.filter(plan__code="ningxia-2021").exists()


def test_county_user_cannot_change_any_target_the_city_set(lucheng):
    admin = member(lucheng, role="admin")
    target = annex_target("鹿城区")
    assert not Target.objects.for_user(admin, "change").filter(pk=target.pk).exists()
    target.value = 1
    with pytest.raises(PermissionDenied):
        save_target(user=admin, target=target)
    target.refresh_from_db()
    assert target.value == 12000


def test_city_admin_changes_county_shares(wenzhou):
    admin = member(wenzhou, role="admin")
    target = annex_target("龙湾区")
    target.value = Decimal(11000)
    save_target(user=admin, target=target)
    target.refresh_from_db()
    assert target.value == 11000


def test_values_are_written_only_in_scope(lucheng, longwan, manual_indicator):
    clerk = member(lucheng)
    own = record_data_value(user=clerk, indicator=manual_indicator, org_unit=lucheng,
                            period=MONTH, value=Decimal(5))
    assert own.entered_by == clerk and not own.is_demo
    count = DataValue.objects.count()
    with pytest.raises(PermissionDenied):
        record_data_value(user=clerk, indicator=manual_indicator, org_unit=longwan, period=MONTH,
                          value=Decimal(7))
    assert DataValue.objects.count() == count  # nothing half-saved


def test_sibling_values_are_invisible_and_unchangeable(lucheng, longwan, manual_indicator):
    theirs = DataValue.objects.create(indicator=manual_indicator, org_unit=longwan, period=MONTH,
                                      value=3)
    clerk = member(lucheng)
    assert not DataValue.objects.for_user(clerk).filter(pk=theirs.pk).exists()
    with pytest.raises(PermissionDenied):
        record_data_value(user=clerk, indicator=manual_indicator, org_unit=longwan, period=MONTH,
                          value=Decimal(99))
    theirs.refresh_from_db()
    assert theirs.value == 3


def test_viewers_and_reviewers_do_not_write_values(lucheng, manual_indicator):
    for role in ("viewer", "reviewer"):
        user = member(lucheng, role=role)
        with pytest.raises(PermissionDenied):
            record_data_value(user=user, indicator=manual_indicator, org_unit=lucheng,
                              period=MONTH, value=Decimal(1))


def test_department_user_sees_own_quota_not_other_departments(wenzhou):
    emergency = Department.objects.get(org_unit=wenzhou, name="市应急管理局")
    user = member(wenzhou, department=emergency)
    visible = Target.objects.for_user(user)
    mine = Target.objects.get(plan__code="wenzhou-2021", department=emergency)
    other = Target.objects.get(plan__code="wenzhou-2021", department__name="市教育局")
    assert mine in visible and other not in visible
    assert mine.value == 22000  # 2.2万


def test_pages_and_admin_refuse_sibling_rows(client, lucheng):
    clerk = member(lucheng, is_staff=True)
    client.force_login(clerk)
    sibling = annex_target("龙湾区")
    own = annex_target("鹿城区")
    assert client.get(f"/plans/wenzhou-2021/targets/{own.code}/").status_code == 200
    assert client.get(f"/plans/wenzhou-2021/targets/{sibling.code}/").status_code == 404
    listing = client.get("/targets/?plan=wenzhou-2021").content.decode()
    assert "鹿城区" in listing and "龙湾区" not in listing
    changelist = client.get("/admin/targets/target/?q=training-long").content.decode()
    assert sibling.code not in changelist
    response = client.get(f"/admin/targets/target/{sibling.pk}/change/")
    assert response.status_code in (302, 403, 404)
    response = client.post(f"/admin/targets/target/{sibling.pk}/delete/", {"post": "yes"})
    assert Target.objects.filter(pk=sibling.pk).exists()


def test_admin_data_value_for_sibling_is_refused(client, lucheng, longwan, manual_indicator):
    clerk = member(lucheng, is_staff=True)
    client.force_login(clerk)
    response = client.post("/admin/targets/datavalue/add/", {
        "indicator": manual_indicator.pk, "org_unit": longwan.pk, "period": "2021-06-01",
        "value": "9", "comment": "",
    })
    assert response.status_code in (200, 403)  # form error (unit not selectable) or refusal
    assert not DataValue.objects.filter(org_unit=longwan, indicator=manual_indicator,
                                        period=MONTH).exists()
    response = client.post("/admin/targets/datavalue/add/", {
        "indicator": manual_indicator.pk, "org_unit": lucheng.pk, "period": "2021-06-01",
        "value": "9", "comment": "",
    })
    assert response.status_code == 302
    assert DataValue.objects.get(org_unit=lucheng, indicator=manual_indicator,
                                 period=MONTH).entered_by == clerk


def test_anonymous_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not Target.objects.for_user(anonymous).exists()
    assert not Plan.objects.for_user(anonymous).exists()
    assert not DataValue.objects.for_user(anonymous).exists()


def test_provincial_admin_curates_indicators_county_admin_does_not(lucheng):
    from org.models import OrgUnit

    province_admin = member(OrgUnit.objects.get(code="330000"), role="admin")
    county_admin = member(lucheng, role="admin")
    assert Indicator.objects.for_user(province_admin, "change").exists()
    assert not Indicator.objects.for_user(county_admin, "change").exists()


def test_coverage_never_sums_parts_outside_the_users_scope(client, lucheng, wenzhou):
    from targets.selectors import decomposition_coverage

    city_target = Target.objects.get(plan__code="wenzhou-2021", code="training-2021")
    clerk = member(lucheng)
    [seen_by_clerk] = decomposition_coverage([city_target], clerk)[city_target.pk]
    assert (seen_by_clerk.children, seen_by_clerk.hidden) == (14, 13)
    assert seen_by_clerk.children_sum == 12000  # only 鹿城's own share
    assert seen_by_clerk.status == "restricted"
    assert seen_by_clerk.coverage_pct is None and seen_by_clerk.difference is None
    [seen_by_city] = decomposition_coverage([city_target], member(wenzhou, role="reviewer"))[
        city_target.pk]
    assert (seen_by_city.hidden, seen_by_city.status) == (0, "balanced")

    client.force_login(clerk)
    html = client.get("/plans/wenzhou-2021/targets/training-2021/").content.decode()
    assert "120,000" in html  # the city's own target is context
    assert "10,800" not in html  # 龙湾's share
    assert "仅见本级分解" in html
    listing = client.get("/targets/?plan=wenzhou-2021&decomposed=true").content.decode()
    # Regional shares are hidden; the city's department quotas (annex 2, set at the city
    # itself) are context the county may read.
    assert "仅见本级分解" in listing and "按地区 100%" not in listing


def target_form(target, **changes):
    data = {
        "plan": target.plan_id, "code": "admin-added", "indicator": target.indicator_id,
        "org_unit": target.org_unit_id, "department": "", "task": "", "window": target.window,
        "period_start": target.period_start.isoformat(),
        "period_end": target.period_end.isoformat(), "value": "500", "value_max": "",
        "comparator": "gte", "baseline": "", "parent": "", "axis": "", "quote": "", "note": "",
    }
    return data | changes


def test_city_admin_adds_a_target_in_the_admin(client, wenzhou):
    client.force_login(member(wenzhou, role="admin", is_staff=True))
    template = annex_target("鹿城区")
    response = client.post("/admin/targets/target/add/", target_form(template))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Target.objects.filter(plan=template.plan, code="admin-added", value=500).exists()


def test_county_admin_cannot_add_a_target_to_the_city_plan(client, lucheng):
    client.force_login(member(lucheng, role="admin", is_staff=True))
    template = annex_target("鹿城区")
    response = client.post("/admin/targets/target/add/", target_form(template))
    assert response.status_code == 403
    assert "权限范围" in response.content.decode()
    assert not Target.objects.filter(code="admin-added").exists()
