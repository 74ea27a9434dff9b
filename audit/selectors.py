"""Reads of the audit trail, always scoped to the user."""

from __future__ import annotations

from .models import AuditEntry, labels_of


def entries(user):
    return AuditEntry.objects.for_user(user).select_related("org_unit", "department")


def record_history(user, model_label: str, object_id: str):
    """Every visible entry about one record, oldest first."""
    return entries(user).filter(model_label__in=labels_of(model_label),
                                object_id=str(object_id)).order_by("created_at", "pk")


def entry(user, pk: int) -> AuditEntry:
    return entries(user).get(pk=pk)
