"""The measure registry: what each domain app feeds the roll-up, and how to count it.

Each domain app declares its measures in its own `measures.py` (autodiscovered when Django
starts): a code, a unit, its dimensions, and a `Source` saying which model holds the figures,
which field is summed, which date puts a figure in a month, and which field holds each
dimension. An indicator names a measure plus dimension filters; `registry.validate` checks
them, and `measure_values` answers "sum of measure M with filters F, per org unit and month"
as one grouped query — for each unit's own figures, or for whole subtrees through the org-unit
closure table (every figure counted once at every level above it). `measure_totals` sums many
flow measures over a whole window at once, scanning each figure table once.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from org.closure import OrgUnitClosure
from org.scoping import unscoped


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    # Allowed values; None means free text (e.g. occupation, programme names set per plan).
    choices: tuple | None = None
    boolean: bool = False

    def validate(self, value) -> None:
        values = value if isinstance(value, list) else [value]
        if not values:
            raise ValidationError(_("Filter %(d)s has an empty list.") % {"d": self.name})
        for v in values:
            if self.boolean:
                if not isinstance(v, bool):
                    raise ValidationError(
                        _("Filter %(d)s takes true or false, not %(v)r.") % {"d": self.name, "v": v}
                    )
            elif not isinstance(v, str) or not v.strip():
                raise ValidationError(
                    _("Filter %(d)s takes text values, not %(v)r.") % {"d": self.name, "v": v}
                )
            elif self.choices is not None and v not in self.choices:
                raise ValidationError(
                    _("%(v)s is not a value of %(label)s (allowed: %(allowed)s).")
                    % {"v": v, "label": self.label, "allowed": "、".join(self.choices)}
                )


@dataclass(frozen=True)
class Source:
    """Where a measure's figures live."""

    model: str  # "app_label.ModelName"
    date_field: str  # the month a figure belongs to (a month field or any date, truncated)
    value: str | None = None  # the field summed; None counts records
    unit_field: str = "org_unit"
    department_field: str | None = "department"
    dimensions: dict = field(default_factory=dict)  # dimension name → ORM lookup path
    # Stock measures: a record counts from the month of `date_field` until `active_until`
    # (exclusive; empty = still active). Such measures give month-end levels, not sums.
    active_until: str | None = None
    where: tuple = ()  # fixed (lookup, value) conditions, e.g. (("carrier_type", "试点企业"),)

    def model_class(self):
        return apps.get_model(self.model)


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    dimensions: tuple[Dimension, ...] = field(default_factory=tuple)
    source: Source | None = None

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)

    @property
    def is_stock(self) -> bool:
        return bool(self.source and self.source.active_until)


class MeasureRegistry:
    def __init__(self):
        self._measures: dict[str, Measure] = {}

    def register(self, *measures: Measure) -> None:
        for measure in measures:
            if measure.code in self._measures and self._measures[measure.code] != measure:
                raise ValueError(f"Measure {measure.code} is declared twice.")
            self._measures[measure.code] = measure

    def get(self, code: str) -> Measure | None:
        return self._measures.get(code)

    def all(self) -> list[Measure]:
        return sorted(self._measures.values(), key=lambda m: m.code)

    def validate(self, code: str, filters, unit: str) -> None:
        measure = self.get(code)
        if measure is None:
            known = "、".join(m.code for m in self.all())
            raise ValidationError(
                _("Unknown measure %(code)r (known: %(known)s).") % {"code": code, "known": known}
            )
        if measure.unit != unit:
            raise ValidationError(
                _("Measure %(code)s counts %(m)s; the indicator's unit is %(u)s.")
                % {"code": code, "m": measure.unit, "u": unit}
            )
        if not isinstance(filters, dict):
            raise ValidationError(_("Filters are a mapping of dimension to value(s)."))
        messages = []
        for name, value in filters.items():
            dimension = measure.dimension(name)
            if dimension is None:
                messages.append(
                    _("%(code)s has no dimension %(d)r (dimensions: %(all)s).")
                    % {"code": code, "d": name,
                       "all": "、".join(d.name for d in measure.dimensions)}
                )
                continue
            try:
                dimension.validate(value)
            except ValidationError as exc:
                messages.extend(exc.messages)
        if messages:
            raise ValidationError(messages)


registry = MeasureRegistry()


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_in(start: dt.date, end: dt.date) -> int:
    """How many months from `start`'s to `end`'s, both counted."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def _condition(measure: Measure, filters: dict | None) -> Q:
    """The rows a measure counts: its source's fixed conditions and the dimension filters."""
    source = measure.source
    if source is None:
        raise ValueError(f"Measure {measure.code} has no source yet.")
    condition = Q(**dict(source.where))
    for name, value in (filters or {}).items():
        lookup = source.dimensions[name]
        condition &= Q(**{f"{lookup}__in" if isinstance(value, list) else lookup: value})
    return condition


