"""The roll-up sweep after the response, in the embedded default (no REDIS_URL, Celery eager).

A write marks what it changed (RollupMark, in its own transaction) and asks for a sweep. With
a broker the sweep is a Celery task; in eager mode it used to run inside the request, so a
clerk's save of a 2021 figure waited for every month from then to now (issue #18). Here one
daemon thread per process runs the sweep instead, after the request's commit: requests that
arrive while it runs coalesce into one more sweep. It survives nothing (a restart drops the
thread) but loses nothing: the marks stay in the database until a sweep has rolled them up,
and the next request or `manage.py rollup --sweep` picks them up.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import close_old_connections, connection, connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_wanted = threading.Event()
_idle = threading.Event()
_idle.set()
_thread: threading.Thread | None = None


def request() -> None:
    """Ask for a sweep after this moment; returns at once."""
    global _thread
    with _lock:
        _idle.clear()
        _wanted.set()
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="rollup-sweep", daemon=True)
            _thread.start()


def wait(timeout: float | None = None) -> bool:
    """Block until no sweep is wanted or running (tests, benchmarks, shutdown)."""
    return _idle.wait(timeout)


def _pause() -> None:
    """Between two months of a sweep on SQLite, long enough for a write waiting on the
    database lock to take it (SQLite's busy handler retries every few to 100 ms; without a
    gap the sweep takes the lock back first, month after month, and the write waits for the
    whole sweep)."""
    if connection.vendor == "sqlite":
        time.sleep(0.12)


def _run() -> None:
    from . import rollup

    while True:
        _wanted.wait()
        _wanted.clear()
        try:
            close_old_connections()
            rollup.sweep(between=_pause)  # looked up each time (tests hold it)
        except rollup.RollupBusy:
            _wanted.set()  # another process holds the month: try again shortly
            threading.Event().wait(1)
        except Exception:
            logger.exception("Background roll-up sweep failed; the marks are kept.")
        finally:
            connections.close_all()
        with _lock:
            if not _wanted.is_set():
                _idle.set()
