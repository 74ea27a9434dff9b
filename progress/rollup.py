"""The monthly roll-up: every target in force in a month, its actual from the unit's own
figures and its whole subtree, completion against time progress (序时进度), status, rank among
siblings and change against the previous month — written to `ProgressSnapshot`.

Set-based: flow actuals come from one grouped query per figure table, window and department
sector over the closure table (each indicator a filtered SUM), stocks and manual values from
one query per indicator, whatever the number of org units; Python only walks targets and
aggregated rows, never figure rows. One roll-up per month at a time (a row lock on
`RollupLock`); the month's snapshot is replaced in one transaction, so a run that dies leaves
the previous snapshot intact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Sum, Value, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from skills_portal import clock
from skills_portal.bulk import gc_paused, insert_rows, insert_rows_into
from targets import groups
from targets.choices import Comparator, DecompositionAxis, GroupMode, IndicatorKind, IndicatorSource
from targets.measures import (
    measure_totals,
    measure_values,
    months_between,
    months_in,
    next_month,
)
from targets.models import DataValue, Indicator, Target

from . import forecast
from .choices import ProgressStatus, RollupRequestStatus, RollupStatus
from .models import ProgressSnapshot, RollupLock, RollupMark, RollupRequest, RollupRun

logger = logging.getLogger(__name__)
FOUR = Decimal("0.0001")


class RollupBusy(Exception):
    """Another roll-up of the same month holds the lock."""


def time_progress(target: Target | TargetFacts, month: dt.date) -> Decimal:
    """Share of the target's window elapsed at the end of `month` (序时进度)."""
    total = months_in(target.period_start, target.period_end)
    elapsed = min(max(months_in(target.period_start, month), 0), total)
    return (Decimal(elapsed) / Decimal(total)).quantize(FOUR)


def judge(completion: Decimal | None, progress: Decimal, comparator: str, *,
          tolerance: Decimal | None = None, serious: Decimal | None = None) -> str:
    """The status of a completion rate against time progress. The roll-up passes the two
    thresholds, read once per run, since it judges every target in force."""
    if completion is None:
        return _UNDETERMINED
    if comparator == _CEILING:  # a ceiling: fine until it is passed
        return _DONE if completion <= 1 else _SERIOUSLY_BEHIND
    if completion >= 1:
        return _DONE
    if tolerance is None:
        tolerance = Decimal(str(settings.ROLLUP_ON_PACE_TOLERANCE))
    if serious is None:
        serious = Decimal(str(settings.ROLLUP_SERIOUS_GAP))
    lead = completion - progress
    if lead >= tolerance:
        return _AHEAD
    if lead >= -tolerance:
        return _ON_PACE
    if lead >= -serious:
        return _BEHIND
    return _SERIOUSLY_BEHIND


# Plain strings, not the enum members: the roll-up writes one per target in force, and COPY
# formats a str faster than a str subclass.
_UNDETERMINED, _DONE, _AHEAD, _ON_PACE, _BEHIND, _SERIOUSLY_BEHIND = (
    str(s.value) for s in (ProgressStatus.UNDETERMINED, ProgressStatus.DONE, ProgressStatus.AHEAD,
                           ProgressStatus.ON_PACE, ProgressStatus.BEHIND,
                           ProgressStatus.SERIOUSLY_BEHIND))
_CEILING = str(Comparator.LTE.value)


# --- actuals ----------------------------------------------------------------------------------
# A leaf is what one query family answers: (indicator id, window start, window end, sector).
Leaf = tuple[int, dt.date, dt.date, str | None]


