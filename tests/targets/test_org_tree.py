"""The org tree one level at a time (#21): the user's own units and the level below them, a
unit's children on demand, a search listing each match with its path; the same number of
queries at every level."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_helpers import member
from tests.conftest import unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("tree-admin", password="x-tree-admin-1")
    client.force_login(user)
    return user


def test_the_tree_opens_on_the_top_and_the_level_below_it(client, superuser):
    html = client.get("/units/").content.decode()
    assert "全国" in html and "浙江省" in html and "云南省" in html
    assert "温州市" not in html and "鹿城区" not in html  # further down: on demand


def test_a_units_children_are_listed_on_demand_with_the_path_above(client, superuser, wenzhou):
    html = client.get(f"/units/?parent={wenzhou.pk}").content.decode()
    assert "鹿城区" in html and "龙湾区" in html and "云南省" not in html
    zhejiang = wenzhou.parent
    assert f'<a href="?parent={zhejiang.pk}">浙江省</a>' in html


def test_a_search_lists_each_match_with_its_path(client, superuser):
    html = client.get("/units/", {"q": "龙陵"}).content.decode()
    assert "龙陵县" in html and "全国 / 云南省 / 保山市" in html


def test_a_clerk_opens_on_their_own_unit_not_the_nation(client, lucheng):
    client.force_login(member(lucheng))
    html = client.get("/units/").content.decode()
    assert "鹿城区" in html and "云南省" not in html
    assert client.get(f"/units/?parent={unit('全国/云南省').pk}").status_code == 404


def test_every_level_of_the_tree_costs_the_same_queries(client, superuser, wenzhou):
    client.get(f"/units/?parent={wenzhou.parent.pk}")
    with CaptureQueriesContext(connection) as province:
        client.get(f"/units/?parent={wenzhou.parent.pk}")
    with CaptureQueriesContext(connection) as city:
        client.get(f"/units/?parent={wenzhou.pk}")
    assert len(province) == len(city)
    assert client.get("/units/?parent=abc").status_code == 200
