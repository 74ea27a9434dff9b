"""Issue #18: one filter vocabulary, strictly applied — an unknown query parameter is a 400
naming it and the accepted ones, never silently ignored (a script approving "the" report of
`?org_unit=64&period=2025-09` must not get every report in scope)."""

from __future__ import annotations

import pytest

from reporting.models import MonthlyReport
from tests.api_helpers import API, client_for, member, results

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(longling):
    shidian = longling.parent.children.get(name="施甸县")
    for unit in (longling, shidian):
        client_for(member(unit)).post(API + "monthly-reports/submit/", {
            "org_unit": unit.pk, "period": "2024-05", "zero_report": True}, format="json")
    return longling, shidian


def test_an_unknown_query_parameter_is_a_400_naming_it_and_the_accepted_ones(longling):
    api = client_for(member(longling.parent, role="reviewer"))
    response = api.get(API + "training-figures/", {"orgunit": longling.pk})
    assert response.status_code == 400
    body = response.json()
    assert body["unknown_parameters"] == ["orgunit"]
    assert "unit" in body["accepted_parameters"] and "page" in body["accepted_parameters"]
    assert "orgunit" in body["detail"]


def test_monthly_reports_take_the_shared_names_and_keep_the_old_ones_as_aliases(reports):
    longling, shidian = reports
    assert MonthlyReport.objects.filter(period__year=2024).count() == 2
    api = client_for(member(longling.parent, role="reviewer"))
    shared = results(api.get(API + "monthly-reports/", {"org_unit": longling.pk,
                                                        "period": "2024-05"}))
    assert [r["org_unit"]["id"] for r in shared] == [longling.pk]
    old = results(api.get(API + "monthly-reports/", {"unit": longling.pk, "month": "2024-05"}))
    assert [r["id"] for r in old] == [r["id"] for r in shared]
    subtree = results(api.get(API + "monthly-reports/", {"subtree_of": longling.parent.pk,
                                                         "period": "2024-05"}))
    assert {r["org_unit"]["id"] for r in subtree} == {longling.pk, shidian.pk}


def test_range_suffixes_pagination_and_ordering_are_accepted(longling):
    api = client_for(member(longling.parent, role="reviewer"))
    response = api.get(API + "progress/", {"period_after": "2024-01", "period_before": "2024-12",
                                           "page": 1, "page_size": 5, "ordering": "-period"})
    assert response.status_code == 200, response.content
