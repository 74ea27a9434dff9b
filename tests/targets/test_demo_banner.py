"""The demo banner only where demo figures show (#26): on the pages that show figures or what
is computed from them, for a user whose units hold demo figures; never on set-up pages, nor
for a user whose units hold only real entries."""

from __future__ import annotations

import time

import pytest

from targets.models import DataValue, Indicator
from tests.api_helpers import member
from tests.conftest import unit

pytestmark = pytest.mark.django_db

BANNER = "演示数据"


@pytest.fixture
def demo_in_longling():
    return DataValue.unscoped.create(
        indicator=Indicator.unscoped.filter(source="manual", kind="stock").first(),
        org_unit=unit("全国/云南省/保山市/龙陵县"), period="2025-06-01", value=5, is_demo=True)


def page(client, user, path):
    client.force_login(user)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, path
    return response.content.decode()


def test_demo_banner_shows_on_the_dashboard_of_a_unit_holding_demo_figures(client,
                                                                          demo_in_longling):
    clerk = member(unit("全国/云南省/保山市/龙陵县"), role="viewer")
    assert BANNER in page(client, clerk, "/dashboard/")
    assert BANNER in page(client, clerk, "/reporting/")


def test_demo_banner_is_not_on_set_up_pages(client, demo_in_longling):
    clerk = member(unit("全国/云南省/保山市/龙陵县"), role="viewer")
    for path in ("/", "/plans/", "/decompositions/", "/units/", "/imports/", "/targets/"):
        assert BANNER not in page(client, clerk, path), path


def test_demo_banner_is_not_shown_where_the_users_units_hold_only_real_figures(client,
                                                                               demo_in_longling):
    wenzhou = member(unit("全国/浙江省/温州市"), role="viewer")
    assert BANNER not in page(client, wenzhou, "/dashboard/")
    assert BANNER not in page(client, wenzhou, "/reporting/")


def test_demo_banner_answer_is_remembered_for_a_while_then_asked_again(client, demo_in_longling,
                                                                       monkeypatch):
    """Asked on every figure page, the answer is kept per user for DEMO_MEMO_SECONDS."""
    from skills_portal import memo
    from targets import context_processors

    clerk = member(unit("全国/云南省/保山市/龙陵县"), role="viewer")
    assert BANNER in page(client, clerk, "/dashboard/")
    DataValue.unscoped.filter(is_demo=True).delete()
    assert BANNER in page(client, clerk, "/dashboard/")  # remembered
    later = time.monotonic() + context_processors.DEMO_MEMO_SECONDS + 1
    monkeypatch.setattr(memo.time, "monotonic", lambda: later)
    assert BANNER not in page(client, clerk, "/dashboard/")
