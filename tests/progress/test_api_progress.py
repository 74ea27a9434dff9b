"""/api/v1/progress/ and /api/v1/rollup-runs/: rows, filters, scope and bounded queries."""

import datetime as dt
from decimal import Decimal

import pytest

from progress.models import ProgressSnapshot
from progress.rollup import rollup_month
from targets.models import Target
from tests.api_helpers import (
    API,
    annex_target,
    client_for,
    everything,
    member,
    results,
    wenzhou_department,
)
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

JUNE = dt.date(2021, 6, 1)
URL = API + "progress/"


def train(unit, period, n, **kw):
    defaults = {"training_type": "就业技能培训", "target_group": "企业职工"}
    TrainingFigure.objects.create(org_unit=unit, period=period, trained=n, **(defaults | kw))


@pytest.fixture
def june(lucheng, longwan):
    train(lucheng, dt.date(2021, 3, 1), 2000)
    train(lucheng, JUNE, 1000)
    train(longwan, JUNE, 500)
    rollup_month(JUNE)
    return JUNE


def test_row_carries_the_documented_fields(june, lucheng):
    clerk = member(lucheng)
    rows = everything(client_for(clerk), URL, {"plan": "wenzhou-2021", "period": "2021-06",
                                               "org_unit": lucheng.pk,
                                               "indicator": "training_person_times"})
    assert len(rows) == 1
    row = rows[0]
    target = annex_target("鹿城区")
    snap = ProgressSnapshot.objects.get(target=target, period=june)
    assert row["month"] == "2021-06"
    assert row["org_unit"] == {"id": lucheng.pk, "code": lucheng.code, "name": "鹿城区"}
    assert row["indicator"] == {"code": "training_person_times", "name": "职业技能培训人次",
                                "unit": "人次"}
    assert row["target"] == target.pk and row["plan"] == "wenzhou-2021"
    assert row["target_value"] == 12000
    assert row["actual"] == 3000  # year to date: March and June
    assert Decimal(str(row["completion_rate"])) == snap.completion_rate
    assert Decimal(str(row["time_progress"])) == snap.time_progress == Decimal("0.5")
    assert Decimal(str(row["gap_to_target"])) == snap.gap_to_target
    assert Decimal(str(row["gap_to_time"])) == snap.gap_to_time
    assert row["status"] == snap.status
    assert row["status_label"] == snap.get_status_display()
    assert row["is_soft"] is False
    assert row["rank"] == snap.rank and row["rank_of"] == snap.rank_of
    assert row["rank_of"] == 14  # 14 counties and functional areas of annex 1


def test_county_clerk_sees_own_and_context_never_the_sibling(june, lucheng, longwan, wenzhou):
    clerk = member(lucheng)
    rows = everything(client_for(clerk), URL, {"period": "2021-06"})
    units = {r["org_unit"]["name"] for r in rows}
    assert "鹿城区" in units and "温州市" in units
    assert "龙湾区" not in units
    assert not any(r["plan"] == "ningxia-2021" for r in rows)
    # Asking for the sibling explicitly is refused (not an empty success that hides why).
    response = client_for(clerk).get(URL, {"org_unit": longwan.pk})
    assert response.status_code == 400
    assert "org_unit" in response.json()
    # A sibling's row by id is a 404.
    theirs = ProgressSnapshot.objects.get(target=annex_target("龙湾区"), period=june)
    assert client_for(clerk).get(f"{URL}{theirs.pk}/").status_code == 404


