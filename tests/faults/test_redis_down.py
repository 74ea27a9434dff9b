"""Redis unreachable (issue #19): the cache fails open and the request path never waits on the
broker. Redis is 'down' here by pointing at a port nothing listens on, on a healthy machine."""

from __future__ import annotations

import datetime as dt
import logging
import socket

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from skills_portal.cache import FailOpenRedisCache, _reset_log_clock
from skills_portal.celery import app
from tests.cascade import build_cascade
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dead_redis_url() -> str:
    return f"redis://127.0.0.1:{closed_port()}/0"


DEAD_CACHE = {
    "default": {
        "BACKEND": "skills_portal.cache.FailOpenRedisCache",
        "LOCATION": dead_redis_url(),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def dead_cache(caplog):
    _reset_log_clock()
    caplog.set_level(logging.WARNING, logger="skills_portal.cache")
    with override_settings(CACHES=DEAD_CACHE):
        yield cache
    _reset_log_clock()


@pytest.fixture
def dead_broker():
    """The Celery app sends to a broker nobody listens on, as a request does in production."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}

    def fresh_pools():
        # Connections are pooled per broker URL, in kombu's process-wide registries: empty
        # them, so the next send connects to the broker now configured through new pools
        # (closing a pool but leaving it registered would hand the next send a closed pool).
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(broker_url=dead_redis_url(), task_always_eager=False)
    fresh_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        fresh_pools()


def test_faults_cache_reads_miss_and_writes_drop_when_redis_is_down(dead_cache):
    assert cache.get("k") is None
    assert cache.get("k", "默认") == "默认"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    cache.set("k", 1)  # dropped, not raised
    cache.set_many({"a": 1})
    cache.delete_many(["a"])
    with pytest.raises(ValueError):
        cache.incr("k")


def test_faults_cache_outage_is_logged_once_not_per_call(dead_cache, caplog):
    for _ in range(5):
        cache.get("k")
        cache.set("k", 1)
    warnings = [r for r in caplog.records if r.name == "skills_portal.cache"]
    assert len(warnings) == 1
    assert "Cache unreachable" in warnings[0].getMessage()


def test_faults_cache_timeouts_are_short_in_settings():
    from django.conf import settings
    assert settings.REDIS_TIMEOUT_SECONDS <= 0.5
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 0.5
    assert settings.CELERY_TASK_PUBLISH_RETRY is False


def test_faults_a_fail_open_cache_still_works_when_redis_is_up():
    from django.conf import settings
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the test script sets it)")
    live = FailOpenRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "faults-test"})
    live.set("k", {"值": 1}, 30)
    assert live.get("k") == {"值": 1}
    assert live.incr("n", 1) if live.add("n", 0) else True
    live.delete_many(["k", "n"])


def test_faults_dashboard_answers_200_with_the_cache_down(dead_cache, caplog):
    build_cascade()
    client = APIClient()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/api/v1/dashboard/", {"plan": "cascade-province"})
    assert response.status_code == 200, response.content[:300]
    again = client.get("/api/v1/dashboard/", {"plan": "cascade-province"})
    assert again.status_code == 200
    assert again.json() == response.json()
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert any("Cache unreachable" in r.getMessage() for r in caplog.records)  # it was asked


def test_faults_roll_up_sweep_request_survives_a_dead_broker(dead_broker):
    from progress.models import RollupMark
    from progress.services import mark_for_rollup, request_sweep
    from tests.factories import OrgUnitFactory

    unit = OrgUnitFactory()
    mark_for_rollup(pairs=[(unit.pk, dt.date(2025, 9, 1))])
    request_sweep()  # logged, not raised
    assert RollupMark.objects.filter(org_unit=unit).exists()  # the mark waits for the sweep


def test_faults_large_import_runs_in_the_request_when_the_broker_is_down(
        dead_broker, settings, django_capture_on_commit_callbacks, caplog):
    from imports.choices import ImportStatus
    from imports.services import upload
    from tests.xlsx_corpus import training

    settings.IMPORT_ASYNC_BYTES = 0  # every file goes "to the worker"
    user = UserFactory(is_superuser=True, is_staff=True)
    data = training(["不存在的县", "2025-09", "城乡劳动者", "就业技能培训", "", "是", 5, 5, 5, 1])
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(user=user, kind="training", basis="month", file_name="月报.xlsx",
                       data=data)
    batch.refresh_from_db()
    assert batch.status != ImportStatus.RUNNING, batch.message  # answered, not left waiting
    assert batch.status == ImportStatus.PREVIEWED or batch.error_count, batch.message
    assert any("Broker unreachable" in r.getMessage() for r in caplog.records)
