"""Audit rows for the bulk write paths that do not go through `scoped_save`: a monthly-figure
import writes its new rows with COPY and its changes with one bulk UPDATE, so it is audited
here with one `record_many` statement per import (model signals would miss all of it)."""

from __future__ import annotations

from .services import change_row, record_many


def record_figure_import(*, layout, analysis, user, now) -> int:
    """Entries for what `imports.figures.apply` wrote at `now`: each created, changed and
    cleared figure row, with its key (the dimensions) and the values before and after. The ids
    of the rows COPY created are read back in one query."""
    model = layout.model
    dims = [c.field for c in layout.dimension_columns()]
    fields = [model._meta.get_field(f).attname for f in ("org_unit", "department", "period", *dims)]
    labels = analysis.labels

    heads: dict[tuple, str] = {}  # (unit, month) → "unit label 2024-05"
    tails: dict[tuple, str] = {}  # dimensions → " · 企业职工 · …"

    def describe(key) -> str:
        # An import describes up to 100,000 rows from a few thousand units and months and a
        # handful of categories: each part is formatted once.
        head = heads.get((key[0], key[2]))
        if head is None:
            head = heads[(key[0], key[2])] = f"{labels.get(key[0], key[0])} {key[2]:%Y-%m}"
        tail = tails.get(key[3:])
        if tail is None:
            tail = tails[key[3:]] = "".join(f" · {v}" for v in key[3:] if v not in ("", None, False))
        return head + tail

    def row(key, object_id, before, after):
        return change_row(object_id=object_id, org_unit_id=key[0], department_id=key[1],
                          period=key[2], key=dict(zip(dims, key[3:], strict=True)),
                          before=before, after=after, object_repr=describe(key))

    created_ids = {}
    if analysis.create and "id" not in analysis.create[0]:  # apply reserved none (not PostgreSQL)
        months = [v["period"] for v in analysis.create]
        created_ids = {
            tuple(r[1:]): r[0] for r in model.objects.filter(
                created_at=now, entered_by_id=user.pk,
                org_unit_id__in=sorted({v["org_unit"] for v in analysis.create}),
                period__gte=min(months), period__lte=max(months),
            ).values_list("pk", *fields)
        }
    values = layout.value_fields

    def rows():
        for v in analysis.create:
            key = (v["org_unit"], v["department"], v["period"], *(v[d] for d in dims))
            yield row(key, v.get("id") or created_ids.get(key, ""), None, {f: v[f] for f in values})
        for pk, before, after in analysis.update:
            key = after["_key"]
            r = row(key, pk, {f: before.get(f) for f in values}, {f: after[f] for f in values})
            if r is not None:
                yield r
        for pk, before in analysis.delete:
            yield row(before["_key"], pk, {f: before.get(f) for f in values}, None)

    return record_many(actor=user, action="import", model=model, rows=rows())
