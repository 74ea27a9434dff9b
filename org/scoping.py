"""Scoping that cannot be forgotten (after NetBox's RestrictedQuerySet).

Every model a user may see only part of has a `ScopedQuerySet`. On the request path (inside
`RequestPathMiddleware`, which wraps every view, viewset, filter, export and template render),
such a queryset refuses to reach the database until `for_user(user, action)` has scoped it:
forgetting the scope is an error that names the model, never a page that shows another unit's
rows. Two other ways in are allowed:
- through a record already in hand (`plan.targets.all()`, prefetches): it was scoped itself;
- `Model.unscoped`, the explicitly named manager for services, the roll-up, seeding, commands,
  migrations and tests, which read and write across units by design.
Off the request path (Celery tasks, management commands, the test suite's own set-up) nothing
is checked, but code there still names `unscoped` where it means to cross units.

Each scoped model declares `unscoped = XQuerySet.as_unscoped_manager()` first, so that it is
the default manager Django's own machinery uses (unique checks, related managers, form and
admin choices), then `objects = XQuerySet.as_manager()`, the checked one that views, viewsets,
filters and exports use. Historical models in migrations have `unscoped` only.
"""

from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager

from django.db import models

_request_path = contextvars.ContextVar("portal_request_path", default=False)

UNSCOPED = "unscoped"  # from the default manager, not yet scoped
USER = "user"  # for_user(user, action) applied
RELATION = "relation"  # reached through a record already in hand
SYSTEM = "system"  # from Model.unscoped: a deliberate read across units


class UnscopedQueryError(RuntimeError):
    """A query of a scoped model reached the database on the request path unscoped."""


@contextmanager
def request_path():
    """Mark the code inside as serving a user: scoped querysets must be scoped here."""
    token = _request_path.set(True)
    try:
        yield
    finally:
        _request_path.reset(token)


def on_request_path() -> bool:
    return _request_path.get()


def _marks_scoped(for_user):
    @functools.wraps(for_user)
    def scoped(self, *args, **kwargs):
        result = for_user(self, *args, **kwargs)
        result = result._chain() if result is self else result
        result._scope = USER
        return result

    scoped.marks_scope = True
    return scoped


class ScopedQuerySet(models.QuerySet):
    """Base of every queryset with a `for_user(user, action)` method."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope = UNSCOPED

    # The methods that scope a queryset to a user; a subclass names more (a competition's
    # `linkable_for`), each taking the user.
    scoping_methods = ("for_user",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.scoping_methods:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "marks_scope", False):
                setattr(cls, name, _marks_scoped(method))

    @classmethod
    def as_manager(cls):
        manager = ScopedManager.from_queryset(cls)()
        manager._built_with_as_manager = True
        return manager

    as_manager.queryset_only = True

    @classmethod
    def as_unscoped_manager(cls):
        manager = UnscopedManager.from_queryset(cls)()
        manager._built_with_as_manager = True
        return manager

    as_unscoped_manager.queryset_only = True

    @property
    def scope(self) -> str:
        return self._scope

    def within(self, condition):
        """Rows meeting a condition built from the user's `Scope` (org.access) by a scoping
        function such as `org.selectors.writable_units`: scoped like `for_user`."""
        result = self.filter(condition)
        result._scope = USER
        return result

    def _clone(self):
        clone = super()._clone()
        clone._scope = self._scope
        return clone

    def _check_scoped(self) -> None:
        # An empty query (`none()`, a form field's placeholder) reveals nothing.
        if self._scope == UNSCOPED and _request_path.get() and not self.query.is_empty():
            name = self.model.__name__
            raise UnscopedQueryError(
                f"{self.model._meta.label}: a query on the request path without "
                f"for_user(user, action). Scope it with {name}.objects.for_user(...), or read "
                f"through {name}.unscoped in a service that means to cross units.")

    # Every way a queryset reaches the database passes one of these.
    def _fetch_all(self):
        if self._result_cache is None:
            self._check_scoped()
        super()._fetch_all()

    def iterator(self, *args, **kwargs):
        self._check_scoped()
        return super().iterator(*args, **kwargs)

    def count(self):
        if self._result_cache is None:
            self._check_scoped()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._check_scoped()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._check_scoped()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._check_scoped()
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        self._check_scoped()
        return super().delete()

    delete.alters_data = True


class ScopedManager(models.Manager):
    def get_queryset(self):
        queryset = super().get_queryset()
        # A related manager (`plan.targets`, a prefetch) starts from a record already in hand.
        if getattr(self, "instance", None) is not None:
            queryset._scope = RELATION
        return queryset


class UnscopedManager(models.Manager):
    def get_queryset(self):
        queryset = super().get_queryset()
        queryset._scope = SYSTEM
        return queryset


def unscoped(model) -> models.Manager:
    """The unscoped manager of any model, for generic service code that handles models it does
    not name (a grid's figure model, an import layout's): `Model.unscoped` where the model is
    scoped, its default manager where nothing about it is scoped."""
    return getattr(model, "unscoped", None) or model._default_manager
