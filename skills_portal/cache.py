"""The portal's cache backends: a Redis cache that fails open (issue #19), and a file cache
the embedded default's server processes share (issue #25).

The portal caches only what it can compute again (dashboard payloads, import progress), so
when Redis is unreachable every page must answer as if the cache were empty: reads miss,
writes are dropped. The outage is logged at most once a minute, not once per request, and
each call waits no longer than the short socket timeouts set in settings."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds between two log lines about the same outage.
LOG_EVERY = 60.0

_lock = threading.Lock()
_last_logged = 0.0


def _log_outage(operation: str, error: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    with _lock:
        if now - _last_logged < LOG_EVERY:
            return
        _last_logged = now
    logger.warning("Cache unreachable (%s: %s); answering as if it were empty.",
                   operation, error)


def _reset_log_clock() -> None:
    """For tests: the next outage logs again."""
    global _last_logged
    with _lock:
        _last_logged = 0.0


class FailOpenRedisCache(RedisCache):
    """RedisCache whose every operation, when Redis cannot be reached, behaves as on an empty
    cache: get → default, get_many → {}, add/set/touch/delete → False, has_key → False,
    incr/decr → ValueError as for a missing key (Django's contract)."""

    def _safe(self, operation, fallback, call):
        try:
            return call()
        except (RedisError, OSError) as error:
            _log_outage(operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._safe("get", default, lambda: super(FailOpenRedisCache, self).get(
            key, default, version))

    def get_many(self, keys, version=None):
        return self._safe("get_many", {}, lambda: super(FailOpenRedisCache, self).get_many(
            keys, version))

    def has_key(self, key, version=None):
        return self._safe("has_key", False, lambda: super(FailOpenRedisCache, self).has_key(
            key, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("set", None, lambda: super(FailOpenRedisCache, self).set(
            key, value, timeout, version))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("set_many", list(data), lambda: super(
            FailOpenRedisCache, self).set_many(data, timeout, version))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("add", False, lambda: super(FailOpenRedisCache, self).add(
            key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("touch", False, lambda: super(FailOpenRedisCache, self).touch(
            key, timeout, version))

    def delete(self, key, version=None):
        return self._safe("delete", False, lambda: super(FailOpenRedisCache, self).delete(
            key, version))

    def delete_many(self, keys, version=None):
        return self._safe("delete_many", None, lambda: super(
            FailOpenRedisCache, self).delete_many(keys, version))

    def clear(self):
        return self._safe("clear", False, lambda: super(FailOpenRedisCache, self).clear())

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as error:
            _log_outage("incr", error)
            raise ValueError(f"Key '{key}' not found (cache unreachable)") from error

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version)


class SharedFileCache(FileBasedCache):
    """Django's file cache, shared by the embedded default's server processes (issue #25:
    two gunicorn workers, one per core, no Redis). Its `add` is made atomic across processes
    and threads with an exclusive lock on a file in the cache folder: an Idempotency-Key's
    "running" marker and the dashboard's one-builder-at-a-time guard rely on it (Django's
    own checks and then writes, so two processes could both win)."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._createdir()
        with open(os.path.join(self._dir, ".add.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            return super().add(key, value, timeout, version)
