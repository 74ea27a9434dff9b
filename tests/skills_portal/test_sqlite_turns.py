"""Issue #25: on the embedded default's SQLite file, a server process's writers take turns on
a lock of their own, handed over as each transaction ends, instead of polling SQLite's write
lock (skills_portal/sqlite3)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db.utils import ConnectionHandler, OperationalError

from skills_portal.sqlite3 import base


@pytest.fixture(autouse=True)
def own_databases(django_db_blocker):
    """These tests open their own SQLite files, not the test database."""
    with django_db_blocker.unblock():
        yield


def handler(path, timeout=5.0) -> ConnectionHandler:
    return ConnectionHandler({"default": {
        "ENGINE": "skills_portal.sqlite3", "NAME": str(path),
        "OPTIONS": {"timeout": timeout, "transaction_mode": "IMMEDIATE"}}})


def begin(connection):
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(connection, how="commit"):
    getattr(connection, how)()
    connection.set_autocommit(True)


def test_a_second_writer_waits_for_the_first_to_commit_then_goes_at_once(tmp_path):
    connections = handler(tmp_path / "turns.sqlite3")
    with connections["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
    events: list[tuple[str, float]] = []
    first_in = threading.Event()

    def first():
        connection = connections["default"]
        begin(connection)
        first_in.set()
        connection.cursor().execute("INSERT INTO t VALUES (1)")
        time.sleep(0.5)
        events.append(("first commits", time.monotonic()))
        end(connection)
        connection.close()

    def second():
        connection = connections["default"]
        assert first_in.wait(10)
        assert base._turn_for(str(tmp_path / "turns.sqlite3")).locked()  # waiting on the turn
        begin(connection)
        events.append(("second begins", time.monotonic()))
        connection.cursor().execute("INSERT INTO t VALUES (2)")
        end(connection)
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert [name for name, _ in events] == ["first commits", "second begins"]
    assert events[1][1] - events[0][1] < 0.1  # handed over, not found on a later poll
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT n FROM t ORDER BY n")
        assert cursor.fetchall() == [(1,), (2,)]
    assert not base._turn_for(str(tmp_path / "turns.sqlite3")).locked()


@pytest.mark.parametrize("how", ["rollback", "close"])
def test_a_rolled_back_or_closed_transaction_gives_its_turn_back(tmp_path, how):
    connection = handler(tmp_path / f"{how}.sqlite3")["default"]
    begin(connection)
    assert base._turn_for(str(tmp_path / f"{how}.sqlite3")).locked()
    if how == "rollback":
        end(connection, "rollback")
    else:
        connection.close()
    assert not base._turn_for(str(tmp_path / f"{how}.sqlite3")).locked()


def test_a_writer_that_waits_past_the_timeout_fails_as_sqlite_does(tmp_path):
    connections = handler(tmp_path / "slow.sqlite3", timeout=0.3)
    holder = connections["default"]
    begin(holder)
    failures = []

    def late():
        connection = connections["default"]
        try:
            begin(connection)
        except OperationalError as exc:
            failures.append(str(exc))
        finally:
            connection.close()

    thread = threading.Thread(target=late)
    thread.start()
    thread.join(10)
    end(holder)
    # "database is locked": the busy-retry middleware runs the request again, then says 稍后重试.
    assert len(failures) == 1 and "database is locked" in failures[0]


def test_in_memory_databases_are_left_as_django_has_them():
    connection = handler(":memory:")["default"]
    begin(connection)
    assert not connection._holds_turn
    end(connection)
