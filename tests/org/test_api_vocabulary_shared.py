"""Issue #18: the same filter names on every endpoint whose records have that property, the
old names kept as aliases, an unknown one a 400."""

from __future__ import annotations

import pytest

from tests.api_helpers import API, client_for, everything, member
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHARED = {
    "training-figures/": {"org_unit", "subtree_of", "period", "period_after", "period_before",
                          "department", "unit", "month_from", "month_to"},
    "certificate-figures/": {"org_unit", "subtree_of", "period", "period_after",
                             "period_before", "department"},
    "data-values/": {"org_unit", "subtree_of", "period", "indicator", "department"},
    "progress/": {"org_unit", "subtree_of", "period", "plan", "indicator", "department"},
    "targets/": {"org_unit", "subtree_of", "plan", "indicator", "department"},
    "monthly-reports/": {"org_unit", "subtree_of", "period", "unit", "month"},
    "bulletins/": {"org_unit", "plan", "period", "period_after", "period_before", "month"},
    "subsidies/claims/": {"org_unit", "subtree_of", "period", "period_after", "period_before",
                          "unit"},
    "subsidies/vouchers/": {"org_unit", "subtree_of", "unit"},
    "awards/": {"org_unit", "subtree_of", "unit"},
    "competitions/": {"org_unit", "subtree_of", "unit"},
    "training-carriers/": {"org_unit", "subtree_of", "unit"},
    "memberships/": {"org_unit", "subtree_of"},
    "audit/": {"org_unit", "subtree_of", "period", "period_after", "period_before", "unit",
               "month_from", "month_to"},
    "plan-tasks/": {"plan", "department"},
    "rollup-requests/": {"plan"},
}


@pytest.mark.parametrize("path", sorted(SHARED))
def test_every_list_accepts_the_shared_names_and_refuses_unknown_ones(path):
    api = client_for(UserFactory(is_superuser=True))
    response = api.get(API + path, {"orgunit": 1})
    assert response.status_code == 400
    accepted = set(response.json()["accepted_parameters"])
    assert SHARED[path] <= accepted, SHARED[path] - accepted


def test_org_unit_is_that_unit_and_subtree_of_takes_the_units_below():
    baoshan, longling = unit("全国/云南省/保山市"), unit("全国/云南省/保山市/龙陵县")
    at_city, at_county = member(baoshan, role="reviewer"), member(longling, role="data_entry")
    member(unit("全国/浙江省/温州市"), role="reviewer")
    api = client_for(UserFactory(is_superuser=True))
    only = {m["user"] for m in everything(api, API + "memberships/", {"org_unit": baoshan.pk})}
    below = {m["user"] for m in everything(api, API + "memberships/",
                                           {"subtree_of": baoshan.pk})}
    assert only == {at_city.username}
    assert below == {at_city.username, at_county.username}
    # The old name on claims answers as the new one.
    new = everything(api, API + "subsidies/claims/", {"subtree_of": baoshan.pk})
    old = everything(api, API + "subsidies/claims/", {"unit": baoshan.pk})
    assert [c["id"] for c in new] == [c["id"] for c in old]
