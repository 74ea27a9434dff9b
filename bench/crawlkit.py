"""Walking every page a client can open (the scoped-crawl tests and bench/pages_bench.py).

Starting from the home page and from every URL pattern that takes no argument, a client
follows the links its pages offer — HTML links, and a JSON list's first rows opened as the
router's detail URLs — at most a few pages per URL pattern, so a list of a thousand targets is
sampled, not walked whole."""

from __future__ import annotations

import re
from collections import Counter, deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from org.scoping import UnscopedQueryError

PAGES_PER_PATTERN = 2
PAGES_PER_ROLE = 260
HREF = re.compile(r'href="([^"#][^"]*)"')
# Not pages: leaving the session, switching language (a POST form's target), static files.
SKIPPED = ("/accounts/logout/", "/i18n/", "/static/", "/api/v1/docs/", "/api/v1/redoc/")


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


def crawl(client: Client, on_page=None, *, per_pattern: int = PAGES_PER_PATTERN,
          per_role: int = PAGES_PER_ROLE) -> tuple[list[str], list[tuple[str, str]]]:
    """Walk the pages a client can open. `on_page(url, response)`, when given, sees every
    response (tests that read the pages themselves)."""
    queues = (deque(), deque(), deque())
    for start in ["/", *sorted(set(_plain_paths(get_resolver().url_patterns)))]:
        queues[_kind(start)].append(start)
    seen, seen_per_pattern = set(), Counter()
    visited, problems = [], []
    while any(queues) and len(visited) < per_role:
        url = next(queue for queue in queues if queue).popleft()
        path = urlsplit(url).path
        pattern = _pattern(path)
        if url in seen or pattern is None or path.startswith(SKIPPED) \
                or seen_per_pattern[pattern] >= per_pattern:
            continue
        seen.add(url)
        seen_per_pattern[pattern] += 1
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
