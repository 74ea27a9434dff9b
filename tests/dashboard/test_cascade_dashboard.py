"""#16 part 3: the governing target of each unit on a plan's dashboard. On the synthetic
cascade (tests/cascade.py) the province's plan decomposes 40,000 to 甲市, whose own plan
commits 48,000 from 2022; 乙市 has only its own 20,000 from 2023. In June 2024:

    甲市 reported 27,000 (2023-03): against the share 67.5% (序时 70%: 正常),
                                     against its own 56.25% (序时 62.5%: 滞后)
    乙市 reported 13,000 (2024-01): against its own 65% (序时 50%: 超序时)
"""

import datetime as dt
import io
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from dashboard.selectors import forget_cached_answers
from dashboard.services import issue_bulletin
from dashboard.views import _labels
from org.models import Membership
from progress.choices import ProgressStatus
from progress.models import ProgressSnapshot
from progress.rollup import rollup_month
from targets.models import DataValue
from tests.cascade import build_cascade
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/"
JUNE = dt.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    forget_cached_answers()


@pytest.fixture
def cascade():
    c = build_cascade()
    for unit, month, value in (("a", dt.date(2023, 3, 1), 27_000),
                               ("b", dt.date(2024, 1, 1), 13_000)):
        DataValue.unscoped.create(indicator=c.indicator, org_unit=c.units[unit], period=month,
                                  value=value)
    rollup_month(JUNE, trigger="test")
    return c


def member(unit, role="viewer"):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=unit, role=role)
    client = APIClient()
    client.force_authenticate(user)
    return client


def board(client, c, unit="province", **extra):
    response = client.get(URL, {"plan": "cascade-province", "unit": c.units[unit].pk,
                                "month": "2024-06", **extra})
    assert response.status_code == 200, response.content
    return response.json()


def rows_by_unit(data):
    [series] = data["series"]
    return {r["unit"]["name"]: r for r in series["rows"]}


def snapshot(target):
    return ProgressSnapshot.unscoped.get(target=target, period=JUNE)


def test_cascade_province_row_shows_the_share_and_the_citys_own_commitment(cascade):
    data = board(member(cascade.units["province"]), cascade)
    assert data["basis"] == "plan"
    a = rows_by_unit(data)["甲市"]
    assert a["governing_target"] == a["target_id"] == cascade.targets["share_a"].pk
    assert (a["source"], a["source_label"]) == ("plan", "本方案分解")
    assert (a["plan_target"], a["own_target"], a["target"]) == (40_000, 48_000, 40_000)
    assert a["completion_rate"] == pytest.approx(0.675)
    assert a["status"] == ProgressStatus.ON_PACE
    other = a["other"]
    assert other["target_id"] == cascade.targets["a"].pk
    assert (other["source"], other["source_label"]) == ("own", "甲市方案 测〔2022〕cascade-a号")
    assert other["target"] == 48_000 and other["status"] == ProgressStatus.BEHIND
    assert data["series"][0]["has_both"] is True
    # The series is the province target's window, whatever the city's own window.
    assert data["series"][0]["window"] == cascade.targets["share_a"].window_label
    assert data["series"][0]["time_progress"] == pytest.approx(0.7)


def test_cascade_a_unit_without_a_share_is_governed_by_its_own_commitment(cascade):
    b = rows_by_unit(board(member(cascade.units["province"]), cascade))["乙市"]
    t_b = cascade.targets["b"]
    s = snapshot(t_b)
    assert b["governing_target"] == t_b.pk
    assert (b["source"], b["source_label"]) == ("own", "乙市方案 测〔2022〕cascade-b号")
    assert (b["plan_target"], b["own_target"], b["target"]) == (None, 20_000, 20_000)
    assert b["other"] is None
    # Judged against its own window (2023–2025), from its own snapshot.
    assert Decimal(str(b["completion_rate"])) == s.completion_rate == Decimal("0.65")
    assert Decimal(str(b["time_progress"])) == s.time_progress == Decimal("0.5")
    assert b["status"] == s.status == ProgressStatus.AHEAD


