"""Small tables that change rarely but are read on every request (reporting schedules,
validation rules, option sets, whether a user's units hold demo figures), remembered in the
process for a few seconds instead of read again per request.

At month-end each save read them two or three times (issue #25). A change made in this process
(the admin, a service, a test) is seen at once: saving or deleting one of the memo's models
forgets it. A change made by another process, or by a bare queryset UPDATE, which sends no
signal, is seen within `seconds`.

A memo keeps one answer per key: `get(*key)` calls `load(*key)` when it has none for that key
or its answer has expired."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from django.db.models.signals import post_delete, post_save

_memos: list[Memo] = []
# A memo keyed by user keeps an answer per user who asked: past this many, the expired ones
# are dropped when a new one is stored, so a long-running process does not grow with them.
MAX_ANSWERS = 1000


class Memo:
    def __init__(self, load: Callable[..., object], *, seconds: float, models: tuple = ()):
        """`models`: classes or "app_label.Model" labels (a label connects once the model is
        loaded, so a module that `models.py` imports may hold a memo of that model)."""
        self._load, self.seconds = load, seconds
        self._answers: dict[tuple, tuple[object, float]] = {}
        self._lock = threading.Lock()
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        _memos.append(self)

    def get(self, *key: Hashable):
        answer = self._answers.get(key)
        if answer is not None and answer[1] > time.monotonic():
            return answer[0]
        with self._lock:  # one thread reads the table; the others wait for its answer
            answer = self._answers.get(key)
            if answer is not None and answer[1] > time.monotonic():
                return answer[0]
            value = self._load(*key)
            now = time.monotonic()
            if len(self._answers) >= MAX_ANSWERS:
                self._answers = {k: a for k, a in self._answers.items() if a[1] > now}
            self._answers[key] = (value, now + self.seconds)
            return value

    def forget(self) -> None:
        self._answers = {}

    def _changed(self, **_kwargs) -> None:
        self.forget()


def forget_all() -> None:
    """Forget every memo (tests start from the database's tables)."""
    for memo in _memos:
        memo.forget()
