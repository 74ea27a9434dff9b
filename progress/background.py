"""The roll-up sweep and roll-up requests after the response, in the embedded default (no
REDIS_URL, Celery eager).

A write marks what it changed (RollupMark, in its own transaction) and asks for a sweep. With
a broker the sweep is a Celery task; in eager mode it used to run inside the request, so a
clerk's save of a 2021 figure waited for every month from then to now (issue #18). Here one
daemon thread per process runs the sweep instead, after the request's commit: requests that
arrive while it runs coalesce into one more sweep. It survives nothing (a restart drops the
thread) but loses nothing: the marks stay in the database until a sweep has rolled them up,
and the next request or `manage.py rollup --sweep` picks them up.

The embedded default serves from more than one process (scripts/serve: one per core), each
with its own thread; on SQLite a file lock beside the database lets one of them work at a time
(the other waits, then sweeps the marks left), since `select_for_update` guards nothing there.

Roll-up requests (#26) run on the same thread, one at a time and before a sweep: a request
is a row in the database (`RollupRequest`, queued), so one left queued by a restart runs the
next time a request is made.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from contextlib import contextmanager

from django.db import close_old_connections, connection, connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_wanted = threading.Event()
_idle = threading.Event()
_idle.set()
_thread: threading.Thread | None = None
_jobs: set[str] = set()  # "sweep", "requests"
JOBS = ("requests", "sweep")


def request(job: str = "sweep") -> None:
    """Ask for a sweep (or for the queued roll-up requests to run) after this moment;
    returns at once."""
    global _thread
    if job not in JOBS:
        raise ValueError(job)
    with _lock:
        _idle.clear()
        _jobs.add(job)
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


def lock_path() -> str | None:
    """`<database>.sweep.lock` beside a SQLite file; None elsewhere, where the database's own
    locks guard each month (RollupLock)."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return f"{connection.settings_dict['NAME']}.sweep.lock"


@contextmanager
def one_process_at_a_time(path: str | None):
    """Hold an exclusive lock on `path` (released when the file is closed, or when the process
    dies); waits while another process holds it."""
    if path is None:
        yield
        return
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run() -> None:
    from . import rollup

    while True:
        _wanted.wait()
        with _lock:
            _wanted.clear()
            jobs = set(_jobs)
            _jobs.clear()
        try:
            close_old_connections()
            with one_process_at_a_time(lock_path()):
                if "requests" in jobs:
                    try:  # a request that fails is recorded on it, not retried
                        rollup.run_queued_requests(between=_pause)
                    except Exception:
                        logger.exception("Background roll-up requests failed; the queued "
                                         "ones are kept.")
                if "sweep" in jobs:
                    rollup.sweep(between=_pause)  # looked up each time (tests hold it)
        except rollup.RollupBusy:
            with _lock:
                _jobs.add("sweep")
            _wanted.set()  # another process holds the month: try again shortly
            threading.Event().wait(1)
        except Exception:
            logger.exception("Background roll-up sweep failed; the marks are kept.")
        finally:
            connections.close_all()
        with _lock:
            if not _wanted.is_set():
                _idle.set()
