"""With Redis unreachable every page answers (issue #19): the walk of every page the
administrator can open (tests/org/test_scoped_crawl.py, on the demo) with the cache pointed at
a port nothing listens on. No page may fail; the cache was asked and missed."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from bench.crawlkit import crawl
from skills_portal.cache import _reset_log_clock
from tests.faults.test_redis_down import DEAD_CACHE
from tests.org.test_scoped_crawl import demo  # noqa: F401 (demo: the module's demo)

pytestmark = pytest.mark.django_db


@pytest.mark.crawl
def test_faults_every_page_answers_with_redis_down(caplog):
    _reset_log_clock()
    caplog.set_level(logging.WARNING, logger="skills_portal.cache")
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    statuses = {}
    with override_settings(CACHES=DEAD_CACHE):
        visited, problems = crawl(client, on_page=lambda url, r: statuses.__setitem__(
            url, r.status_code))
    assert problems == []
    assert len(visited) >= 40
    assert all(code < 500 for code in statuses.values())
    assert sum(code == 200 for code in statuses.values()) >= 40
    assert any("Cache unreachable" in r.getMessage() for r in caplog.records)
