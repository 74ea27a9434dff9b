"""Targets stated for an org-unit group (#22): "each 脱贫县 trains at least N" and "the
group's total ≥ N".

- **Each member** (`GroupMode.EACH`): every member unit within the target's org unit holds a
  target of its own, a child of the group target on the axis `group`, kept here from the
  memberships. A unit that is a member for part of a flow's window holds the months it is a
  member (from its first to its last month in the window), the number pro-rated by those
  months; for a stock or a ratio (a level by a date) a unit holds the whole number if it is a
  member at the window's end, and nothing otherwise. Member targets are ordinary targets:
  decomposed further, implemented by the members' own plans, ranked among the group.
- **The members' total** (`GroupMode.TOTAL`): the group target itself is judged on the sum of
  its members' figures, each counted for the months it is a member (`spans`).

Both follow membership changes from the month they take effect: a membership saved, changed
or deleted re-keeps the member targets of that unit (`membership_changed`, from the signals
`TargetsConfig.ready()` connects) and marks the months from then for the roll-up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from org.closure import OrgUnitClosure
from org.models import OrgUnit, OrgUnitGroupMember
from skills_portal import clock, hooks

from .choices import DecompositionAxis, GroupMode, IndicatorKind, WindowKind
from .measures import months_in

FOUR = Decimal("0.0001")
Span = tuple[dt.date, dt.date | None]  # a membership's first and last month (None: ongoing)


def spans(group_ids, *, within: dict[int, int] | None = None,
          units=None) -> dict[int, dict[int, list[Span]]]:
    """{group: {unit: [(first month, last month or None), …]}} in one query; with `within`
    ({group: org unit}), only members in that unit's subtree (itself included)."""
    rows = OrgUnitGroupMember.unscoped.filter(group_id__in=list(group_ids))
    if units is not None:
        rows = rows.filter(org_unit_id__in=list(units))
    result: dict[int, dict[int, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for group_id, unit_id, since, until in rows.order_by("valid_from").values_list(
            "group_id", "org_unit_id", "valid_from", "valid_to"):
        result[group_id][unit_id].append((since, until))
    if within:
        inside = set(OrgUnitClosure.objects.filter(
            ancestor_id__in=set(within.values()),
            descendant_id__in={u for members in result.values() for u in members})
            .values_list("ancestor_id", "descendant_id"))
        for group_id, members in result.items():
            root = within.get(group_id)
            for unit_id in [u for u in members if (root, u) not in inside]:
                del members[unit_id]
    return result


def clipped(unit_spans: list[Span], start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The parts of a unit's memberships that fall in [start, end]."""
    parts = []
    for since, until in unit_spans:
        first, last = max(since, start), min(until or end, end)
        if first <= last:
            parts.append((first, last))
    return parts


def member_shape(statement, unit_spans: list[Span]) -> dict | None:
    """What a member's own target is under an each-member group target, or None when the
    unit holds none in its window (the rule in the module docstring)."""
    start, end = statement.period_start, statement.period_end
    parts = clipped(unit_spans, start, end)
    if not parts:
        return None
    if statement.indicator.kind != IndicatorKind.FLOW:
        if not any(first <= end <= last for first, last in parts):
            return None  # a level is held by who is a member when it falls due
        return {"window": statement.window, "period_start": start, "period_end": end,
                "value": statement.value, "value_max": statement.value_max}
    member_months = sum(months_in(first, last) for first, last in parts)
    total = months_in(start, end)
    first, last = min(p[0] for p in parts), max(p[1] for p in parts)
    if member_months == total:
        return {"window": statement.window, "period_start": start, "period_end": end,
                "value": statement.value, "value_max": statement.value_max}

    def share(value):
        return None if value is None else (value * member_months / total).quantize(FOUR)

    return {"window": WindowKind.CUMULATIVE, "period_start": first, "period_end": last,
            "value": share(statement.value), "value_max": share(statement.value_max)}


def _member_code(statement, unit: OrgUnit) -> str:
    return f"{statement.code}-{unit.code or f'u{unit.pk}'}"[:80]


def materialise(statement, *, units=None) -> None:
    """Keep the member targets of `statement` (all its members, or only `units`) as its
    memberships say: created, changed, or removed where a unit holds none. A member target
    that other targets implement or decompose is never removed silently: the change that
    would remove it is refused, naming it."""
    from .models import Target

    kept = Target.unscoped.filter(parent=statement, axis=DecompositionAxis.GROUP)
    if units is not None:
        kept = kept.filter(org_unit_id__in=list(units))
    existing = {t.org_unit_id: t for t in kept.select_related("org_unit")}
    shapes: dict[int, dict] = {}
    if statement.group_id and statement.group_mode == GroupMode.EACH:
        members = spans([statement.group_id], within={statement.group_id: statement.org_unit_id},
                        units=units)[statement.group_id]
        for unit_id, unit_spans in members.items():
            shape = member_shape(statement, unit_spans)
            if shape is not None:
                shapes[unit_id] = shape
    for unit_id, child in existing.items():
        if unit_id not in shapes:
            _remove(child)
    units_by_id = OrgUnit.unscoped.in_bulk([u for u in shapes if u not in existing])
    for unit_id, shape in shapes.items():
        child = existing.get(unit_id)
        if child is None:
            child = Target(plan_id=statement.plan_id, org_unit=units_by_id[unit_id],
                           code=_member_code(statement, units_by_id[unit_id]),
                           parent=statement, axis=DecompositionAxis.GROUP)
        before = hooks.audit.snapshot(child) if child.pk else None
        fields = {**shape, "indicator_id": statement.indicator_id,
                  "comparator": statement.comparator, "is_soft": statement.is_soft,
                  "is_increment": statement.is_increment, "baseline": statement.baseline,
                  "task_id": statement.task_id, "quote": statement.quote}
        if child.pk and all(getattr(child, k) == v for k, v in fields.items()):
            continue
        for name, value in fields.items():
            setattr(child, name, value)
        child.note = _("Kept from the group target %(code)s (%(group)s, each member).") % {
            "code": statement.code, "group": statement.group.name}
        child.full_clean()
        child.save()
        hooks.audit.record_change(actor=None, obj=child, before=before,
                                  after=hooks.audit.snapshot(child), note="group target")


def _remove(child) -> None:
    if child.implementations.exists() or child.children.exists():
        raise ValidationError(_(
            "%(unit)s's target %(code)s is implemented or decomposed further: it cannot be "
            "removed by a change of the group's members. Remove those links first.") % {
            "unit": child.org_unit.name, "code": child.code})
    before = hooks.audit.snapshot(child)
    pk = child.pk
    child.delete()
    child.pk = pk
    hooks.audit.record_change(actor=None, obj=child, before=before, after=None,
                              note="group target")


def statement_saved(target) -> None:
    """After a target is saved: a group target keeps its member targets (and a target that is
    no longer one drops them)."""
    if target.axis == DecompositionAxis.GROUP:
        return
    if target.group_id or getattr(target, "_stored_group_id", None):
        # Like any change of a target, this marks no month (#26 re-rolls on definitions).
        materialise(target)
        target._stored_group_id = target.group_id


def membership_changed(group_id: int, unit_id: int, since: dt.date) -> None:
    """After a membership is saved or deleted: the unit's member targets under every
    each-member target of the group are kept again, and the months from `since` are marked
    for the roll-up (group totals change too)."""
    from .models import Target

    statements = list(Target.unscoped.filter(group_id=group_id).select_related(
        "indicator", "group"))
    if not statements:
        return
    with transaction.atomic():
        for statement in statements:
            if statement.group_mode == GroupMode.EACH:
                materialise(statement, units=[unit_id])
        _mark_members(group_id, unit_id, since)


def _mark_members(group_id, unit_id: int, since: dt.date) -> None:
    """The roll-up re-reads the months from `since` to now (the unit's first and current
    month: the sweep rolls up the months between)."""
    today = clock.today().replace(day=1)
    since = min(since.replace(day=1), today)
    hooks.rollup.mark_for_rollup(pairs={(unit_id, since), (unit_id, today)})