def _no_department(measure: Measure) -> ValueError:
    return ValueError(f"Measure {measure.code}'s figures record no department.")


def _filtered(measure: Measure, filters: dict | None, *, department_sector=None, department=None):
    source = measure.source
    if (department is not None or department_sector is not None) and not source.department_field:
        raise _no_department(measure)
    qs = unscoped(source.model_class()).filter(_condition(measure, filters))
    if department is not None:
        qs = qs.filter(**{source.department_field: department})
    if department_sector is not None:
        qs = qs.filter(**{f"{source.department_field}__sector": department_sector})
    return qs


def measure_totals(
    requests: dict[Hashable, tuple[str, dict | None]],
    *,
    start: dt.date,
    end: dt.date,
    units=None,
    rolled_up: bool = False,
    department_sector: str | None = None,
    by_month: bool = False,
) -> dict[Hashable, dict]:
    """{request key: {org unit id: total}}: each flow measure summed over the whole window
    from `start` to `end`, for many measures at once — one grouped query per figure table,
    each measure a filtered SUM (conditional aggregation), so a table is scanned once however
    many indicators read it. `requests` maps a key of the caller's to (measure code, filters).
    With `by_month`, totals are per (org unit id, month) instead. Rolled up on PostgreSQL,
    each unit's own totals are added to the units above in the same statement, and `units`
    costs one more query (`_most_of_tree`)."""
    tables: dict[tuple, dict[Hashable, tuple[Measure, dict | None]]] = defaultdict(dict)
    for key, (code, filters) in requests.items():
        measure = registry.get(code)
        if measure is None:
            raise ValueError(f"Unknown measure {code}")
        if measure.is_stock:
            raise ValueError(f"Measure {code} is a stock; totals over a window are for flows.")
        source = measure.source
        tables[(source.model, source.date_field, source.unit_field,
                source.department_field)][key] = (measure, filters)
    start, end = start.replace(day=1), end.replace(day=1)
    result: dict[Hashable, dict[int, Decimal]] = {key: {} for key in requests}
    # On PostgreSQL a rolled-up total sums each unit's own figures first and only then adds
    # those subtotals to every unit above (`_spread_over_ancestors`): one closure row per unit
    # instead of per figure row (the national roll-up's training scan joined 3.9 million).
    spread = (rolled_up and connection.vendor == "postgresql"
              and (units is None or isinstance(units, list | tuple | set | frozenset)))
    # Restricting the scan to the subtrees of `units` costs a lookup per figure row: worth it
    # unless they hold most of the tree (the national roll-up asks for nearly every unit).
    within = units if spread and units is not None and not _most_of_tree(units) else None
    for (model, date_field, unit_field, department_field), members in tables.items():
        unit_key = (f"{unit_field}__ancestor_links__ancestor" if rolled_up and not spread
                    else unit_field)
        qs = unscoped(apps.get_model(model)).filter(
            **{f"{date_field}__gte": start, f"{date_field}__lt": next_month(end)})
        conditions = {key: _condition(measure, filters)
                      for key, (measure, filters) in members.items()}
        if all(conditions.values()):  # every measure filters: scan only rows some measure counts
            qs = qs.filter(reduce(operator.or_, conditions.values()))
        if department_sector is not None:
            if not department_field:
                raise _no_department(next(iter(members.values()))[0])
            qs = qs.filter(**{f"{department_field}__sector": department_sector})
        if not spread and units is not None:
            qs = qs.filter(**{f"{unit_key}__in": units})
        elif within is not None:
            qs = qs.filter(**{f"{unit_key}__in": OrgUnitClosure.objects.filter(
                ancestor_id__in=within).values("descendant_id")})
        aliases = {key: f"m{index}" for index, key in enumerate(members)}
        aggregates = {}
        for key, (measure, _filters) in members.items():
            condition = conditions[key] or None
            value = measure.source.value
            aggregates[aliases[key]] = (Sum(value, filter=condition) if value
                                        else Count("pk", filter=condition))
        groups = {"unit": F(unit_key)}
        if by_month:
            groups["month"] = month_of(apps.get_model(model), date_field)
        grouped = qs.values(**groups).annotate(**aggregates).order_by()
        rows = (_spread_over_ancestors(grouped, list(aliases.values()), units, by_month)
                if spread else grouped)
        for row in rows:
            where = (row["unit"], as_date(row["month"])) if by_month else row["unit"]
            for key, alias in aliases.items():
                result[key][where] = Decimal(row[alias] or 0)
    return result