def _leaf_totals(leaves: dict[Leaf, Indicator], units: dict[Leaf, set[int]],
                 as_of: dict[Leaf, dict[int, dt.date]]) -> dict[Leaf, dict[int, Decimal] | None]:
    """{leaf: {unit: value over the unit's subtree}}. Flow indicators read from domain
    measures are batched per (window, sector) into `measure_totals` (one scan per figure
    table); stock and manual indicators take one grouped query each. None for a department
    sector's share of figures that record no department (a target that slipped past
    `Target.clean`): its status is undetermined, and the rest of the month rolls up."""
    batches: dict[tuple, list[Leaf]] = defaultdict(list)
    manual_flows: dict[tuple, list[Leaf]] = defaultdict(list)
    result: dict[Leaf, dict[int, Decimal] | None] = {}
    for leaf, indicator in leaves.items():
        _, start, end, sector = leaf
        if sector is not None and not indicator.has_department_figures():
            result[leaf] = None  # a department's share cannot be told: undetermined
            continue
        if indicator.source == IndicatorSource.MEASURE and indicator.kind == IndicatorKind.FLOW:
            batches[(start, end, sector)].append(leaf)
        elif indicator.kind == IndicatorKind.FLOW:
            manual_flows[(start, end, sector)].append(leaf)
        else:
            result[leaf] = _single_leaf(indicator, month=end, units=units[leaf],
                                        sector=sector, as_of=as_of[leaf])
    for (start, end, sector), members in batches.items():
        result.update(measure_totals(
            {leaf: (leaves[leaf].measure, leaves[leaf].filters) for leaf in members},
            start=start, end=end, units=sorted(set().union(*(units[leaf] for leaf in members))),
            rolled_up=True, department_sector=sector,
        ))
    for (start, end, sector), members in manual_flows.items():
        result.update(_manual_flow_totals(members, start=start, end=end, sector=sector,
                                          units=units))
    return result


def _manual_flow_totals(leaves: list[Leaf], *, start: dt.date, end: dt.date,
                        sector: str | None, units: dict[Leaf, set[int]]) -> dict:
    """Manually reported flows of one window, summed over each unit's subtree: one grouped
    query for all their indicators (a report page reads dozens)."""
    rows = DataValue.unscoped.filter(
        indicator__in=sorted({leaf[0] for leaf in leaves}), period__gte=start, period__lte=end,
        org_unit__ancestor_links__ancestor__in=sorted(set().union(*(units[leaf]
                                                                   for leaf in leaves))))
    if sector is not None:
        rows = rows.filter(department__sector=sector)
    totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in rows.values("indicator_id", unit=F("org_unit__ancestor_links__ancestor")).annotate(
            total=Sum("value")).order_by():
        totals[row["indicator_id"]][row["unit"]] = row["total"]
    return {leaf: {u: v for u, v in totals[leaf[0]].items() if u in units[leaf]}
            for leaf in leaves}


def _single_leaf(indicator: Indicator, *, month: dt.date, units: set[int],
                 sector: str | None, as_of: dict[int, dt.date]) -> dict[int, Decimal]:
    """Stock indicators at `month`: from a stock measure, or each reporting unit's latest
    manual value (a level stands until a new one is reported). A unit whose figure is older
    than `month` gets the oldest month it dates from in `as_of`. (Flows are batched:
    `measure_totals`, `_manual_flow_totals`.)"""
    if indicator.source != IndicatorSource.MEASURE:
        return _latest_levels(indicator, month=month, units=units, sector=sector, as_of=as_of)
    values = measure_values(indicator.measure, indicator.filters, start=month, end=month,
                            units=sorted(units), rolled_up=True, department_sector=sector)
    return {u: v for (u, m), v in values.items() if m == month}


def _latest_levels(indicator: Indicator, *, month: dt.date, units: set[int], sector: str | None,
                   as_of: dict[int, dt.date]) -> dict[int, Decimal]:
    """A manual stock over each unit's subtree: the sum of every reporting unit's (and
    department's) latest value up to `month`. One statement: a value counts when it is the
    newest of its unit and department by then. (A window, not NOT EXISTS on a newer value: on a
    table without statistics the anti-join was planned as a nested loop, quadratic in the
    indicator's values — 0.5 s a month for 1,400 values.)"""
    reported = DataValue.unscoped.filter(indicator=indicator, period__lte=month)
    if sector is not None:
        reported = reported.filter(department__sector=sector)
    newest = (reported.annotate(newest=Window(Max("period"), partition_by=[
                  F("org_unit_id"), Coalesce("department_id", Value(0))]))
              .filter(period=F("newest")).values("pk"))
    grouped = (DataValue.unscoped.filter(pk__in=newest,
                                         org_unit__ancestor_links__ancestor__in=sorted(units))
               .values(unit=F("org_unit__ancestor_links__ancestor"))
               .annotate(total=Sum("value"), oldest=Min("period")).order_by())
    totals = {}
    for row in grouped:
        totals[row["unit"]] = row["total"]
        if row["oldest"] < month:
            as_of[row["unit"]] = row["oldest"]
    return totals


