"""Writing the audit trail. Every write that goes through `skills_portal.services.scoped_save`
or `scoped_delete` is recorded there; bulk writes (entry grids, imports) call `record_many`
once per save, which is one statement (COPY on PostgreSQL) whatever the number of rows.

Before and after are JSON values; personal ID numbers in them are masked (a field whose name
says it holds one, and any 18-character ID number inside text), so the trail never stores one.
An update stores only the fields that changed, plus the record's key."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from org.models import OrgUnit
from skills_portal.bulk import insert_rows
from skills_portal.identity import mask_id_number

from .context import current_batch_id, current_request_id
from .models import AuditEntry

# Never in a snapshot: timestamps that change on every save, and file contents.
SKIPPED_FIELDS = {"created_at", "updated_at"}
# The record's unit, department and month, by the first of these fields it has.
UNIT_FIELDS = ("org_unit", "organiser_unit", "issuer_unit")
DEPARTMENT_FIELDS = ("department", "organiser_department")
PERIOD_FIELDS = ("period", "awarded_on", "start_date")
# An 18-character resident ID number inside any text (not part of a longer number).
_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
REPR_MAX = 200


# --- values ------------------------------------------------------------------------------------
def _jsonable(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def mask_text(text: str) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)


def mask(value, key: str = ""):
    """`value` with every personal ID number masked (by key name or by its shape)."""
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, key) for v in value]
    if isinstance(value, str):
        if "id_number" in key and value:
            return mask_id_number(value)
        if len(value) >= 18:
            return mask_text(value)
    return value


def snapshot(obj) -> dict:
    """The record's field values as JSON values (foreign keys as ids, many-to-many as sorted
    id lists), ID numbers masked. Timestamps and binary contents are left out."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in SKIPPED_FIELDS or isinstance(f, models.BinaryField):
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.FileField):
            value = value.name if value else ""
        data[f.name] = _jsonable(value)
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            data[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    return mask(data)


def stored_snapshot(obj) -> dict | None:
    """The snapshot of the row as the database holds it now (before an update)."""
    if obj.pk is None:
        return None
    stored = type(obj)._base_manager.filter(pk=obj.pk).first()
    return snapshot(stored) if stored is not None else None


def diff(before: dict | None, after: dict | None, *,
         key: dict | None = None) -> tuple[dict | None, dict | None]:
    """Only the fields that changed, plus the key (`key`, by default the record's "id"), on
    both sides. Both None when nothing changed."""
    if before is None or after is None:
        return before, after
    changed = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    if not changed:
        return None, None
    if key is None:
        key_id = after.get("id", before.get("id"))
        key = {} if key_id is None else {"id": key_id}
    return ({**key, **{k: before.get(k) for k in changed}},
            {**key, **{k: after.get(k) for k in changed}})


# --- where a record belongs ----------------------------------------------------------------------
def _first_attr(obj, names):
    for name in names:
        field_id = getattr(obj, f"{name}_id", None)
        if field_id is not None:
            return field_id
    return None


def _month(value):
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10]).replace(day=1)
        except ValueError:
            return None
    return None


def unit_of(obj):
    if isinstance(obj, OrgUnit):
        return obj.pk
    return _first_attr(obj, UNIT_FIELDS)


def period_of(obj):
    for name in PERIOD_FIELDS:
        value = getattr(obj, name, None)
        if isinstance(value, dt.date):
            return _month(value)
    return None


def _id(value):
    return getattr(value, "pk", value)


