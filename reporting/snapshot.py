"""A compact picture of a report's figures, stored at each submission so that a reviewer sees
what changed since the last one: {measure code: {cell: value}} — each domain's flow measures
grouped by their dimensions for the unit (or department) and month, plus manual data values.
One grouped query per measure; zero cells are left out."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from targets.measures import next_month, registry
from targets.models import DataValue

MANUAL = "manual"


def _cell(measure, row: dict) -> str:
    parts = []
    for dimension in measure.dimensions:
        lookup = measure.source.dimensions.get(dimension.name)
        value = row.get(lookup)
        if value in (None, ""):
            continue
        if isinstance(value, bool):
            if value:  # only the exceptional side is named (政府补贴性培训)
                parts.append(dimension.label)
        else:
            parts.append(str(value))
    return " / ".join(parts) or "合计"


def figures_snapshot(report) -> dict:
    start, end = report.period, next_month(report.period)
    out: dict[str, dict[str, int | str]] = {}
    for measure in registry.all():
        source = measure.source
        if source is None or measure.is_stock:
            continue
        model = source.model_class()
        qs = model._default_manager.filter(**dict(source.where), **{
            source.unit_field: report.org_unit_id, f"{source.date_field}__gte": start,
            f"{source.date_field}__lt": end})
        if report.department_id:
            if not source.department_field:
                continue
            qs = qs.filter(**{source.department_field: report.department_id})
        lookups = [source.dimensions[d.name] for d in measure.dimensions
                   if d.name in source.dimensions]
        total = Sum(source.value) if source.value else Count("pk")
        cells = {}
        for row in qs.values(*lookups).annotate(total=total).order_by():
            if row["total"]:
                key = _cell(measure, row)
                cells[key] = cells.get(key, 0) + int(row["total"])
        if cells:
            out[measure.code] = cells
    manual = {}
    values = DataValue.objects.filter(org_unit_id=report.org_unit_id, period=report.period)
    if report.department_id:
        values = values.filter(department_id=report.department_id)
    for code, name, value in values.values_list("indicator__code", "indicator__name", "value"):
        key = f"{name}（{code}）"
        manual[key] = format((Decimal(manual.get(key, 0)) + value).normalize(), "f")
    if manual:
        out[MANUAL] = manual
    return out


def measure_label(code: str) -> str:
    if code == MANUAL:
        return "手工填报指标"
    measure = registry.get(code)
    return measure.label if measure else code


def diff(before: dict | None, after: dict) -> list[dict]:
    """Changed cells between two snapshots: [{measure, cell, before, after, change}]."""
    before = before or {}
    rows = []
    for code in sorted(set(before) | set(after)):
        old, new = before.get(code, {}), after.get(code, {})
        for cell in sorted(set(old) | set(new)):
            a, b = old.get(cell), new.get(cell)
            if a == b:
                continue
            change = None
            try:
                change = float(b or 0) - float(a or 0)
                change = int(change) if change == int(change) else round(change, 4)
            except (TypeError, ValueError):
                pass
            rows.append({"measure": measure_label(code), "cell": cell, "before": a,
                         "after": b, "change": change})
    return rows
