"""Audit rows for the bulk write paths that do not go through `scoped_save`: a monthly-figure
import writes its new rows with COPY and its changes with one bulk UPDATE, so it is audited
here with two statements per import (model signals would miss all of it):

- the created figures by the database itself, from the rows just written, in one
  INSERT … SELECT: a 100,000-row import's entries never pass through Python, and each entry
  says what was stored;
- the changed and cleared figures with one `record_many` (their values before are known only
  to the analysis), keeping only the fields that changed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

from django.db import connection, models
from django.db.models import Case, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, JSONObject, Substr
from django.utils import timezone

from .context import current_batch_id, current_request_id
from .models import AuditEntry
from .services import JSONText, _actor, _jsonable, change_row, record_many


class _JSONBool(Func):
    """A boolean column as JSON true/false (SQLite stores 0/1, which JSON_OBJECT would keep)."""

    template = "%(expressions)s"
    output_field = models.BooleanField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, **extra_context,
                           template="json(CASE WHEN %(expressions)s THEN 'true' ELSE 'false' END)")


class _Text(Func):
    """Text pieces joined (none is NULL): one CONCAT on PostgreSQL, where Django's Concat
    nests a COALESCE per piece, which costs a 100,000-row import's entries a third of a
    second."""

    function = "CONCAT"
    output_field = models.CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, **extra_context,
                           template="(%(expressions)s)", arg_joiner=" || ")


def _named(field) -> bool:
    """A relation whose records are known by a name (a programme): the text shows the name."""
    return field.is_relation and any(f.name == "name" for f in field.related_model._meta.fields)


def _describe(model, dims: list[str]):
    """The entry's text: the figure's dimensions that are set, "脱贫人口 · 就业技能培训 · 康养云师傅
    · 补贴性培训" (empty text, no programme and false left out; a true flag by its field's name;
    the unit and month have their own columns), as `key_texts` writes it for changed rows and grid saves."""
    text = models.CharField()
    parts = []
    for name in dims:
        field = model._meta.get_field(name)
        if isinstance(field, models.BooleanField):
            part = Case(When(**{name: True}, then=Value(f" · {field.verbose_name}")),
                        default=Value(""))
        elif field.is_relation:
            # A lookup by key per row (not a join: right after the COPY the planner does not
            # know the new rows and would pick a nested loop over the whole table).
            label = (Subquery(field.related_model._base_manager.filter(
                pk=OuterRef(field.attname)).values("name")[:1]) if _named(field)
                else Cast(F(field.attname), text))
            part = Case(When(**{f"{name}__isnull": False}, then=_Text(Value(" · "), label)),
                        default=Value(""))
        else:
            part = Case(When(~Q(**{name: ""}), then=_Text(Value(" · "), F(name))),
                        default=Value(""), output_field=text)
        parts.append(part)
    # " · " starts every part: drop the first one.
    return Substr(_Text(*parts), 4) if parts else Value("")


def key_texts(model, dims: list[str], keys: list[tuple]):
    """`_describe` for keys known in Python (dimension values in the order of `dims`): a
    function from a key to its text, with the names of related records read in one query per
    relation."""
    labels: list = []
    for position, name in enumerate(dims):
        field = model._meta.get_field(name)
        if isinstance(field, models.BooleanField):
            labels.append({True: str(field.verbose_name)})
        elif _named(field):
            ids = {key[position] for key in keys} - {None}
            labels.append(dict(field.related_model._base_manager.filter(pk__in=ids)
                               .values_list("pk", "name")) if ids else {})
        else:
            labels.append(None)

    @cache  # a file repeats a few keys' dimensions over thousands of rows
    def text(key) -> str:
        shown = []
        for value, label in zip(key, labels, strict=True):
            if value in ("", None, False):
                continue
            shown.append(str(value) if label is None else str(label.get(value, value)))
        return " · ".join(shown)

    return text


def change_texts(dims: list[str], values: Sequence[str]):
    """A function from a changed figure's dimension values and its values before and after
    (dicts by field) to the before and after JSON that `change_row` and `record_many` would
    store for it (the key and only the values that change), or None when nothing changes.
    Written directly, for a correction that changes 100,000 figures, where generic diffs and
    encoders took most of its audit time; figure keys and counts hold no ID number."""
    names = {f: json.dumps(f) + ": " for f in values}

    def encoded(value) -> str:
        return str(value) if type(value) is int else json.dumps(_jsonable(value),
                                                                ensure_ascii=False)

    @cache
    def head(key: tuple) -> list[str]:
        return [json.dumps(d) + ": " + encoded(v) for d, v in zip(dims, key, strict=True)]

    def texts(key: tuple, before: dict, after: dict) -> tuple[JSONText, JSONText] | None:
        changed = [f for f in values if before.get(f) != after[f]]
        if not changed:
            return None
        common = head(key)
        return (JSONText("{" + ", ".join([*common, *(names[f] + encoded(before.get(f))
                                                    for f in changed)]) + "}"),
                JSONText("{" + ", ".join([*common, *(names[f] + encoded(after[f])
                                                    for f in changed)]) + "}"))

    return texts


def record_created(*, rows: models.QuerySet, dims: list[str], values: list[str], actor) -> int:
    """Entries for the figure rows of `rows` (just created), built by the database in one
    INSERT … SELECT: each entry names its row, unit, department and month, and its after holds
    the row's dimensions and values (figure tables hold no ID numbers, so nothing to mask)."""
    model = rows.model
    actor_id, actor_name = _actor(actor)
    after = {}
    for name in (*dims, *values):
        field = model._meta.get_field(name)
        after[name] = _JSONBool(name) if isinstance(field, models.BooleanField) else F(field.attname)
    selected = rows.order_by().annotate(
        a_created_at=Value(timezone.now(), models.DateTimeField()),
        a_actor=Value(actor_id, models.IntegerField()),
        a_actor_name=Value(actor_name), a_action=Value("create"),
        a_label=Value(model._meta.label_lower),
        a_object_id=Cast("pk", models.CharField()),
        a_repr=_describe(model, dims),
        a_after=JSONObject(**after),
        a_request=Value(current_request_id()),
        a_batch=Value(current_batch_id(), models.IntegerField()),
        a_note=Value(""),
    ).values_list("a_created_at", "a_actor", "a_actor_name", "a_action", "a_label", "a_object_id",
                  "a_repr", "org_unit_id", "department_id", "period", "a_after", "a_request",
                  "a_batch", "a_note")
    sql, params = selected.query.sql_with_params()
    meta, quote = AuditEntry._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in (
        "created_at", "actor", "actor_name", "action", "model_label", "object_id", "object_repr",
        "org_unit", "department", "period", "after", "request_id", "batch", "note"))
    with connection.cursor() as cursor:
        # Names come from the models' metadata; values are parameters.
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {sql}", params)
        return cursor.rowcount