# Module-level rather than closures of `actuals`: a recursive closure is a reference cycle,
# which would keep the month's totals alive until the garbage collector (paused during a
# roll-up) finds it.
def _need(indicator: Indicator, key: Leaf, wanted: set[int], leaves: dict[Leaf, Indicator],
          units: dict[Leaf, set[int]]) -> None:
    if indicator.kind == IndicatorKind.RATIO:
        for part in (indicator.numerator, indicator.denominator):
            _need(part, (part.pk, *key[1:]), wanted, leaves, units)
        return
    leaves[key] = indicator
    units[key] |= wanted


def _date_of(indicator: Indicator, key: Leaf, unit: int,
             dates: dict[Leaf, dict[int, dt.date]]) -> dt.date | None:
    if indicator.kind != IndicatorKind.RATIO:
        return dates[key].get(unit)
    parts = [_date_of(part, (part.pk, *key[1:]), unit, dates)
             for part in (indicator.numerator, indicator.denominator)]
    return min((d for d in parts if d is not None), default=None)


def _value_of(indicator: Indicator, key: Leaf,
              totals: dict[Leaf, dict[int, Decimal] | None]) -> dict[int, Decimal] | None:
    if indicator.kind != IndicatorKind.RATIO:
        return totals[key]
    num = _value_of(indicator.numerator, (indicator.numerator_id, *key[1:]), totals)
    den = _value_of(indicator.denominator, (indicator.denominator_id, *key[1:]), totals)
    if num is None or den is None:
        return None
    return {u: num.get(u, Decimal(0)) / d * 100 for u, d in den.items() if d}


def actuals(targets: list[TargetFacts], month: dt.date,
            as_of: dict[int, dt.date] | None = None) -> dict[int, Decimal | None]:
    """Each target's actual at the end of `month`: flows summed from the window start, stocks
    at `month` (a manual level carried forward from its last report, its month put in `as_of`
    by target; a level never reported is None, not 0), ratios (in %) of their parts, each over
    the unit's whole subtree (or, for a department target, over that department's sector)."""
    groups: dict[Leaf, list[Target]] = defaultdict(list)
    for t in targets:
        groups[(t.indicator_id, t.period_start, min(month, t.period_end), t.sector)].append(t)

    leaves: dict[Leaf, Indicator] = {}
    units: dict[Leaf, set[int]] = defaultdict(set)
    for key, members in groups.items():
        _need(members[0].indicator, key, {t.org_unit_id for t in members}, leaves, units)
    dates: dict[Leaf, dict[int, dt.date]] = defaultdict(dict)
    totals = _leaf_totals(leaves, units, dates)

    result: dict[int, Decimal | None] = {}
    zero = Decimal(0)
    for key, members in groups.items():
        indicator = members[0].indicator
        values = _value_of(indicator, key, totals)
        if values is None:
            result.update((t.pk, None) for t in members)
            continue
        # No records: none; a level nobody reported is unknown.
        missing = zero if (indicator.kind == IndicatorKind.FLOW
                           or indicator.source == IndicatorSource.MEASURE) else None
        key_dates = dates[key] if indicator.kind != IndicatorKind.RATIO else None
        for t in members:  # once per target in force: the plain path first
            value = values.get(t.org_unit_id)
            if value is None:
                value = missing
            if value is None:
                result[t.pk] = None
                continue
            if as_of is not None:
                dated = (key_dates.get(t.org_unit_id) if key_dates is not None
                         else _date_of(indicator, key, t.org_unit_id, dates))
                if dated is not None:
                    as_of[t.pk] = dated
            if t.is_increment:
                if t.baseline is None:
                    result[t.pk] = None
                    continue
                value = value - t.baseline
            result[t.pk] = value.quantize(FOUR)
    return result


# --- the snapshot ----------------------------------------------------------------------------
@dataclass(slots=True)
class TargetFacts:
    """What the roll-up reads of a target, as plain values: at national scale, model instances
    with their related rows would cost more than the SQL that computes the actuals."""

    pk: int
    plan_id: int
    indicator_id: int
    org_unit_id: int
    unit_parent_id: int | None
    department_id: int | None
    sector: str | None
    period_start: dt.date
    period_end: dt.date
    value: Decimal | None
    comparator: str
    is_soft: bool
    is_increment: bool
    baseline: Decimal | None
    parent_id: int | None
    axis: str
    indicator: Indicator | None = None
    group_id: int | None = None
    group_mode: str = ""


