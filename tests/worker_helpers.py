"""Waiting on a real Celery worker thread from a test.

On SQLite the test database lives in memory with a shared cache, where a read that meets the
worker's write lock on a table fails at once ("database table is locked") instead of waiting
as on a file or on PostgreSQL. A read made while waiting that finds the database busy (as
`BusyRetryMiddleware` judges it, and as it retries an API request) is therefore tried again."""

from __future__ import annotations

import time

from django.db import OperationalError

from skills_portal.middleware import database_busy


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OperationalError as exc:
            if not database_busy(exc):
                raise
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.2)