def test_cascade_basis_own_switches_the_governing_target_and_its_status(cascade):
    client = member(cascade.units["province"])
    a = rows_by_unit(board(client, cascade, basis="own"))["甲市"]
    t_a = cascade.targets["a"]
    assert a["governing_target"] == t_a.pk and a["source"] == "own"
    assert a["source_label"] == "甲市方案 测〔2022〕cascade-a号"
    assert (a["plan_target"], a["own_target"], a["target"]) == (40_000, 48_000, 48_000)
    assert Decimal(str(a["completion_rate"])) == snapshot(t_a).completion_rate
    assert a["status"] == ProgressStatus.BEHIND
    assert (a["other"]["source"], a["other"]["target"]) == ("plan", 40_000)
    assert a["other"]["status"] == ProgressStatus.ON_PACE
    # 乙市 has only its own: the same under both bases.
    b_plan = rows_by_unit(board(client, cascade))["乙市"]
    b_own = rows_by_unit(board(client, cascade, basis="own"))["乙市"]
    assert b_plan["governing_target"] == b_own["governing_target"] == cascade.targets["b"].pk


def test_cascade_ranks_follow_the_governing_targets(cascade):
    client = member(cascade.units["province"])
    by_plan = rows_by_unit(board(client, cascade))
    assert (by_plan["甲市"]["rank"], by_plan["乙市"]["rank"]) == (1, 2)  # 67.5% > 65%
    assert by_plan["甲市"]["rank_of"] == 2
    by_own = rows_by_unit(board(client, cascade, basis="own"))
    assert (by_own["乙市"]["rank"], by_own["甲市"]["rank"]) == (1, 2)  # 65% > 56.25%
    [series] = board(client, cascade, basis="own")["series"]
    assert [r["unit"]["name"] for r in series["rows"]] == ["乙市", "甲市"]


def test_cascade_laggards_follow_the_governing_targets(cascade):
    client = member(cascade.units["province"])
    assert board(client, cascade)["laggards"] == []
    laggards = board(client, cascade, basis="own")["laggards"]
    assert [(r["unit"]["name"], r["source"], r["status"]) for r in laggards] == [
        ("甲市", "own", ProgressStatus.BEHIND)]


def test_cascade_drill_down_reaches_a_countys_commitment_through_the_chain(cascade):
    data = board(member(cascade.units["province"]), cascade, unit="a")
    [headline] = data["headline"]
    assert headline["target_id"] == cascade.targets["share_a"].pk
    assert headline["own_target"] == 48_000 and headline["other"]["target_id"] == \
        cascade.targets["a"].pk
    # 甲市一县's target implements 甲市's, which implements the province's: two links.
    county = rows_by_unit(data)["甲市一县"]
    assert county["governing_target"] == cascade.targets["a1"].pk
    assert (county["source"], county["own_target"]) == ("own", 30_000)
    assert county["source_label"] == "甲市一县方案 测〔2022〕cascade-a1号"


def test_cascade_units_with_only_their_own_commitment_are_drill_down_links(cascade):
    data = board(member(cascade.units["province"]), cascade)
    assert {c["name"] for c in data["children"]} == {"甲市", "乙市"}


def test_cascade_a_city_user_sees_only_their_subtree(cascade):
    client = member(cascade.units["a"])
    data = board(client, cascade)
    assert set(rows_by_unit(data)) == {"甲市"}
    assert {c["name"] for c in data["children"]} == {"甲市"}
    assert client.get(URL, {"plan": "cascade-province", "unit": cascade.units["b"].pk,
                            "month": "2024-06"}).status_code == 404
    data = board(client, cascade, unit="a", basis="own")
    assert set(rows_by_unit(data)) == {"甲市一县"}