_FACT_LOOKUPS = ("pk", "plan_id", "indicator_id", "org_unit_id", "org_unit__parent_id",
                 "department_id", "department__sector", "period_start", "period_end", "value",
                 "comparator", "is_soft", "is_increment", "baseline", "parent_id", "axis",
                 "group_id", "group_mode")


def in_force(month: dt.date) -> list[TargetFacts]:
    """Every target whose window covers `month`, in id order. Targets given to a reference
    plan (one cited by the plans tracked here) are rolled up too, so that a chain of plans
    shows each level's progress side by side."""
    indicators = {i.pk: i for i in Indicator.unscoped.select_related("numerator", "denominator")}
    rows = Target.unscoped.filter(
        period_start__lte=month, period_end__gte=month,
    ).order_by("pk").values_list(*_FACT_LOOKUPS)
    return [TargetFacts(*row[:-2], indicator=indicators[row[2]], group_id=row[-2],
                        group_mode=row[-1]) for row in rows]


def group_actuals(targets: list[TargetFacts], month: dt.date,
                  as_of: dict[int, dt.date]) -> tuple[dict[int, Decimal | None],
                                                       dict[int, Decimal | None]]:
    """Targets stated for an org-unit group (#22): ({target: the members' actual},
    {target: the value judged}). The actual sums the members within the target's unit, each
    over the months it is a member (flows) or if it is a member in `month` (stocks); the value
    is the target's own for a group total, and its members' targets added up for an
    each-member target. One membership query, one `actuals` call, one query of member
    targets, whatever the number of group targets. A ratio is not added over members."""
    statements = [t for t in targets if t.group_id]
    if not statements:
        return {}, {}
    for t in statements:
        as_of.pop(t.pk, None)  # read over the issuing unit, not the members
    members = groups.spans({t.group_id for t in statements},
                           within={t.group_id: t.org_unit_id for t in statements})
    parts: list[TargetFacts] = []
    owner: dict[int, int] = {}
    for t in statements:
        if t.indicator.kind == IndicatorKind.RATIO:
            continue
        flow = t.indicator.kind == IndicatorKind.FLOW
        for unit_id, unit_spans in members.get(t.group_id, {}).items():
            for first, last in groups.clipped(unit_spans, t.period_start,
                                              min(month, t.period_end)):
                if not flow and last < month:
                    continue  # a level counts the members of the month
                part = dataclasses.replace(
                    t, pk=-(len(parts) + 1), org_unit_id=unit_id, is_increment=False,
                    group_id=None, **({"period_start": first, "period_end": last} if flow
                                      else {}))
                parts.append(part)
                owner[part.pk] = t.pk
    values = actuals(parts, month, as_of=(dates := {}))
    totals: dict[int, Decimal | None] = {t.pk: None for t in statements}
    for part in parts:
        value = values.get(part.pk)
        if value is None:
            continue
        pk = owner[part.pk]
        totals[pk] = (totals[pk] or Decimal(0)) + value
        if part.pk in dates:
            as_of[pk] = min(as_of.get(pk, dates[part.pk]), dates[part.pk])
    for t in statements:
        if t.indicator.kind == IndicatorKind.FLOW and totals[t.pk] is None:
            totals[t.pk] = Decimal(0)  # no member figures: nothing done yet
        if totals[t.pk] is not None and t.is_increment:
            totals[t.pk] = None if t.baseline is None else totals[t.pk] - t.baseline
        if totals[t.pk] is not None:
            totals[t.pk] = totals[t.pk].quantize(FOUR)
    each = [t.pk for t in statements if t.group_mode == GroupMode.EACH]
    judged: dict[int, Decimal | None] = {t.pk: t.value for t in statements
                                         if t.group_mode != GroupMode.EACH}
    if each:
        judged.update(dict.fromkeys(each))
        judged.update(Target.unscoped.filter(parent_id__in=each, axis=DecompositionAxis.GROUP)
                      .values("parent_id").annotate(total=Sum("value")).order_by()
                      .values_list("parent_id", "total"))
    return totals, judged


@dataclass(slots=True)
class SnapshotRow:
    target_id: int
    actual: Decimal | None
    target_value: Decimal | None
    completion_rate: Decimal | None
    time_progress: Decimal
    gap_to_target: Decimal | None
    gap_to_time: Decimal | None
    status: str
    is_soft: bool
    completion_change: Decimal | None
    value_as_of: dt.date | None = None
    rank: int | None = None
    rank_of: int | None = None
    foresight: forecast.Foresight | None = None