def record_figure_import(*, layout, analysis, user, created: models.QuerySet) -> int:
    """Entries for what `imports.figures.apply` wrote: each created (`created`: the new rows),
    changed and cleared figure row, with its key (the dimensions) and the values before and
    after."""
    model = layout.model
    dims = [c.field for c in layout.dimension_columns()]
    values = layout.value_fields
    written = record_created(rows=created, dims=dims, values=list(values), actor=user) \
        if analysis.create else 0

    describe = key_texts(model, dims, [after["_key"][3:] for _pk, _before, after in analysis.update]
                          + [before["_key"][3:] for _pk, before in analysis.delete])

    changes = change_texts(dims, values)

    def rows():
        for pk, before, after in analysis.update:
            key = after["_key"]
            texts = changes(key[3:], before, after)
            if texts is not None:
                yield {"action": "update", "object_id": pk, "org_unit_id": key[0],
                       "department_id": key[1], "period": key[2],
                       "object_repr": describe(key[3:]), "before": texts[0], "after": texts[1]}
        for pk, before in analysis.delete:
            key = before["_key"]
            yield change_row(object_id=pk, org_unit_id=key[0], department_id=key[1],
                             period=key[2], key=dict(zip(dims, key[3:], strict=True)),
                             before={f: before.get(f) for f in values}, after=None,
                             object_repr=describe(key[3:]))

    if analysis.update or analysis.delete:
        written += record_many(actor=user, action="import", model=model, rows=rows())
    return written