def test_filters(june, wenzhou, lucheng, longwan):
    admin = member(wenzhou, role="admin")
    client = client_for(admin)
    subtree = everything(client, URL, {"subtree_of": lucheng.pk})
    assert subtree and {r["org_unit"]["name"] for r in subtree} == {"鹿城区"}
    city = everything(client, URL, {"org_unit": wenzhou.pk, "plan": "wenzhou-2021"})
    assert city and {r["org_unit"]["id"] for r in city} == {wenzhou.pk}
    by_indicator = everything(client, URL, {"indicator": "training_person_times",
                                            "subtree_of": wenzhou.pk})
    assert {r["indicator"]["code"] for r in by_indicator} == {"training_person_times"}
    assert len(by_indicator) == Target.objects.filter(
        indicator__code="training_person_times", org_unit__in=wenzhou.subtree(),
        period_start__lte=june, period_end__gte=june).count()
    statuses = {r["status"] for r in by_indicator}
    for status in statuses:
        rows = everything(client, URL, {"status": status, "subtree_of": wenzhou.pk})
        assert rows and {r["status"] for r in rows} == {status}
    emergency = wenzhou_department("市应急管理局")
    rows = everything(client, URL, {"department": emergency.pk})
    assert rows and {r["department"]["id"] for r in rows} == {emergency.pk}
    # Month range.
    rollup_month(dt.date(2021, 5, 1))
    both = everything(client, URL, {"org_unit": lucheng.pk, "period_after": "2021-05",
                                    "period_before": "2021-06"})
    assert {r["month"] for r in both} == {"2021-05", "2021-06"}
    may = everything(client, URL, {"org_unit": lucheng.pk, "period_before": "2021-05"})
    assert {r["month"] for r in may} == {"2021-05"}
    ordered = everything(client, URL, {"plan": "wenzhou-2021", "period": "2021-06",
                                       "indicator": "training_person_times",
                                       "ordering": "-completion_rate"})
    rates = [r["completion_rate"] for r in ordered if r["completion_rate"] is not None]
    assert rates == sorted(rates, reverse=True)


@pytest.mark.parametrize("bad", ["2021-13", "June", "2021/06", "2021-06-31"])
def test_a_bad_month_is_a_400_in_chinese(june, wenzhou, bad):
    response = client_for(member(wenzhou)).get(URL, {"period": bad})
    assert response.status_code == 400
    assert "YYYY-MM" in response.json()["period"][0]
    assert "月份" in response.json()["period"][0]


def test_partner_department_sees_only_its_sector(june, wenzhou):
    emergency = wenzhou_department("市应急管理局")
    user = member(wenzhou, department=emergency)
    rows = everything(client_for(user), URL, {"plan": "wenzhou-2021"})
    assert rows
    departments = {r["department"]["name"] if r["department"] else None for r in rows}
    assert departments <= {"市应急管理局", None}
    assert "市应急管理局" in departments
    # Unit rows it sees are the city's own (context), never a county's.
    assert {r["org_unit"]["name"] for r in rows if r["department"] is None} <= {"温州市"}


def test_list_query_count_does_not_grow_with_rows(lucheng, wenzhou,
                                                  django_assert_max_num_queries):
    admin = member(wenzhou, role="admin")
    client = client_for(admin)
    train(lucheng, JUNE, 100)
    rollup_month(JUNE)
    small = everything(client, URL, {"subtree_of": lucheng.pk})
    for month in range(1, 6):
        rollup_month(dt.date(2021, month, 1))
    large = everything(client, URL, {"plan": "wenzhou-2021"})
    assert len(large) > 5 * len(small) > 0
    for params in ({"subtree_of": lucheng.pk}, {"plan": "wenzhou-2021"},
                   {"plan": "wenzhou-2021", "period_after": "2021-02", "status": "behind"}):
        with django_assert_max_num_queries(8):
            client.get(URL, dict(params, page_size=1000))


def test_rollup_runs_are_listed_for_members_only(june, wenzhou):
    rows = results(client_for(member(wenzhou, role="viewer")).get(API + "rollup-runs/"))
    assert rows[0]["period"] == "2021-06" and rows[0]["status"] == "succeeded"
    assert rows[0]["rows_written"] > 0
    outsider = client_for(member_less())
    assert results(outsider.get(API + "rollup-runs/")) == []
    assert results(outsider.get(URL)) == []


def member_less():
    from tests.factories import UserFactory

    return UserFactory()


def test_anonymous_is_refused():
    from rest_framework.test import APIClient

    response = APIClient().get(URL)
    assert response.status_code in (401, 403)


def test_fast_rows_equal_the_declared_fields(june, wenzhou):
    """The progress serializer builds rows directly for speed; they must equal what its
    declared fields (the OpenAPI schema) give."""
    import json

    from rest_framework.utils.encoders import JSONEncoder

    from progress.api.serializers import ProgressSnapshotSerializer
    from progress.api.views import ProgressViewSet

    serializer = ProgressSnapshotSerializer()
    rows = list(ProgressViewSet().scoped_queryset(member(wenzhou)))
    assert any(r.target.department_id for r in rows) and any(r.completion_rate for r in rows)
    for row in rows:
        fast = serializer.to_representation(row)
        declared = super(ProgressSnapshotSerializer, serializer).to_representation(row)
        assert json.dumps(fast, cls=JSONEncoder) == json.dumps(declared, cls=JSONEncoder)