def build_snapshot(month: dt.date) -> list[SnapshotRow]:
    targets = in_force(month)
    as_of: dict[int, dt.date] = {}
    values = actuals(targets, month, as_of)
    group_totals, group_values = group_actuals(targets, month, as_of)
    values.update(group_totals)
    previous = dict(ProgressSnapshot.unscoped.filter(period=clock.previous_month(month))
                    .values_list("target_id", "completion_rate"))
    tolerance = Decimal(str(settings.ROLLUP_ON_PACE_TOLERANCE))
    serious = Decimal(str(settings.ROLLUP_SERIOUS_GAP))
    progress_of: dict[tuple[dt.date, dt.date], Decimal] = {}  # few distinct windows
    flows = {t.indicator_id for t in targets if t.indicator.kind == IndicatorKind.FLOW}
    past = forecast.history(month, targets, flow_indicators=flows)
    rows = []
    for t in targets:
        actual = values.get(t.pk)
        window = (t.period_start, t.period_end)
        progress = progress_of.get(window)
        if progress is None:
            progress = progress_of[window] = time_progress(t, month)
        completion = gap_to_target = gap_to_time = change = None
        value = group_values.get(t.pk, t.value)
        if actual is not None and value is not None:
            if value:
                completion = (actual / value).quantize(FOUR)
            gap_to_target = (actual - value).quantize(FOUR)
            gap_to_time = (actual - value * progress).quantize(FOUR)
        prior = previous.get(t.pk)
        if completion is not None and prior is not None:
            change = (completion - prior).quantize(FOUR)
        rows.append(SnapshotRow(
            target_id=t.pk, actual=actual, target_value=value,
            completion_rate=completion, time_progress=progress,
            gap_to_target=gap_to_target, gap_to_time=gap_to_time,
            status=judge(completion, progress, t.comparator, tolerance=tolerance,
                         serious=serious),
            is_soft=t.is_soft, completion_change=change, value_as_of=as_of.get(t.pk),
            foresight=forecast.foresee(
                dataclasses.replace(t, value=value) if t.pk in group_values else t,
                actual, month, past, flow=t.indicator_id in flows,
                                       completion=completion),
        ))
    _rank(targets, rows)
    return rows


def _rank(targets: list[TargetFacts], rows: list[SnapshotRow]) -> None:
    """Rank by completion rate among siblings: the shares of one decomposition, or the same
    plan's targets on the same indicator and window held by units of one parent."""
    siblings: dict[tuple, list[SnapshotRow]] = defaultdict(list)
    for t, row in zip(targets, rows, strict=True):
        if t.parent_id:
            key = ("part", t.parent_id, t.axis)
        else:
            key = ("peer", t.plan_id, t.indicator_id, t.period_start, t.period_end,
                   t.unit_parent_id, t.department_id is None)
        siblings[key].append(row)
    for group in siblings.values():
        ranked = sorted((r for r in group if r.completion_rate is not None),
                        key=lambda r: (-r.completion_rate, r.target_id))
        if len(group) < 2:
            continue
        position, last = 0, None
        for index, row in enumerate(ranked, start=1):
            if row.completion_rate != last:
                position, last = index, row.completion_rate
            row.rank, row.rank_of = position, len(ranked)


_SNAPSHOT_FIELDS = ("target", "period", "run", "actual", "target_value", "completion_rate",
                    "time_progress", "gap_to_target", "gap_to_time", "status", "is_soft",
                    "rank", "rank_of", "completion_change", "value_as_of", "projected",
                    "projected_completion", "projection_method", "required_pace", "pace_so_far",
                    "warning")


def _write_snapshot(month: dt.date, run: RollupRun | None, rows: list[SnapshotRow]) -> None:
    """Write the month's snapshot inside the caller's transaction. The rows are plain
    computed values with no save() logic, so they go in as plain values (`insert_rows`:
    COPY on PostgreSQL). A month rolled up before, on PostgreSQL, changes only the rows that
    differ (`_rewrite_changed`): the sweep rolls a month up again every few minutes after a
    county's save, which moves a few dozen of its 57,763 rows (the national benchmark)."""
    run_id = run.pk if run else None
    fields = [f for f in _SNAPSHOT_FIELDS if f not in ("period", "run")]
    values = ((r.target_id, r.actual, r.target_value, r.completion_rate, r.time_progress,
               r.gap_to_target, r.gap_to_time, r.status, r.is_soft, r.rank, r.rank_of,
               r.completion_change, r.value_as_of, *_foresight(r.foresight)) for r in rows)
    existing = ProgressSnapshot.unscoped.filter(period=month)
    if connection.vendor == "postgresql" and existing.exists():
        _rewrite_changed(month, run_id, fields, values)
        return
    existing.delete()
    # On PostgreSQL the database stores and checks one chunk while the next is formatted
    # (`beside`).
    insert_rows(ProgressSnapshot, fields, values, constant={"period": month, "run": run_id},
                beside=True)


