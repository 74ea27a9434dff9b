"""Training carriers entered as records by a county clerk, counted as stock."""

import datetime as dt

import pytest

from org.models import Membership
from progress.models import RollupMark
from targets.measures import measure_values
from tests.conftest import unit
from tests.factories import UserFactory
from training.models import TrainingCarrier

pytestmark = pytest.mark.django_db


def member(unit_obj, role="data_entry"):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=unit_obj, role=role)
    return user


def form(unit_obj, **changes):
    return {"name": "龙陵县技能大师工作室（石斛）", "carrier_type": "技能大师工作室", "level": "县级",
            "org_unit": unit_obj.pk, "department": "", "established_on": "2023-04-10",
            "closed_on": "", "note": ""} | changes


def test_clerk_records_edits_and_closes_a_carrier(client):
    longling = unit("全国/云南省/保山市/龙陵县")
    client.force_login(member(longling))
    assert client.get("/entry/carriers/new/").status_code == 200
    response = client.post("/entry/carriers/new/", form(longling))
    assert response.status_code == 302
    carrier = TrainingCarrier.objects.get(org_unit=longling)
    assert RollupMark.objects.filter(org_unit=longling, period=dt.date(2023, 4, 1)).exists()
    assert "石斛" in client.get("/entry/carriers/").content.decode()

    response = client.post(f"/entry/carriers/{carrier.pk}/edit/",
                           form(longling, closed_on="2024-06-30"))
    assert response.status_code == 302
    values = measure_values("training.carriers_active", {"carrier_type": "技能大师工作室"},
                            start=dt.date(2023, 3, 1), end=dt.date(2024, 6, 1),
                            units=[longling.parent_id], rolled_up=True)
    assert values[(longling.parent_id, dt.date(2023, 3, 1))] == 0
    assert values[(longling.parent_id, dt.date(2023, 4, 1))] == 1
    assert values[(longling.parent_id, dt.date(2024, 6, 1))] == 0

    # Closing before opening is refused beside the field; nothing changes.
    response = client.post(f"/entry/carriers/{carrier.pk}/edit/",
                           form(longling, closed_on="2020-01-01"))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    carrier.refresh_from_db()
    assert carrier.closed_on == dt.date(2024, 6, 30)


def test_carrier_entry_is_scoped(client):
    longling = unit("全国/云南省/保山市/龙陵县")
    shidian = unit("全国/云南省/保山市/施甸县")
    theirs = TrainingCarrier.objects.create(name="施甸公共实训基地", carrier_type="公共实训基地",
                                            level="县级", org_unit=shidian,
                                            established_on=dt.date(2022, 1, 1))
    client.force_login(member(longling))
    assert "施甸公共实训基地" not in client.get("/entry/carriers/").content.decode()
    assert client.get(f"/entry/carriers/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/entry/carriers/{theirs.pk}/delete/").status_code == 404
    response = client.post("/entry/carriers/new/", form(shidian))
    assert response.status_code == 200  # 施甸县 is not a choice: a form error
    assert not TrainingCarrier.objects.filter(org_unit=shidian).exclude(pk=theirs.pk).exists()

    reviewer = member(longling.parent, role="reviewer")
    client.force_login(reviewer)
    assert client.get(f"/entry/carriers/{theirs.pk}/edit/").status_code == 403
    assert client.get("/entry/carriers/new/").status_code == 403
