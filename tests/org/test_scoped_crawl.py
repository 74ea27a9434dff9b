"""Scoping that cannot be forgotten, walked: every page a GET can open, as every demo role.

Starting from the home page and from every URL pattern that takes no argument, each role
follows the links its pages offer (at most a few pages per URL pattern, so a list of a
thousand targets is sampled, not walked whole). On the request path a scoped model's
queryset that reaches the database without `for_user` raises `UnscopedQueryError`
(org.scoping); any such page, and any server error, fails the test with its URL."""

import datetime as dt
import re
from collections import Counter, deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from demo.figures import generate_demo_figures
from demo.reports import generate_demo_reports
from demo.users import DEMO_USERS, create_demo_users
from org.scoping import UnscopedQueryError
from progress.rollup import rollup_month

pytestmark = pytest.mark.django_db

ROLES = ["admin", *(user[0] for user in DEMO_USERS)]
PAGES_PER_PATTERN = 2
PAGES_PER_ROLE = 260
HREF = re.compile(r'href="([^"#][^"]*)"')
# Not pages: leaving the session, switching language (a POST form's target), static files.
SKIPPED = ("/accounts/logout/", "/i18n/", "/static/", "/api/v1/docs/", "/api/v1/redoc/")


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


def _plain_paths(patterns, prefix=""):
    """Every URL pattern without an argument, as a path (a router's `^targets/$` included)."""
    for entry in patterns:
        route = str(entry.pattern)
        if "<" in route or "(" in route or "\\" in route:
            continue
        route = route.removeprefix("^").removesuffix("$")
        if isinstance(entry, URLResolver):
            yield from _plain_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + (prefix + route).lstrip("/")


def _pattern(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def _kind(path: str) -> int:
    """Walk order: the portal's pages, then the API, then the admin."""
    return 2 if path.startswith("/admin/") else 1 if path.startswith("/api/") else 0


def _links(response, path: str) -> list[str]:
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("text/html"):
        return [urldefrag(unescape(href))[0] for href in HREF.findall(response.content.decode())]
    if content_type.startswith("application/json"):
        # A list endpoint's first rows, opened as the router's detail URLs.
        data = response.json()
        rows = data.get("results", []) if isinstance(data, dict) else data
        rows = rows if isinstance(rows, list) else []
        return [f"{path}{row['id']}/" for row in rows[:PAGES_PER_PATTERN]
                if isinstance(row, dict) and "id" in row]
    return []


def crawl(client: Client, on_page=None) -> tuple[list[str], list[tuple[str, str]]]:
    """Walk the pages a client can open. `on_page(url, response)`, when given, sees every
    response (tests that read the pages themselves)."""
    queues = (deque(), deque(), deque())
    for start in ["/", *sorted(set(_plain_paths(get_resolver().url_patterns)))]:
        queues[_kind(start)].append(start)
    seen, per_pattern = set(), Counter()
    visited, problems = [], []
    while any(queues) and len(visited) < PAGES_PER_ROLE:
        url = next(queue for queue in queues if queue).popleft()
        path = urlsplit(url).path
        pattern = _pattern(path)
        if url in seen or pattern is None or path.startswith(SKIPPED) \
                or per_pattern[pattern] >= PAGES_PER_PATTERN:
            continue
        seen.add(url)
        per_pattern[pattern] += 1
        try:
            response = client.get(url)
        except UnscopedQueryError as exc:
            problems.append((url, str(exc)))
            continue
        visited.append(url)
        if on_page is not None:
            on_page(url, response)
        if response.status_code >= 500:
            problems.append((url, f"HTTP {response.status_code}"))
        if response.status_code == 200:
            for link in _links(response, path):
                if link.startswith("/") and not link.startswith("//") and link not in seen:
                    queues[_kind(link)].append(link)
    return visited, problems


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