def _rewrite_changed(month: dt.date, run_id: int | None, fields: list[str], values) -> None:
    """The new rows COPY into a temporary table (no index, no key to check); then one
    statement each deletes the month's rows of targets no longer in force, updates the rows
    whose values differ and inserts the rows of targets new in force. A row's `run` is the
    run that last changed it."""
    meta = ProgressSnapshot._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    stage = quote(f"stage_{meta.db_table}")
    columns = [quote(meta.get_field(name).column) for name in fields]
    key, compared = columns[0], columns[1:]
    listed = ", ".join(columns)
    period, run = (quote(meta.get_field(name).column) for name in ("period", "run"))
    # Names come from the model's metadata; values never enter the SQL text.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
                       f"SELECT {listed} FROM {table} WITH NO DATA")
    insert_rows_into(stage, listed, values, beside=True)
    # No ANALYZE of the stage (0.12 s at national scale): the planner sizes a table never
    # analysed from its pages, enough to choose the hash joins below.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"DELETE FROM {table} AS t WHERE t.{period} = %s AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {stage} AS s WHERE s.{key} = t.{key})", [month])
        cursor.execute(
            f"UPDATE {table} AS t SET "  # noqa: S608
            + ", ".join(f"{c} = s.{c}" for c in compared) + f", {run} = %s"
            + f" FROM {stage} AS s WHERE t.{period} = %s AND t.{key} = s.{key} AND "
            + "(" + ", ".join(f"t.{c}" for c in compared) + ") IS DISTINCT FROM ("
            + ", ".join(f"s.{c}" for c in compared) + ")", [run_id, month])
        cursor.execute(
            f"INSERT INTO {table} ({listed}, {period}, {run}) "  # noqa: S608
            f"SELECT {listed}, %s, %s FROM {stage} AS s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {table} AS t WHERE t.{period} = %s AND t.{key} = s.{key})",
            [month, run_id, month])
        cursor.execute(f"DROP TABLE {stage}")


_NO_FORESIGHT = (None, None, "", None, None, "")


def _foresight(f: forecast.Foresight | None) -> tuple:
    if f is None:
        return _NO_FORESIGHT
    return (f.projected, f.projected_completion, f.method, f.required_pace, f.pace_so_far,
            f.warning)


@contextmanager
def _count_queries():
    counter = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def rollup_month(month: dt.date, *, trigger: str = "command", wait: bool = True,
                 request: RollupRequest | None = None) -> RollupRun:
    """Recompute the snapshot of `month`. Raises RollupBusy when another roll-up of that month
    holds the lock and `wait` is False. `request`: the roll-up request the run works for."""
    month = month.replace(day=1)
    run = RollupRun.unscoped.create(period=month, trigger=trigger, request=request)
    try:
        with suppress(IntegrityError):  # created concurrently: it exists now
            RollupLock.objects.get_or_create(period=month)
        with _count_queries() as counter, transaction.atomic():
            try:
                RollupLock.objects.select_for_update(nowait=not wait).get(period=month)
            except DatabaseError as exc:
                raise RollupBusy(f"a roll-up of {month:%Y-%m} is already running") from exc
            # The roll-up allocates millions of objects (57,763 targets and rows, their
            # decimals) and frees them by reference counting; the collections they would set
            # off cost about 0.2 s of a 1.7 s national roll-up.
            with gc_paused():
                rows = build_snapshot(month)
                _write_snapshot(month, run, rows)
        run.status, run.rows_written, run.queries = RollupStatus.SUCCEEDED, len(rows), counter["n"]
    except Exception as exc:
        run.status, run.error = RollupStatus.FAILED, f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        logger.warning("roll-up of %s failed: %s", f"{month:%Y-%m}", run.error)
        raise
    run.finished_at = timezone.now()
    run.save()
    return run