def _closure_columns() -> tuple[str, str, str]:
    closure = OrgUnitClosure._meta
    quote = connection.ops.quote_name
    return (quote(closure.db_table),
            *(quote(closure.get_field(name).column) for name in ("ancestor", "descendant")))


def _most_of_tree(units) -> bool:
    """Whether the subtrees of `units` hold at least half of all org units (one query)."""
    table, ancestor, descendant = _closure_columns()
    with connection.cursor() as cursor:
        # Names come from the model's metadata; the units are a parameter.
        cursor.execute(f"SELECT COUNT(DISTINCT {descendant}) * 2 >= "  # noqa: S608
                       f"(SELECT COUNT(*) FROM {table} WHERE {ancestor} = {descendant}) "
                       f"FROM {table} WHERE {ancestor} = ANY(%s)", [list(units)])
        return cursor.fetchone()[0]


def _spread_over_ancestors(grouped, aliases: list[str], units, by_month: bool) -> list[dict]:
    """`grouped` (each unit's own totals, as `unit`, `month` and the aliases) summed over
    every unit above through the closure table, in the database: rows like `grouped`'s with
    `unit` the ancestor, kept to `units` when given. PostgreSQL only (an array parameter; its
    SUMs of sums keep the inner sums' exact types)."""
    sql, params = grouped.query.sql_with_params()
    table, ancestor, descendant = _closure_columns()
    month = ", s.month" if by_month else ""
    where, extra = "", []
    if units is not None:
        where, extra = f" WHERE c.{ancestor} = ANY(%s)", [list(units)]
    # Names come from the models' metadata and fixed aliases; values stay parameters.
    outer = (f"SELECT c.{ancestor} AS unit{month}, "  # noqa: S608
             + ", ".join(f"SUM(s.{alias}) AS {alias}" for alias in aliases)
             + f" FROM ({sql}) AS s JOIN {table} AS c"
             + f" ON c.{descendant} = s.unit{where} GROUP BY c.{ancestor}{month}")
    with connection.cursor() as cursor:
        cursor.execute(outer, [*params, *extra])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def measure_values(
    code: str,
    filters: dict | None = None,
    *,
    start: dt.date,
    end: dt.date,
    units=None,
    rolled_up: bool = False,
    department_sector: str | None = None,
    department=None,
) -> dict[tuple[int, dt.date], Decimal]:
    """{(org unit id, month): value} for the months from `start` to `end`.

    Flow measures give each month's sum; stock measures the level at each month's end.
    `units` restricts the org units (ids or a queryset); with `rolled_up`, each unit's value
    covers its whole subtree. `department_sector` keeps figures reported by departments of
    that sector (a city 应急管理局's quota against its counterparts below it)."""
    measure = registry.get(code)
    if measure is None:
        raise ValueError(f"Unknown measure {code}")
    source = measure.source
    qs = _filtered(measure, filters, department_sector=department_sector, department=department)
    unit_key = f"{source.unit_field}__ancestor_links__ancestor" if rolled_up else source.unit_field
    if units is not None:
        qs = qs.filter(**{f"{unit_key}__in": units})
    start, end = start.replace(day=1), end.replace(day=1)
    limit = next_month(end)
    aggregate = Sum(source.value) if source.value else Count("pk")

    def grouped(queryset, date_field):
        return (
            queryset.values(unit=F(unit_key), month=month_of(queryset.model, date_field))
            .annotate(total=aggregate if date_field == source.date_field else Count("pk"))
            .order_by()
        )

    if not measure.is_stock:
        qs = qs.filter(**{f"{source.date_field}__gte": start, f"{source.date_field}__lt": limit})
        return {(r["unit"], as_date(r["month"])): Decimal(r["total"] or 0)
                for r in grouped(qs, source.date_field)}

    # Stock: level at month end = records started by then − records ended by then.
    changes: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for r in grouped(qs.filter(**{f"{source.date_field}__lt": limit}), source.date_field):
        changes[r["unit"]][as_date(r["month"])] += r["total"]
    ended = qs.filter(**{f"{source.active_until}__isnull": False,
                         f"{source.active_until}__lt": limit})
    for r in grouped(ended, source.active_until):
        changes[r["unit"]][as_date(r["month"])] -= r["total"]
    result = {}
    for unit, by_month in changes.items():
        level = sum(v for m, v in by_month.items() if m < start)
        for month in months_between(start, end):
            level += by_month.get(month, 0)
            result[(unit, month)] = Decimal(level)
    return result


def month_of(model, date_field: str):
    """The month of a record: a monthly figure's period is the month (stored on its first day,
    so no truncation per row: an import checks 100,000 of them); other dates are truncated."""
    if getattr(model, "period_is_month", False) and date_field == "period":
        return F(date_field)
    return TruncMonth(date_field, output_field=DateField())


def as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
