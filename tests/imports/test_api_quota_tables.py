"""Issue #18: a quota table as JSON (POST /api/v1/quota-tables/), the twin of the Excel quota
import: all or nothing, idempotent by natural keys, the same error list (by row index and
field), scoped."""

from __future__ import annotations

import pytest

from targets.models import Plan, Target
from tests.api_helpers import API, client_for, member
from tests.conftest import unit

pytestmark = pytest.mark.django_db
URL = API + "quota-tables/"
REGIONS = [("鹿城区", 12000, 8000), ("龙湾区", 10800, 7200), ("温州经济技术开发区", 3600, 2400)]


@pytest.fixture
def plan():
    plan = Plan.objects.get(code="wenzhou-2021")
    Target.objects.filter(plan=plan, parent__isnull=False).delete()
    return plan


def body(rows=REGIONS, **extra):
    return {"plan": "wenzhou-2021", "rows": [
        {"name": name, "values": {"training_person_times": trained, "取证数": certified}}
        for name, trained, certified in rows], **extra}


def test_a_json_quota_table_is_checked_applied_and_idempotent(plan):
    api = client_for(member(unit("全国/浙江省/温州市"), role="admin"))
    dry = api.post(URL, body(dry_run=True), format="json")
    assert dry.status_code == 200, dry.content
    assert (dry.json()["created"], dry.json()["applied"]) == (6, False)
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()
    done = api.post(URL, body(), format="json")
    assert done.status_code == 201 and done.json()["applied"] and done.json()["created"] == 6
    assert Target.objects.get(parent__code="training-2021", parent__plan=plan,
                              org_unit__name="鹿城区").value == 12000
    again = api.post(URL, body(), format="json")
    assert again.status_code == 200 and (again.json()["created"], again.json()["unchanged"]) == \
        (0, 6)


def test_errors_name_the_row_and_field_and_nothing_is_saved(plan):
    api = client_for(member(unit("全国/浙江省/温州市"), role="admin"))
    rows = [*REGIONS, ("不存在区", 1, 1)]
    response = api.post(URL, body(rows=rows), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["row"] == 3 and errors[0]["field"] == "name"
    assert "不存在区" in errors[0]["message"]
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()
    bad = body()
    bad["rows"][0]["values"] = {"没有这个指标": 5}
    response = api.post(URL, bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "values.没有这个指标"


def test_a_quota_table_outside_the_callers_scope_is_refused(plan):
    api = client_for(member(unit("全国/浙江省/温州市/鹿城区"), role="admin"))
    assert api.post(URL, body(), format="json").status_code == 403
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()


def test_a_malformed_quota_table_is_a_400_naming_the_field(plan):
    api = client_for(member(unit("全国/浙江省/温州市"), role="admin"))
    response = api.post(URL, {"plan": "wenzhou-2021", "rows": [{"name": "鹿城区",
                                                                "values": {"x": -1}}]},
                        format="json")
    assert response.status_code == 400 and "rows" in response.json()