ABANDONED_MESSAGE = ("执行这次汇总的进程已中断（进程被终止或数据库连接断开），未能正常结束；"
                     "已安排重新汇总该月。")


def mark_abandoned_runs() -> list[dt.date]:
    """Runs still `running` whose process is gone: a live run holds its month's RollupLock row
    for as long as it works (it dies with its connection), so a running run of a month whose
    lock nobody holds, started before the grace period, was abandoned. Marks them so and
    returns their months, for the caller to roll up again."""
    grace = timezone.now() - dt.timedelta(seconds=settings.ROLLUP_ABANDON_AFTER_SECONDS)
    stale = RollupRun.unscoped.filter(status=RollupStatus.RUNNING, started_at__lt=grace)
    periods = set(stale.values_list("period", flat=True))
    if not periods:
        return []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # skip_locked: the rows we get are the months no live roll-up is holding.
            free = set(RollupLock.objects.select_for_update(skip_locked=True)
                       .filter(period__in=periods).values_list("period", flat=True))
        else:  # SQLite (one process, the embedded default): the grace period decides
            free = set(periods)
        # A run that died before it created its month's lock row holds nothing either.
        free |= periods - set(RollupLock.objects.filter(period__in=periods)
                              .values_list("period", flat=True))
        abandoned = stale.filter(period__in=free)
        months = sorted(set(abandoned.values_list("period", flat=True)))
        count = abandoned.update(status=RollupStatus.ABANDONED, finished_at=timezone.now(),
                                 error=ABANDONED_MESSAGE)
    if count:
        logger.warning("%s abandoned roll-up run(s) of %s; rolling them up again.", count,
                       ", ".join(f"{m:%Y-%m}" for m in months))
    return months


def sweep(between=None) -> list[dt.date]:
    """Roll up every month touched by figures saved since the last sweep, and the later months
    whose year-to-date or cumulative actuals they change, and every month whose last roll-up
    was abandoned. Marks are removed only after a successful roll-up, so nothing is lost if
    this fails. `between()`, when given, runs after each month (the background sweep pauses
    there so that a waiting write gets SQLite's lock)."""
    started = timezone.now()
    redo = mark_abandoned_runs()
    seen = list(RollupMark.objects.filter(marked_at__lte=started)
                .values_list("pk", "period", "marked_at"))
    months = []
    if seen:
        latest = ProgressSnapshot.unscoped.aggregate(last=Max("period"))["last"]
        periods = [period for _, period, _ in seen]
        last = max(periods) if latest is None else max(max(periods), latest)
        months = months_between(min(periods), last)
    months = sorted(set(months) | set(redo))
    for month in months:
        rollup_month(month, trigger="sweep")
        if between is not None:
            between()
    _forget(seen)
    return months


def _forget(seen: list[tuple[int, dt.date, dt.datetime]]) -> None:
    """Delete the marks a sweep rolled up: the ones it read, unless marked again since. Not
    "every mark up to the sweep's start": a save whose transaction began before the sweep and
    committed after the sweep read the marks would lose its mark with its month not rolled
    up (a re-marked row keeps its id, so its time tells)."""
    stamps = {pk: marked_at for pk, _, marked_at in seen}
    ids = list(stamps)
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            done = [pk for pk, marked_at in RollupMark.objects.select_for_update()
                    .filter(pk__in=chunk).values_list("pk", "marked_at")
                    if marked_at == stamps[pk]]
            RollupMark.objects.filter(pk__in=done).delete()


def rollup_span(first: dt.date, last: dt.date, *, trigger: str = "command") -> list[RollupRun]:
    month, runs = first.replace(day=1), []
    while month <= last:
        runs.append(rollup_month(month, trigger=trigger))
        month = next_month(month)
    return runs


# --- roll-up requests (#26) -----------------------------------------------------------------
def _claim(pk: int) -> bool:
    """Take a queued request (one statement: a duplicate message, a second worker or the
    background thread finds it taken and does nothing)."""
    now = timezone.now()
    if not RollupRequest.unscoped.filter(pk=pk, status=RollupRequestStatus.QUEUED).update(
            status=RollupRequestStatus.RUNNING, progressed_at=now, error=""):
        return False
    RollupRequest.unscoped.filter(pk=pk, started_at__isnull=True).update(started_at=now)
    return True


