"""Django's SQLite backend with the writers of one process queued in turn (issue #25).

Every transaction on the embedded default's SQLite file begins with BEGIN IMMEDIATE, which
takes the database's single write lock. SQLite makes a writer that finds the lock taken poll
for it, sleeping up to 100 ms between tries, and first come is not first served: with 8
threads of a server process and a roll-up all wanting the lock at month-end, a save could
lose to newcomers try after try, and waiting writers slept on while the lock lay free. Here
a process's threads wait for their turn on a lock of their own, handed over the moment the
transaction before ends, so at most one writer per process polls SQLite (the other server
process's, or a management command's). A transaction that waits longer than the database's
timeout fails as SQLite's own would, "database is locked", which the portal answers by trying
the request again (`skills_portal.middleware.BusyRetryMiddleware`).

In-memory databases (the test suite's) are left as Django has them."""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_turns: dict[str, threading.Lock] = {}
_turns_lock = threading.Lock()


def _turn_for(name: str) -> threading.Lock:
    with _turns_lock:
        return _turns.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_turn = False

    def _start_transaction_under_autocommit(self):
        if self.is_in_memory_db():
            return super()._start_transaction_under_autocommit()
        turn = _turn_for(str(self.settings_dict["NAME"]))
        if not turn.acquire(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 5))):
            raise OperationalError("database is locked (waited for this process's turn)")
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            turn.release()
            raise
        self._holds_turn = True

    def _give_turn(self):
        if self._holds_turn:
            self._holds_turn = False
            _turn_for(str(self.settings_dict["NAME"])).release()

    def _commit(self):
        super()._commit()  # a failed commit leaves the transaction open: the rollback ends it
        self._give_turn()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._give_turn()

    def _close(self):
        try:
            super()._close()
        finally:
            self._give_turn()
