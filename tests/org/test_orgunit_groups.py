"""Org-unit groups (#22, first part): typed, named groups of units (东部/中部/西部, 脱贫县 …),
a unit in several, membership by month; maintained through the admin and the API, audited,
each write in the right hands."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from audit.models import AuditEntry
from org.models import OrgUnitGroup, OrgUnitGroupMember, OrgUnitGroupSet
from tests.api_helpers import API, client_for, member
from tests.conftest import unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_admin():
    return member(unit("全国/云南省"), role="admin")


@pytest.fixture
def groups(province_admin):
    """A type and two groups, created through the API by a provincial administrator."""
    api = client_for(province_admin)
    kind = api.post(API + "org-unit-group-types/", {"code": "policy", "name": "政策类别"},
                    format="json")
    assert kind.status_code == 201, kind.content
    made = {}
    for code, name in (("poverty", "脱贫县"), ("border", "沿边县")):
        response = api.post(API + "org-unit-groups/", {"code": code, "name": name,
                                                       "group_set": kind.json()["id"]},
                            format="json")
        assert response.status_code == 201, response.content
        made[code] = OrgUnitGroup.objects.get(pk=response.json()["id"])
    return made


def join(api, group, unit_, since, until=None):
    body = {"group": group.pk, "org_unit": unit_.pk, "valid_from": since}
    if until:
        body["valid_to"] = until
    return api.post(API + "org-unit-group-members/", body, format="json")


def test_group_types_and_groups_are_made_through_the_api_and_audited(groups, province_admin):
    assert OrgUnitGroupSet.objects.get(code="policy").groups.count() == 2
    assert AuditEntry.objects.filter(actor=province_admin,
                                     object_id=str(groups["poverty"].pk)).exists()


def test_group_vocabulary_is_refused_to_a_county_administrator_and_not_offered(client):
    county_admin = member(unit("全国/云南省/保山市/龙陵县"), role="admin")
    response = client_for(county_admin).post(API + "org-unit-group-types/",
                                             {"code": "x", "name": "县里的分组"}, format="json")
    assert response.status_code == 403
    assert not OrgUnitGroupSet.objects.filter(code="x").exists()
    county_admin.is_staff = True
    county_admin.save()
    client.force_login(county_admin)
    assert client.get("/admin/org/orgunitgroupset/add/").status_code == 403


def test_group_a_unit_may_be_in_several_groups_and_months_are_first_days(groups, province_admin):
    api = client_for(province_admin)
    longling = unit("全国/云南省/保山市/龙陵县")
    first = join(api, groups["poverty"], longling, "2021-03-15")
    assert first.status_code == 201, first.content
    assert first.json()["valid_from"] == "2021-03"
    assert join(api, groups["border"], longling, "2021-01-01").status_code == 201
    assert set(OrgUnitGroupMember.objects.filter(org_unit=longling).values_list(
        "group__code", flat=True)) == {"poverty", "border"}


def test_group_membership_overlapping_another_is_refused_in_chinese(groups, province_admin):
    api = client_for(province_admin)
    longling = unit("全国/云南省/保山市/龙陵县")
    assert join(api, groups["poverty"], longling, "2021-01-01", "2022-12-01").status_code == 201
    clash = join(api, groups["poverty"], longling, "2022-06-01")
    assert clash.status_code == 400 and "在这些月份已属于" in str(clash.json())
    backwards = join(api, groups["poverty"], longling, "2024-06-01", "2024-01-01")
    assert backwards.status_code == 400 and "不能早于" in str(backwards.json())
    assert join(api, groups["poverty"], longling, "2023-01-01").status_code == 201


def test_group_members_of_a_month_follow_a_unit_leaving_and_joining(groups, province_admin):
    api = client_for(province_admin)
    longling, shidian = unit("全国/云南省/保山市/龙陵县"), unit("全国/云南省/保山市/施甸县")
    join(api, groups["poverty"], longling, "2021-01-01", "2023-06-01")
    join(api, groups["poverty"], shidian, "2023-07-01")

    def names(month):
        rows = api.get(API + "org-unit-group-members/",
                       {"group": groups["poverty"].pk, "in_month": month}).json()["results"]
        return {r["org_unit_name"] for r in rows}

    assert names("2023-06") == {"龙陵县"}
    assert names("2023-07") == {"施甸县"}
    assert set(groups["poverty"].members_in(dt.date(2023, 7, 1))
               .values_list("name", flat=True)) == {"施甸县"}
    bad = api.get(API + "org-unit-group-members/", {"in_month": "七月"})
    assert bad.status_code == 400 and "YYYY-MM" in str(bad.json())


def test_group_membership_is_kept_by_the_units_own_administrators(groups):
    city_admin = member(unit("全国/浙江省/温州市"), role="admin")
    api = client_for(city_admin)
    refused = join(api, groups["poverty"], unit("全国/云南省/保山市/龙陵县"), "2021-01-01")
    assert refused.status_code == 403
    assert join(api, groups["poverty"], unit("全国/浙江省/温州市/鹿城区"),
                "2021-01-01").status_code == 201
    # A member reads only the memberships of units they may see.
    clerk = member(unit("全国/云南省/保山市/龙陵县"))
    rows = client_for(clerk).get(API + "org-unit-group-members/").json()["results"]
    assert all(r["org_unit_name"] != "鹿城区" for r in rows)


def test_group_membership_through_the_admin_form_is_audited(client, groups):
    admin = get_user_model().objects.create_superuser("groups-admin", password="x-groups-1")
    client.force_login(admin)
    longling = unit("全国/云南省/保山市/龙陵县")
    response = client.post("/admin/org/orgunitgroupmember/add/", {
        "group": groups["poverty"].pk, "org_unit": longling.pk, "valid_from": "2022-05-20",
        "valid_to": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = OrgUnitGroupMember.objects.get(org_unit=longling)
    assert str(row.valid_from) == "2022-05-01"
    assert AuditEntry.objects.filter(actor=admin, object_id=str(row.pk)).exists()


def test_group_type_with_groups_cannot_be_deleted(groups, province_admin):
    kind = OrgUnitGroupSet.objects.get(code="policy")
    response = client_for(province_admin).delete(f"{API}org-unit-group-types/{kind.pk}/")
    assert response.status_code == 400 and "其下还有分组" in str(response.json())
    assert OrgUnitGroupSet.objects.filter(pk=kind.pk).exists()