def _rolled_up_since(month: dt.date, since) -> bool:
    """Whether a roll-up of `month` started after `since` and succeeded: it read the
    definitions as they are now (a request is made after the change it is for commits), and
    a month's roll-up recomputes the whole month, so the month is fresh already."""
    return RollupRun.unscoped.filter(period=month, status=RollupStatus.SUCCEEDED,
                                     started_at__gte=since).exists()


_PROGRESS_FIELDS = ["months_done", "current_month", "progressed_at"]


def run_request(pk: int, *, between=None) -> RollupRequest | None:
    """Work through a queued roll-up request: its months in order, one roll-up run each
    (linked to the request), the count of months done and the month being rolled up saved
    after each, so that its page and `/api/v1/rollup-requests/{id}/` show how far it is. A
    month rolled up by another run since the request was made is counted without a second
    roll-up. A failure stops the request with its error (each month is its own transaction:
    the months done stay done, the failed one keeps its previous snapshot). Returns None when
    the request is not queued (taken by another process, finished, or gone). A request put
    back in the queue after its process died starts again after its last month done."""
    if not _claim(pk):
        return None
    request = RollupRequest.unscoped.get(pk=pk)
    month = None
    try:
        for month in months_between(request.first_month, request.last_month)[request.months_done:]:
            request.current_month, request.progressed_at = month, timezone.now()
            request.save(update_fields=_PROGRESS_FIELDS)
            if not _rolled_up_since(month, request.requested_at):
                rollup_month(month, trigger="request", request=request)
            request.months_done += 1
            request.progressed_at = timezone.now()
            request.save(update_fields=_PROGRESS_FIELDS)
            if between is not None:
                between()
    except Exception as exc:
        request.status = RollupRequestStatus.FAILED
        request.error = (f"{month:%Y-%m}: " if month else "") + f"{type(exc).__name__}: {exc}"
        request.finished_at = timezone.now()
        request.save(update_fields=["status", "error", "finished_at"])
        logger.warning("roll-up request %s failed: %s", pk, request.error)
        return request
    request.status, request.current_month = RollupRequestStatus.SUCCEEDED, None
    request.finished_at = timezone.now()
    request.save(update_fields=["status", "current_month", "finished_at"])
    return request


def run_queued_requests(*, between=None) -> list[int]:
    """Every queued request, oldest first (the background thread of the embedded default)."""
    requeue_stalled_requests()
    done = []
    queued = RollupRequest.unscoped.filter(status=RollupRequestStatus.QUEUED)
    while (pk := queued.order_by("requested_at", "pk").values_list("pk", flat=True).first()):
        if run_request(pk, between=between) is not None:
            done.append(pk)
    return done


def requeue_stalled_requests() -> list[int]:
    """Running requests whose process died (a worker killed, a restart): no progress for
    `ROLLUP_ABANDON_AFTER_SECONDS` and nobody holding the lock of the month they were rolling
    up (a live roll-up holds it for as long as it works). They go back to the queue with the
    months they did, for the caller to send again; returns their ids."""
    grace = timezone.now() - dt.timedelta(seconds=settings.ROLLUP_ABANDON_AFTER_SECONDS)
    stale = RollupRequest.unscoped.filter(status=RollupRequestStatus.RUNNING,
                                          progressed_at__lt=grace)
    candidates = dict(stale.values_list("pk", "current_month"))
    if not candidates:
        return []
    months = {m for m in candidates.values() if m is not None}
    with transaction.atomic():
        held: set[dt.date] = set()
        if months and connection.features.has_select_for_update_skip_locked:
            free = set(RollupLock.objects.select_for_update(skip_locked=True)
                       .filter(period__in=months).values_list("period", flat=True))
            held = set(RollupLock.objects.filter(period__in=months)
                       .values_list("period", flat=True)) - free
        ids = [pk for pk, month in candidates.items() if month not in held]
        stale.filter(pk__in=ids).update(status=RollupRequestStatus.QUEUED)
    if ids:
        logger.warning("roll-up request(s) %s stopped moving; queued again.",
                       ", ".join(map(str, ids)))
    return ids


def unsent_requests() -> list[int]:
    """Requests still queued five grace periods after they were made: their message may
    have been lost (a broker outage when they were sent, a Redis restart)."""
    before = timezone.now() - dt.timedelta(seconds=5 * settings.ROLLUP_ABANDON_AFTER_SECONDS)
    return list(RollupRequest.unscoped.filter(status=RollupRequestStatus.QUEUED,
                                              requested_at__lt=before)
                .order_by("requested_at", "pk").values_list("pk", flat=True))
