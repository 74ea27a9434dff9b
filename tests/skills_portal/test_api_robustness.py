"""Every list endpoint's query count is the same for 2 rows and for all of them; junk input to
every write endpoint is a 4xx, never a 500."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.models import CertificateFigure
from competitions.models import Award, Competition
from org.models import Department
from progress.models import RollupRequest, RollupRun
from progress.rollup import rollup_month
from targets.models import DataValue, Indicator
from tests.api_helpers import API, client_for, member, results
from training.models import TrainingCarrier, TrainingFigure

pytestmark = pytest.mark.django_db

LISTS = ["org-units", "departments", "indicators", "plans", "targets", "data-values",
         "progress", "rollup-runs", "rollup-requests", "training-figures", "training-carriers",
         "training-programmes", "certificate-figures", "competitions", "awards"]


@pytest.fixture
def many_rows(lucheng, longwan):
    manual = Indicator.objects.get(code="digital_talent")
    for i, unit in enumerate((lucheng, longwan)):
        Department.objects.bulk_create(
            [Department(org_unit=unit, name=f"测试局{n}", sector="other") for n in range(10)])
        for m in range(1, 13):
            period = dt.date(2021, m, 1)
            DataValue.objects.create(indicator=manual, org_unit=unit, period=period, value=m)
            TrainingFigure.objects.create(org_unit=unit, period=period, trained=10 + i,
                                          training_type="就业技能培训", target_group="企业职工")
            CertificateFigure.objects.create(org_unit=unit, period=period, count=3,
                                             certificate_type="职业技能等级证书",
                                             level="四级/中级工")
            TrainingCarrier.objects.create(name=f"基地{m}", carrier_type="公共实训基地",
                                           level="市级", org_unit=unit, established_on=period)
            contest = Competition.objects.create(
                name=f"竞赛{m}", level="县级", organiser_unit=unit, start_date=period,
                end_date=period)
            Award.objects.create(competition=contest, medal="金牌", recipient_kind="team",
                                 recipient_name=f"队{m}", org_unit=unit, awarded_on=period)
    for m in (4, 5, 6):  # roll-up requests, each with its run (#26)
        month = dt.date(2021, m, 1)
        request = RollupRequest.objects.create(first_month=month, last_month=month,
                                               months_total=1)
        rollup_month(month, request=request)
    assert RollupRun.objects.count() >= 3


@pytest.mark.parametrize("user_kind", ["superuser", "city_viewer", "county_clerk"])
def test_list_query_counts_do_not_depend_on_rows(many_rows, wenzhou, lucheng, user_kind):
    from tests.factories import UserFactory

    user = {"superuser": lambda: UserFactory(is_superuser=True),
            "city_viewer": lambda: member(wenzhou, role="viewer"),
            "county_clerk": lambda: member(lucheng)}[user_kind]()
    client = client_for(user)
    client.get(API + "org-units/")  # the session's first request loads the user
    for name in LISTS:
        counts, sizes = [], []
        for page_size in (2, 1000):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{API}{name}/", {"page_size": page_size})
            sizes.append(len(results(response)))
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1] <= 8, (name, counts, sizes)
        if name not in ("rollup-runs", "rollup-requests", "indicators") or \
                user_kind == "superuser":
            assert sizes[1] > sizes[0] or sizes[1] <= 2, (name, sizes)


JUNK = [
    {}, {"org_unit": "abc"}, {"org_unit": [1, 2]}, {"period": 202106}, {"period": "2021-00"},
    {"period": None}, {"value": "1e400"}, {"value": "NaN"}, {"value": "99999999999999999999"},
    {"trained": "1.5"}, {"trained": 2**70}, {"count": -3}, {"department": "x"},
    {"programme": 10**12}, {"competition": "none"}, {"awarded_on": "2021-02-30"},
    {"recipient_id_number": "1" * 40}, {"start_date": "yesterday"}, {"indicator": ["a"]},
    {"level": {"a": 1}}, {"established_on": "2021-13-01"}, {"name": "x" * 5000},
]


@pytest.mark.parametrize("name", ["data-values", "training-figures", "certificate-figures",
                                  "training-carriers", "competitions", "awards"])
def test_junk_input_is_never_a_500(lucheng, name):
    client = client_for(member(lucheng))
    base = {"org_unit": lucheng.pk, "organiser_unit": lucheng.pk, "period": "2021-06",
            "indicator": "digital_talent", "value": 1, "target_group": "企业职工",
            "training_type": "就业技能培训", "trained": 1, "certificate_type": "职业技能等级证书",
            "level": "四级/中级工", "count": 1, "name": "测试", "carrier_type": "公共实训基地",
            "established_on": "2021-06-01", "start_date": "2021-06-01",
            "end_date": "2021-06-02", "medal": "无", "honour_title": "技术能手",
            "honour_level": "县级", "recipient_kind": "team", "recipient_name": "队",
            "awarded_on": "2021-06-03"}
    for junk in JUNK:
        for payload in (junk, base | junk):
            response = client.post(f"{API}{name}/", payload, format="json")
            assert response.status_code < 500, (payload, response.content)
            if response.status_code == 400:
                assert response.json()
    # Not JSON at all, and a form post.
    response = client.post(f"{API}{name}/", "{not json", content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"{API}{name}/", {"org_unit": "x"})
    assert response.status_code < 500
    for params in ({"page": "999"}, {"page": "x"}, {"ordering": "nonexistent"},
                   {"period": "x"}, {"subtree_of": "abc"}, {"page_size": "-1"}):
        assert client.get(f"{API}{name}/", params).status_code < 500, params


HUGE = "100000000000000000000"  # past 64 bits: SQLite cannot bind it (found by fuzzing)


@pytest.mark.parametrize(("method", "url", "params"), [
    ("get", "bulletins/", {"org_unit": HUGE}),
    ("get", "training-programmes/", {"available_at": HUGE}),
    ("get", "audit/", {"batch": HUGE}),
    ("get", "targets/", {"year": "99999999"}),
    ("get", "competitions/", {"year": "99999999"}),
    ("post", "monthly-reports/submit/", {"org_unit": int(HUGE), "period": "2021-05"}),
    ("post", "monthly-reports/submit/", {"org_unit": "lucheng", "department": int(HUGE),
                                         "period": "2021-05"}),
])
def test_an_id_or_year_out_of_range_is_a_400_naming_the_field(lucheng, method, url, params):
    client = client_for(member(lucheng, role="admin"))
    params = {k: lucheng.pk if v == "lucheng" else v for k, v in params.items()}
    if method == "get":
        response = client.get(f"{API}{url}", params)
    else:
        response = client.post(f"{API}{url}", params, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) & (set(params) - {"period"})


@pytest.mark.parametrize("name", LISTS)
def test_the_browsable_api_renders_every_list(lucheng, name):
    """A browser (session auth) gets DRF's HTML pages, with the entry forms, from local
    static files."""
    response = client_for(member(lucheng)).get(f"{API}{name}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/rest_framework/" in html
    loaded = re.findall(r"""\ssrc=["']([^"']+)""", html)
    loaded += re.findall(r"""<link[^>]*\shref=["']([^"']+)""", html)
    assert loaded and all(u.startswith("/static/") for u in loaded), loaded