def _actor(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()[:150]


def _repr(obj) -> str:
    return mask_text(str(obj))[:REPR_MAX]


def _short_repr(text: str) -> str:
    return (mask_text(text) if len(text) >= 18 else text)[:REPR_MAX]


# --- writing -----------------------------------------------------------------------------------
def record(*, actor, action: str, obj=None, before=None, after=None, org_unit=None, period=None,
           batch=None, note: str = "", department=None) -> AuditEntry:
    """One audit entry. `obj` (when given) fills in the record type, id, text, unit, department
    and month unless they are passed; `before`/`after` are JSON-able dicts (masked here)."""
    actor_id, actor_name = _actor(actor)
    if action == "update" and before is not None and after is not None:
        changed_before, changed_after = diff(mask(_jsonable(before)), mask(_jsonable(after)))
        if changed_before is not None:  # only what changed, plus the key
            before, after = changed_before, changed_after
    label = object_id = text = ""
    if obj is not None:
        label, object_id, text = obj._meta.label_lower, str(obj.pk or ""), _repr(obj)
        if org_unit is None:
            org_unit = unit_of(obj)
        if department is None:
            department = _first_attr(obj, DEPARTMENT_FIELDS)
        if period is None:
            period = period_of(obj)
    return AuditEntry.unscoped.create(
        created_at=timezone.now(), actor_id=actor_id, actor_name=actor_name, action=action,
        model_label=label, object_id=object_id, object_repr=text,
        org_unit_id=_id(org_unit), department_id=_id(department), period=_month(period),
        before=mask(_jsonable(before)) if before is not None else None,
        after=mask(_jsonable(after)) if after is not None else None,
        request_id=current_request_id(), batch_id=_id(batch) or current_batch_id(),
        note=mask_text(note or ""),
    )


def record_change(*, actor, obj, before: dict | None, after: dict | None, note: str = ""):
    """The entry for a create (before None), update (only what changed) or delete (after
    None); nothing when an update changed nothing."""
    if before is None and after is None:
        return None
    if before is None:
        action = "create"
    elif after is None:
        action = "delete"
    elif before == after:  # two snapshots of the record: same fields
        return None
    else:
        action = "update"  # record() keeps only what changed
    return record(actor=actor, action=action, obj=obj, before=before, after=after, note=note)


_FIELDS = ["action", "object_id", "object_repr", "org_unit", "department", "period", "before",
           "after", "note"]


# A JSON text that may hold an ID number: a field named for one, or 17 digits in a row.
_MAY_HOLD_ID = re.compile(r"id_number|[0-9]{17}")


class JSONText(str):
    """A before or after already written as JSON by a caller whose values hold no ID number
    (a figure's key and counts): `record_many` stores it as it is."""

    __slots__ = ()


def _json_text(value):
    """JSON text for COPY. Plain values (every row of a figure import: 100,000 in a large
    file) go through the C encoder and one search for anything like an ID number; only the
    values that need it are converted (dates, decimals) and masked."""
    if value is None:
        return None
    if type(value) is JSONText:
        return str(value)  # a plain str: COPY's writer takes the fast path for exactly str
    try:
        text = json.dumps(value, ensure_ascii=False)
    except TypeError:
        text = None
    if text is None or _MAY_HOLD_ID.search(text):
        text = json.dumps(mask(_jsonable(value)), ensure_ascii=False, cls=DjangoJSONEncoder)
    return text


def record_many(*, actor, action: str, model, rows: Iterable[dict], batch=None) -> int:
    """Entries for a bulk write in one statement (COPY on PostgreSQL; multi-row INSERTs on
    SQLite). Each row: object_id, org_unit_id, period, before, after, and optionally
    department_id, object_repr, note and action (overriding `action` for that row).
    Returns the number of entries written."""

    actor_id, actor_name = _actor(actor)
    label = model if isinstance(model, str) else model._meta.label_lower
    now = timezone.now()
    request_id = current_request_id()
    batch_id = _id(batch) or current_batch_id()

    def tuples():
        for row in rows:
            yield (row.get("action") or action, str(row.get("object_id") or ""),
                   _short_repr(row.get("object_repr") or ""), row.get("org_unit_id"),
                   row.get("department_id"), _month(row.get("period")),
                   _json_text(row.get("before")), _json_text(row.get("after")),
                   row.get("note") or "")

    return insert_rows(AuditEntry, _FIELDS, tuples(), constant={
        "created_at": now, "actor": actor_id, "actor_name": actor_name, "model_label": label,
        "request_id": request_id, "batch": batch_id})


def change_row(*, object_id, org_unit_id, period, key: dict, before: dict | None,
               after: dict | None, department_id=None, object_repr: str = "") -> dict | None:
    """A `record_many` row for one record of a bulk write: created (no before), deleted (no
    after) or updated (only the changed fields, plus `key` on both sides); None when nothing
    changed."""
    if before is not None and after is not None:
        before, after = diff(before, after, key=key)
        if before is None:
            return None
        action = "update"
    else:
        action = "create" if before is None else "delete"
        before = None if before is None else {**key, **before}
        after = None if after is None else {**key, **after}
    return {"action": action, "object_id": object_id, "org_unit_id": org_unit_id,
            "department_id": department_id, "period": period, "object_repr": object_repr,
            "before": before, "after": after}
