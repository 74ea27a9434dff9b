"""A compact picture of a report's figures, stored at each submission so that a reviewer sees
what changed since the last one: {measure code: {cell: value}} — each domain's flow measures
grouped by their dimensions for the unit (or department) and month, plus manual data values.
One grouped query per measure, for one report or many; zero cells are left out."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db.models import Count, F, Sum

from org.scoping import unscoped
from targets.measures import as_date, month_of, next_month, registry
from targets.models import DataValue

MANUAL = "manual"
# The code a manual cell's key ends with: "技能人才总量（skill_talent_total）".
_MANUAL_CODE = re.compile(r"（[A-Za-z0-9_.-]+）$")


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
    key = (report.org_unit_id, report.department_id, report.period)
    return figures_snapshots([key])[key]


def figures_snapshots(keys) -> dict[tuple, dict]:
    """`figures_snapshot` of many reports at once, each given as (unit id, department id or
    None, month): one grouped query per measure for all of them. A unit's report counts all
    of the unit's figures (its departments' too); a department's report only its own."""
    keys = [(unit, department, period.replace(day=1)) for unit, department, period in keys]
    out: dict[tuple, dict] = {key: {} for key in keys}
    if not keys:
        return out
    units = {unit for unit, _department, _period in keys}
    wanted = set(keys)
    start, end = min(k[2] for k in keys), next_month(max(k[2] for k in keys))
    for measure in registry.all():
        source = measure.source
        if source is None or measure.is_stock:
            continue
        model = source.model_class()
        qs = unscoped(model).filter(**dict(source.where), **{
            f"{source.unit_field}__in": units, f"{source.date_field}__gte": start,
            f"{source.date_field}__lt": end})
        lookups = [source.dimensions[d.name] for d in measure.dimensions
                   if d.name in source.dimensions]
        place = {"s_unit": F(source.unit_field), "s_month": month_of(model, source.date_field)}
        if source.department_field:
            place["s_department"] = F(source.department_field)
        total = Sum(source.value) if source.value else Count("pk")
        rows = qs.values(*lookups, **place).annotate(total=total).order_by()
        for row in rows:
            if not row["total"]:
                continue
            month = as_date(row["s_month"])
            cell, value = _cell(measure, row), int(row["total"])
            for key in {(row["s_unit"], None, month), (row["s_unit"], row.get("s_department"),
                                                        month)}:
                if key in wanted:
                    cells = out[key].setdefault(measure.code, {})
                    cells[cell] = cells.get(cell, 0) + value
    values = DataValue.unscoped.filter(org_unit_id__in=units, period__gte=start, period__lt=end)
    for unit, department, period, code, name, value in values.values_list(
            "org_unit_id", "department_id", "period", "indicator__code", "indicator__name",
            "value"):
        for key in {(unit, None, period), (unit, department, period)}:
            if key in wanted:
                manual = out[key].setdefault(MANUAL, {})
                label = f"{name}（{code}）"
                manual[label] = format((Decimal(manual.get(label, 0)) + value).normalize(), "f")
    return out


def cell_label(code: str, cell: str) -> str:
    """A cell as a reader knows it: a manual indicator by its name (the stored key carries the
    indicator's code too, so that two indicators of one name stay apart)."""
    if code == MANUAL:
        return _MANUAL_CODE.sub("", cell)
    return cell


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
            rows.append({"measure": measure_label(code), "cell": cell_label(code, cell), "before": a,
                         "after": b, "change": change})
    return rows
