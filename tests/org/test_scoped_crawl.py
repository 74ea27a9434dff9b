"""Scoping that cannot be forgotten, walked: every page a GET can open, as every demo role.

Starting from the home page and from every URL pattern that takes no argument, each role
follows the links its pages offer (at most a few pages per URL pattern, so a list of a
thousand targets is sampled, not walked whole). On the request path a scoped model's
queryset that reaches the database without `for_user` raises `UnscopedQueryError`
(org.scoping); any such page, and any server error, fails the test with its URL."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client

from bench.crawlkit import _kind, crawl
from demo.figures import generate_demo_figures
from demo.reports import generate_demo_reports
from demo.users import DEMO_USERS, create_demo_users
from progress.rollup import rollup_month

pytestmark = pytest.mark.django_db

ROLES = ["admin", *(user[0] for user in DEMO_USERS)]


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The demo as `scripts/serve` builds it (figures, reports, September rolled up), once for
    the module and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate_demo_figures()
        generate_demo_reports(as_of=dt.date(2025, 9, 1))
        rollup_month(dt.date(2025, 9, 1), trigger="test")
        create_demo_users("crawl-pass-2026")
        yield
        transaction.set_rollback(True)


@pytest.mark.crawl
@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_can_open_scopes_its_queries(username):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    visited, problems = crawl(client)
    assert problems == []
    # The walk reached the pages a role lives on: the portal's own and the API's, not just
    # the start.
    portal = [url for url in visited if _kind(urlsplit(url).path) == 0]
    api = [url for url in visited if _kind(urlsplit(url).path) == 1]
    assert len(portal) >= 25 and len(api) >= 20, visited