def count_queries(client, params):
    forget_cached_answers()
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_cascade_query_count_is_unchanged(cascade):
    client = member(cascade.units["province"])
    params = {"plan": "cascade-province", "month": "2024-06"}
    count_queries(client, params)  # the first request of a process loads what it keeps
    province = count_queries(client, {**params, "unit": cascade.units["province"].pk})
    own = count_queries(client, {**params, "unit": cascade.units["province"].pk, "basis": "own"})
    city = count_queries(client, {**params, "unit": cascade.units["a"].pk})
    # A plan no other plan implements costs the same.
    county_plan = count_queries(client, {"plan": "cascade-a1", "month": "2024-06",
                                         "unit": cascade.units["甲市一县"].pk})
    # A county (no series below) asks once more, for its own units below (units_own).
    assert province == own == city <= 9 and county_plan <= province + 1


def test_cascade_bad_basis_is_a_400_naming_the_field(cascade):
    response = member(cascade.units["province"]).get(
        URL, {"plan": "cascade-province", "basis": "mine"})
    assert response.status_code == 400 and "basis" in response.json()


def test_cascade_rollup_snapshots_every_implementing_target(cascade):
    rolled = set(ProgressSnapshot.unscoped.filter(period=JUNE).values_list("target_id",
                                                                           flat=True))
    assert {t.pk for t in cascade.targets.values()} <= rolled


LATIN = re.compile(r"(?<![0-9A-Za-z*_])[A-Za-z]{2,}(?![0-9A-Za-z*])")
ALLOWED = {"api", "excel"}


def test_cascade_page_renders_in_chinese(cascade, client):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=cascade.units["province"], role="viewer")
    client.force_login(user)
    page = client.get("/dashboard/?plan=cascade-province&basis=own",
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    visible = re.sub(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", " ", html, flags=re.S)
    words = {w.lower() for w in LATIN.findall(unescape(visible))} - ALLOWED
    assert not words
    # The words the script prints, the switch's among them.
    labels = json.loads(re.search(r'id="dash-labels"[^>]*>(.*?)</script>', html, re.S)[1])
    assert labels["basis_plan"] == "按上级分解" and labels["basis_own"] == "按本级承诺"
    assert labels["source"] == "来源"
    printed = [re.sub(r"%\(\w+\)s", "", v) for v in labels.values()]  # placeholders
    assert not {w.lower() for v in printed for w in LATIN.findall(v)} - ALLOWED
    with translation.override("zh-hans"):
        assert set(_labels()) == set(labels)


def test_cascade_bulletin_and_its_workbook_name_each_rows_source(cascade, client):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=cascade.units["province"], role="reviewer")
    bulletin = issue_bulletin(user=user, plan=cascade.plans["province"],
                              org_unit=cascade.units["province"], month=JUNE)
    [series] = bulletin.content["series"]
    assert {r["unit"]["name"]: r["source_label"] for r in series["rows"]} == {
        "甲市": "本方案分解", "乙市": "乙市方案 测〔2022〕cascade-b号"}
    client.force_login(user)
    page = client.get(f"/dashboard/bulletins/{bulletin.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "来源" in page.content.decode() and "乙市方案 测〔2022〕cascade-b号" in \
        page.content.decode()
    response = client.get(f"/dashboard/bulletins/{bulletin.pk}/xlsx/",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r[0] == "单位")
    assert header[11] == "来源"
    by_unit = {}
    for r in rows:  # the ranking's rows, not the early warnings' further down
        if r[0] in ("甲市", "乙市"):
            by_unit.setdefault(r[0], r)
    assert by_unit["乙市"][4] == 20_000 and by_unit["乙市"][11] == "乙市方案 测〔2022〕cascade-b号"
    assert by_unit["甲市"][4] == 40_000 and by_unit["甲市"][11] == "本方案分解"


def test_cascade_a_unit_without_a_share_opens_on_its_own_commitment(cascade):
    data = board(member(cascade.units["province"]), cascade, unit="b")
    [headline] = data["headline"]
    assert headline["governing_target"] == cascade.targets["b"].pk
    assert (headline["source"], headline["source_label"], headline["own_target"]) == (
        "own", "乙市方案 测〔2022〕cascade-b号", 20_000)
    assert data["series"] == [] and data["laggards"] == []
