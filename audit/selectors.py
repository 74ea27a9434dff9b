"""Reads of the audit trail, always scoped to the user."""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from org.scoping import ScopedQuerySet

from .models import AuditEntry, labels_of, related_key


def entries(user):
    return AuditEntry.objects.for_user(user).select_related("org_unit", "department")


def record_history(user, model_label: str, object_id: str):
    """Every visible entry about one record, oldest first."""
    return entries(user).filter(model_label__in=labels_of(model_label),
                                object_id=str(object_id)).order_by("created_at", "pk")


def entry(user, pk: int) -> AuditEntry:
    return entries(user).get(pk=pk)


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _visible(model, user):
    """The related model's rows the user may see (a scoped model through `for_user`)."""
    queryset = model._base_manager.all() if not hasattr(model, "objects") else model.objects.all()
    return queryset.for_user(user) if isinstance(queryset, ScopedQuerySet) else queryset


def with_names(entries: list[AuditEntry], user) -> list[AuditEntry]:
    """Give a page of entries the names of the records their before/after values point to and
    of the users who acted: one query per related model for the whole page, never one per
    entry. Records the user may not see keep their id."""
    wanted = defaultdict(set)
    for e in entries:
        for name, field in e.record_fields().items():
            label = related_key(field)
            if label is None:
                continue
            for side in (e.before or {}, e.after or {}):
                value = side.get(name)
                for v in value if isinstance(value, list) else [value]:
                    if v not in (None, ""):
                        wanted[label].add(str(v))
    User = get_user_model()
    user_label = User._meta.label_lower
    actors = {str(e.actor_id) for e in entries if e.actor_id}
    wanted[user_label] |= actors
    names = {}
    for label, ids in wanted.items():
        if not ids:
            continue
        model = apps.get_model(label)
        try:
            pks = {model._meta.pk.to_python(i) for i in ids}
        except (ValidationError, ValueError, TypeError):  # no key of the model: left as is
            continue
        queryset = _visible(model, user).filter(pk__in=pks)
        for obj in queryset.select_related() if model is not User else queryset:
            names[(label, str(obj.pk))] = _person(obj) if model is User else str(obj)
    for e in entries:
        e.related_names = names
        if e.actor_id:
            e.actor_display = names.get((user_label, str(e.actor_id)), "")
    return entries
