"""Small tables that change rarely but are read on every save (reporting schedules, validation
rules), remembered in the process for a few seconds instead of read again per request.

At month-end each save read them two or three times (issue #25). A change made in this process
(the admin, a service, a test) is seen at once: saving or deleting one of the memo's models
forgets it. A change made by another process, or by a bare queryset UPDATE, which sends no
signal, is seen within `seconds`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db.models.signals import post_delete, post_save

_memos: list[Memo] = []


class Memo:
    def __init__(self, load: Callable[[], object], *, seconds: float, models: tuple):
        self._load, self.seconds = load, seconds
        self._state: tuple[object, float] | None = None
        self._lock = threading.Lock()
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        _memos.append(self)

    def get(self):
        state = self._state
        if state is not None and state[1] > time.monotonic():
            return state[0]
        with self._lock:  # one thread reads the table; the others wait for its answer
            state = self._state
            if state is not None and state[1] > time.monotonic():
                return state[0]
            value = self._load()
            self._state = (value, time.monotonic() + self.seconds)
            return value

    def forget(self) -> None:
        self._state = None

    def _changed(self, **_kwargs) -> None:
        self.forget()


def forget_all() -> None:
    """Forget every memo (tests start from the database's tables)."""
    for memo in _memos:
        memo.forget()
