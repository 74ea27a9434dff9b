"""Reads of the dashboard and the bulletin: everything comes from progress snapshots
(`targets.ProgressSnapshot`) and the targets, plans and org units they point at, never from
figures. Every function takes the user for scoping; `user=None` means the system (the Celery
task that issues bulletins) and sees everything.

`dashboard(user, plan=…, unit=…, month=…)` answers one page in a bounded number of queries
(pinned in tests/test_dashboard_api.py) whatever the number of units or snapshots: the plans
the user can see, the unit, its breadcrumbs, the child units to drill into, one query for the
month's snapshots of the unit and its children, one for the two years of trend. The result is
plain JSON-able values, cached in the Django cache under the user's scope, the request and
the latest finished roll-up (`cached_dashboard`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from org.access import Scope
from org.choices import OrgLevel
from org.closure import OrgUnitClosure
from org.models import OrgUnit, OrgUnitGroup
from org.scoping import unscoped
from progress.choices import ProgressStatus, ProjectionMethod, RollupStatus, WarningColour
from progress.models import ProgressSnapshot, RollupRun
from progress.rollup import TargetFacts, actuals, judge
from skills_portal import clock
from targets.choices import DecompositionAxis, GroupMode, IndicatorKind
from targets.measures import registry
from targets.models import DataValue, Indicator, Plan, Target, window_label
from targets.selectors import implemented_anchor, implementing_plan_q

from .models import Bulletin

CACHE_SECONDS = 600
LAGGING = (ProgressStatus.SERIOUSLY_BEHIND, ProgressStatus.BEHIND)
WARNING_ORDER = {c.value: i for i, c in enumerate(WarningColour)}
STATUS_ICONS = {
    ProgressStatus.DONE: "✓",  # text marks, never emoji (U+2714 and U+2716 may render as emoji)
    ProgressStatus.AHEAD: "▲",
    ProgressStatus.ON_PACE: "●",
    ProgressStatus.BEHIND: "▼",
    ProgressStatus.SERIOUSLY_BEHIND: "×",
    ProgressStatus.UNDETERMINED: "？",
}


class DashboardError(Exception):
    """A request the dashboard cannot answer: `status` 403 (no unit assigned) or 404 (nothing
    there for this user). The message is shown to the user."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.message, self.status = message, status


# --- small helpers --------------------------------------------------------------------------
def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def month_label(month: dt.date | None) -> str | None:
    return f"{month:%Y-%m}" if month else None


def _visible_units(user):
    # No user: a bulletin issued by the system (a Celery task) sees every unit.
    return OrgUnit.unscoped.all() if user is None else OrgUnit.objects.for_user(user)


def _visible_targets(user):
    return Target.unscoped.all() if user is None else Target.objects.for_user(user)


def _visible_snapshots(user):
    return ProgressSnapshot.unscoped.all() if user is None else \
        ProgressSnapshot.objects.for_user(user)


def run_months() -> tuple[dict[dt.date, object], object]:
    """{month: last finish of a succeeded roll-up of that month}, and the latest finish of
    all: one grouped query over the roll-up runs. The stamp keys the dashboard cache, so a
    finished roll-up of any month makes every cached page stale."""
    # Runs are national and name no unit: every member may know how fresh the figures are.
    rows = (RollupRun.unscoped.filter(status=RollupStatus.SUCCEEDED)
            .values_list("period").annotate(last=Max("finished_at")).order_by())
    months = dict(rows)
    stamp = max((v for v in months.values() if v is not None), default=None)
    return months, stamp


# --- the page ---------------------------------------------------------------------------------
@dataclass
class Resolved:
    plan: dict
    plans: list[dict]
    unit: OrgUnit
    month: dt.date | None
    months: list[dt.date]
    rolled_up_at: object = None  # when the shown month's snapshot was last rolled up


def _plans(user) -> list[dict]:
    """Non-reference plans with at least one target the user may see, with their targets'
    span."""
    rows = (Plan.unscoped.filter(is_reference=False,  # the plans of targets in scope
                                pk__in=_visible_targets(user).values("plan_id"))
            .annotate(first=Min("targets__period_start"), last=Max("targets__period_end"))
            .values("pk", "code", "short_name", "doc_number", "issuer_unit_id",
                    "issuer_unit__level", "issue_date", "first", "last")
            .order_by("-issue_date", "code"))
    return list(rows)


def months_with_figures(months: list[dt.date]) -> set[dt.date]:
    """Which of `months` have monthly figures (a domain's monthly report, a manual value):
    a month after the one being reported is offered only then. Records merely dated in it (a
    subsidy claim filed on the 2nd) do not make it a month to read."""
    if not months:
        return set()
    found: set[dt.date] = set()
    models = {DataValue} | {
        measure.source.model_class() for measure in registry.all()
        if measure.source and getattr(measure.source.model_class(), "period_is_month", False)}
    for model in models:
        found |= set(unscoped(model).filter(period__in=months).values_list("period", flat=True)
                     .distinct())
    return found


def offered_months(run_periods, first: dt.date, last: dt.date
                   ) -> tuple[list[dt.date], dt.date | None]:
    """The months of a plan's window that have a snapshot, newest first, and the default: the
    month being reported (the business clock's previous month) or the newest before it (a
    plan that has ended opens on its last month: its final result). A later month is offered
    once it has figures; it never becomes the default by itself."""
    reporting = clock.previous_month()
    window = [m for m in run_periods if first <= m <= last]
    later = months_with_figures([m for m in window if m > reporting])
    months = sorted((m for m in window if m <= reporting or m in later), reverse=True)
    default = next((m for m in months if m <= reporting), months[-1] if months else None)
    return months, default


def resolve(user, *, plan_code: str | None, unit_id: int | None, month: dt.date | None
            ) -> Resolved:
    """The plan, unit and month a request means, defaulting to the user's own unit (their
    first membership; a superuser: the plan's issuing unit), the plan that governs it and the
    month being reported."""
    scope = Scope.of(user) if user is not None else None
    if scope is not None and not scope.is_member:
        raise DashboardError(_("You have no unit assigned yet: ask an administrator."), 403)
    plans = _plans(user)
    if not plans:
        raise DashboardError(_("There is no plan with targets you may see."))
    run_periods, _stamp = run_months()
    latest_run = max(run_periods, default=None)

    unit = None
    if unit_id is not None:
        unit = _visible_units(user).filter(pk=unit_id).first()
        if unit is None:
            raise DashboardError(_("This org unit does not exist or is outside your scope."))
    elif scope is not None and not scope.is_global:
        first = min(scope.memberships(), key=lambda m: m.pk)
        unit = first.org_unit

    if plan_code:
        plan = next((p for p in plans if p["code"] == plan_code), None)
        if plan is None:
            raise DashboardError(_("Plan %(code)s does not exist or has no targets you may "
                                   "see.") % {"code": plan_code})
    else:
        local = set()
        if unit is not None:
            local = set(_visible_targets(user).filter(
                org_unit__in=OrgUnitClosure.objects.filter(ancestor_id=unit.pk)
                .values("descendant_id")).values_list("plan_id", flat=True).distinct())

        # Never a plan whose targets all stand undetermined (待定) while others have figures:
        # count each plan's judged targets in the month being reported (or the newest before).
        reporting = clock.previous_month()
        judged_month = max((m for m in run_periods if m <= reporting), default=latest_run)
        judged = dict(
            _visible_snapshots(user).filter(period=judged_month)
            .exclude(status=ProgressStatus.UNDETERMINED)
            .values_list("target__plan_id").annotate(n=Count("id")).order_by())

        def preference(p):
            # The plan that governs the user's unit; else (a superuser) the top of the scope:
            # a plan with figures, issued highest, in force, newest.
            current = p["first"] <= reporting <= p["last"]
            return (p["pk"] in local, judged.get(p["pk"], 0) > 0, -p["issuer_unit__level"],
                    current, p["last"], p["issue_date"] or dt.date.min)

        plan = max(plans, key=preference)
    if unit is None:  # a superuser without a unit: the plan's issuing unit
        unit = OrgUnit.unscoped.get(pk=plan["issuer_unit_id"])

    months, default = offered_months(run_periods, plan["first"], plan["last"])
    if month is None:
        month = default
    return Resolved(plan=plan, plans=plans, unit=unit, month=month, months=months,
                    rolled_up_at=run_periods.get(month) if month else None)


def _row(s: dict) -> dict:
    status = s["status"]
    return {
        "target_id": s["target_id"],
        "target_code": s["target__code"],
        "indicator": {"code": s["target__indicator__code"], "name": s["target__indicator__name"],
                      "unit": s["target__indicator__unit"]},
        "window": window_label(s["target__window"], s["target__period_start"],
                               s["target__period_end"]),
        "window_kind": s["target__window"],
        "unit": {"id": s["target__org_unit_id"], "code": s["target__org_unit__code"],
                 "name": s["target__org_unit__name"]},
        "department": ({"id": s["target__department_id"], "name": s["target__department__name"]}
                       if s["target__department_id"] else None),
        "target": _num(s["target_value"]),
        "actual": _num(s["actual"]),
        "completion_rate": _num(s["completion_rate"]),
        "time_progress": _num(s["time_progress"]),
        "gap_to_target": _num(s["gap_to_target"]),
        "gap_to_time": _num(s["gap_to_time"]),
        "status": status,
        "status_label": str(ProgressStatus(status).label),
        "status_icon": STATUS_ICONS.get(status, ""),
        "is_soft": s["is_soft"],
        "rank": s["rank"],
        "rank_of": s["rank_of"],
        "completion_change": _num(s["completion_change"]),
        # A stock's figure carried forward from an earlier month: the month it dates from.
        "actual_as_of": month_label(s.get("value_as_of")),
        # Which target governs the row (#16): the plan's own (its decomposition share) or the
        # unit's own commitment in a plan implementing this one.
        "governing_target": s["target_id"],
        "source": s.get("source", PLAN),
        "source_label": s.get("source_label") or _("This plan"),
        "plan_target": _num(s["target_value"]) if s.get("source", PLAN) == PLAN else None,
        "own_target": _num(s["target_value"]) if s.get("source") == OWN else None,
        "other": None,
        # Foresight (#20): where the target will stand at its window's end, how much a month
        # is still needed, and the early-warning level.
        "projected": _num(s.get("projected")),
        "projected_completion": _num(s.get("projected_completion")),
        "projection_method": s.get("projection_method") or "",
        "projection_method_label": (str(ProjectionMethod(s["projection_method"]).label)
                                    if s.get("projection_method") else ""),
        "required_pace": _num(s.get("required_pace")),
        "pace_so_far": _num(s.get("pace_so_far")),
        "warning": s.get("warning") or "",
        "warning_label": str(WarningColour(s["warning"]).label) if s.get("warning") else "",
        # A target stated for an org-unit group, or a member's share of one (#22).
        "group": s.get("target__group__name") or s.get("target__parent__group__name") or None,
    }


def _other(s: dict) -> dict:
    """The row under the other basis, where a unit has both a share and its own commitment."""
    return {"target_id": s["target_id"], "source": s["source"], "source_label": s["source_label"],
            "target": _num(s["target_value"]), "actual": _num(s["actual"]),
            "completion_rate": _num(s["completion_rate"]), "status": s["status"],
            "status_label": str(ProgressStatus(s["status"]).label),
            "window": window_label(s["target__window"], s["target__period_start"],
                                   s["target__period_end"])}


def _governed(s: dict, other: dict | None) -> dict:
    row = _row(s)
    if other is not None:
        row["other"] = _other(other)
        plan, own = (s, other) if s["source"] == PLAN else (other, s)
        row["plan_target"], row["own_target"] = _num(plan["target_value"]), \
            _num(own["target_value"])
    return row


_SNAPSHOT_VALUES = (
    "target_id", "target__code", "target__indicator_id", "target__indicator__code",
    "target__indicator__name", "target__indicator__unit", "target__window",
    "target__period_start", "target__period_end", "target__org_unit_id",
    "target__org_unit__code", "target__org_unit__name", "target__department_id",
    "target__department__name", "target__parent_id", "target__axis", "target_value", "actual",
    "completion_rate", "time_progress", "gap_to_target", "gap_to_time", "status", "is_soft",
    "rank", "rank_of", "completion_change", "value_as_of", "target__plan_id",
    "target__plan__short_name", "target__plan__doc_number", "target__is_increment",
    "projected", "projected_completion", "projection_method", "required_pace", "pace_so_far",
    "warning", "target__group__name", "target__parent__group__name",
)

# Which target governs a unit's row (#16): `plan` (the default) is the plan's own share where
# it has one, else the unit's own commitment; `own` is the unit's own commitment where it has
# one, else the plan's share.
PLAN, OWN = "plan", "own"


def _series_key(s: dict) -> str:
    # An implementing target goes with the plan's target it implements (its anchor), whose
    # window may differ from its own. The members' shares of a group target form a series of
    # their own (#22), beside the units' regional shares of the same indicator.
    if s["target__axis"] == DecompositionAxis.GROUP:
        return f"{s['target__indicator__code']}|group|{s['target__parent_id']}"
    return f"{s['target__indicator__code']}|{s['anchor_window']}|" \
           f"{s['anchor_start']:%Y%m}-{s['anchor_end']:%Y%m}"


def _govern(snapshots: list[dict], plan_id: int, unit_id: int, basis: str
            ) -> list[tuple[dict, dict | None]]:
    """Per unit and series, the governing snapshot and the other one (or None): the plan's
    rows as they are, each unit's own commitment where the plan has none there (or where
    `basis` is `own`). Of several commitments of one unit, the nearest plan's (fewest links),
    then the first."""
    plan_rows, own_rows = [], {}
    for s in snapshots:
        if s["target__plan_id"] == plan_id:
            s["source"] = PLAN
            s["source_label"] = _("This plan") if s["target__org_unit_id"] == unit_id else \
                _("Decomposed in this plan")
            plan_rows.append(s)
            continue
        if s["target__department_id"] or s["anchor_id"] is None:
            continue
        s["source"] = OWN
        s["source_label"] = " ".join(
            x for x in (s["target__plan__short_name"], s["target__plan__doc_number"]) if x)
        key = (_series_key(s), s["target__org_unit_id"])
        if key not in own_rows or (s["anchor_depth"], s["target_id"]) < (
                own_rows[key]["anchor_depth"], own_rows[key]["target_id"]):
            own_rows[key] = s
    result = []
    for s in plan_rows:
        if s["target__department_id"]:
            result.append((s, None))
            continue
        own = own_rows.pop((_series_key(s), s["target__org_unit_id"]), None)
        if own is None:
            result.append((s, None))
        elif basis == OWN:
            result.append((own, s))
        else:
            result.append((s, own))
    result.extend((s, None) for s in own_rows.values())
    return result


def _rerank(rows: list[dict]) -> None:
    """Rank rows by completion rate among themselves: a series where some unit's own
    commitment governs, which the roll-up ranked among its own plan's peers."""
    ranked = sorted((r for r in rows if r["completion_rate"] is not None),
                    key=lambda r: (-r["completion_rate"], r["governing_target"]))
    for r in rows:
        r["rank"] = r["rank_of"] = None
    if len(rows) < 2:
        return
    position, last = 0, None
    for index, r in enumerate(ranked, start=1):
        if r["completion_rate"] != last:
            position, last = index, r["completion_rate"]
        r["rank"], r["rank_of"] = position, len(ranked)


def _lag(row: dict) -> float:
    rate = row["completion_rate"] if row["completion_rate"] is not None else 0
    return rate - (row["time_progress"] or 0)


def report(user, *, plan_id: int, unit: OrgUnit, month: dt.date | None,
           basis: str = PLAN) -> dict:
    """Headline cards, child units per indicator (ranked), laggards, departments: one query
    over the month's snapshots of the unit and its children — the plan's own targets and the
    targets of plans implementing it (each unit's own commitment, #16)."""
    if month is None:
        return {"headline": [], "series": [], "laggards": [], "departments": [], "units_own": [],
                "warnings": []}
    # The unit and its children as a subquery: the planner starts from their targets (an
    # index on the unit) rather than from every snapshot of the month.
    here = Q(target__org_unit__in=OrgUnit.unscoped.filter(Q(pk=unit.pk) | Q(parent_id=unit.pk))
             .values("pk"))
    snapshots = list(
        _visible_snapshots(user)
        .filter(period=month)
        .filter(here & (Q(target__plan_id=plan_id) | (
            implementing_plan_q(plan_id, "target__") & Q(target__department__isnull=True))))
        .annotate(**implemented_anchor(plan_id, "target__"))
        .values(*_SNAPSHOT_VALUES, "anchor_id", "anchor_window", "anchor_start", "anchor_end",
                "anchor_depth")
        .order_by("target__indicator__code", "target__period_start", "target__org_unit__code",
                  "target_id")
    )
    governed = _govern(snapshots, plan_id, unit.pk, basis)
    own = [(s, o) for s, o in governed if s["target__org_unit_id"] == unit.pk]
    headline = [(s, o) for s, o in own if not s["target__department_id"]]
    # Top-level targets first, each followed by its slices (其中).
    ids = {s["target_id"] for s, _o in headline}
    headline.sort(key=lambda pair: (
        (pair[0]["target__parent_id"], 1) if pair[0]["target__axis"] == "slice"
        and pair[0]["target__parent_id"] in ids else (pair[0]["target_id"], 0)))
    departments = [_row(s) for s in sorted(
        (s for s, _o in own if s["target__department_id"]),
        key=lambda s: (s["target__indicator__code"], -(s["target_value"] or 0),
                       s["target__department__name"]))]

    series: dict[str, dict] = {}
    for s, other in governed:
        if s["target__org_unit_id"] == unit.pk or s["target__department_id"]:
            continue
        key = _series_key(s)
        if key not in series:
            series[key] = {
                "key": key,
                "indicator": {"code": s["target__indicator__code"],
                              "name": s["target__indicator__name"],
                              "unit": s["target__indicator__unit"]},
                "window": window_label(s["anchor_window"], s["anchor_start"], s["anchor_end"])
                if s["target__axis"] != DecompositionAxis.GROUP else
                f"{s['target__parent__group__name']} · {_('each member')}",
                "time_progress": None,
                "reporting": 0,
                "rows": [],
                "has_both": False,
            }
        item = series[key]
        item["rows"].append(_governed(s, other))
        item["has_both"] |= other is not None
        # The series' time progress is the plan's window's, read from a row of the plan.
        plan_row = s if s["source"] == PLAN else other
        if plan_row is not None and item["time_progress"] is None:
            item["time_progress"] = _num(plan_row["time_progress"])
        if s["actual"]:
            item["reporting"] += 1
    for item in series.values():
        if item["time_progress"] is None:
            item["time_progress"] = item["rows"][0]["time_progress"]
        if any(r["source"] == OWN for r in item["rows"]):
            _rerank(item["rows"])
        item["rows"].sort(key=lambda r: (r["completion_rate"] is None,
                                         -(r["completion_rate"] or 0), r["unit"]["code"] or ""))
    # Series on the indicators of the headline cards first, in their order.
    order = {_series_key(s): i for i, (s, _o) in enumerate(headline)}
    # The others in the plan's own order (its targets' order).
    ordered = sorted(series.values(), key=lambda x: (
        order.get(x["key"], len(order)), min(r["target_id"] for r in x["rows"])))
    # The chart opens on the indicator with the most units below reporting a figure (ties in
    # the order above), not on one where every unit stands at 0.
    ordered.sort(key=lambda x: -x["reporting"])
    laggards = sorted(
        (r for x in ordered for r in x["rows"] if r["status"] in LAGGING),
        key=lambda r: (_lag(r), r["unit"]["code"] or ""))
    # A plan that gives the units below no targets (Ningxia's) still shows what each of them
    # did on the plan's headline indicators, unjudged.
    units_own = [] if ordered else _units_own(user, unit=unit, month=month,
                                              headline=[s for s, _o in headline])
    headline_rows = [_governed(s, o) for s, o in headline]
    # Early warnings (预警): the unit's own targets and the units below, the most severe and
    # the furthest from their targets first.
    warnings = sorted(
        (r for r in (*headline_rows, *(r for x in ordered for r in x["rows"])) if r["warning"]),
        key=lambda r: (WARNING_ORDER[r["warning"]], r["projected_completion"] or 0,
                       r["unit"]["code"] or ""))
    return {"headline": headline_rows, "series": ordered, "laggards": laggards,
            "departments": departments, "units_own": units_own, "warnings": warnings}


def offered_groups(user, unit: OrgUnit) -> list[dict]:
    """The org-unit groups with a member at or below `unit` (any month): the dashboard's
    group filter (#22). One query."""
    rows = (OrgUnitGroup.objects.for_user(user)
            .filter(members__org_unit__ancestor_links__ancestor_id=unit.pk)
            .values("code", "name", "group_set__name").distinct().order_by("group_set__name", "name"))
    return [{"code": r["code"], "name": r["name"], "type": r["group_set__name"]} for r in rows]


def group_report(user, *, plan_id: int, unit: OrgUnit, month: dt.date | None,
                 group: OrgUnitGroup) -> dict:
    """A group's standing under the plan in `month` (#22): per indicator and window, the
    group's members at or below `unit` that month ranked by completion, and the group's total
    — the plan's own target for the group where this unit states one (judged by the
    roll-up on the members' sum), else the members' targets and actuals added up. One query
    of members, one of snapshots."""
    result = {"code": group.code, "name": group.name, "members": 0, "series": []}
    if month is None:
        return result
    members = set(group.members_in(month).filter(ancestor_links__ancestor_id=unit.pk)
                  .values_list("pk", flat=True))
    result["members"] = len(members)
    snapshots = list(
        _visible_snapshots(user).filter(period=month, target__plan_id=plan_id,
                                        target__department__isnull=True)
        .filter(Q(target__org_unit__in=members)
                | Q(target__group=group, target__org_unit=unit))
        .values(*_SNAPSHOT_VALUES, "target__group_id", "target__group_mode",
                "target__parent__window",
                "target__parent__period_start", "target__parent__period_end")
        .order_by("target__indicator__code", "target__period_start", "target_id"))
    series: dict[tuple, dict] = {}
    for s in snapshots:
        # A member's share of an each-member group target goes with the group target's
        # window, which its own may be a part of (a member for some of the months).
        by_parent = s["target__axis"] == DecompositionAxis.GROUP
        window = (s["target__parent__window"], s["target__parent__period_start"],
                  s["target__parent__period_end"]) if by_parent else (
            s["target__window"], s["target__period_start"], s["target__period_end"])
        key = (s["target__indicator__code"], *window)
        item = series.setdefault(key, {
            "indicator": {"code": s["target__indicator__code"],
                          "name": s["target__indicator__name"],
                          "unit": s["target__indicator__unit"]},
            "window": window_label(*window), "time_progress": None, "total": None,
            "rows": {}, "_by_parent": {}})
        if s["target__group_id"] == group.pk and s["target__org_unit_id"] == unit.pk:
            # A target for the group's total states the group's line; an each-member target's
            # (its members' numbers added up) stands in where the plan states no total.
            if item["total"] is None or s["target__group_mode"] == GroupMode.TOTAL:
                item["total"] = {**_row(s), "source": "group_target",
                                 "source_label": _("The plan's target for the group")}
            continue
        here = s["target__org_unit_id"]
        if here in item["rows"] and not by_parent and item["_by_parent"].get(here):
            continue  # the member's share of the group target governs its row
        item["rows"][here] = _row(s)
        item["_by_parent"][here] = by_parent
    for item in series.values():
        rows = sorted(item.pop("rows").values(), key=lambda r: (
            r["completion_rate"] is None, -(r["completion_rate"] or 0), r["unit"]["code"] or ""))
        item.pop("_by_parent")
        position, last = 0, None
        for index, row in enumerate(r for r in rows if r["completion_rate"] is not None):
            if row["completion_rate"] != last:
                position, last = index + 1, row["completion_rate"]
            row["rank"], row["rank_of"] = position, sum(
                1 for r in rows if r["completion_rate"] is not None)
        item["rows"] = rows
        item["time_progress"] = (item["total"] or (rows[0] if rows else {})).get("time_progress")
        if item["total"] is None and rows and item["indicator"]["unit"] != "%":  # no ratio sums
            item["total"] = _members_sum(rows, item["time_progress"])
        result["series"].append(item)
    return result


def _members_sum(rows: list[dict], time_progress) -> dict:
    """The group's total where the plan states none for it: the members' targets and actuals
    added up (a target is summed only when every member has one)."""
    targets = [r["target"] for r in rows]
    actual_values = [r["actual"] for r in rows if r["actual"] is not None]
    target = None if any(t is None for t in targets) else sum(targets)
    actual = sum(actual_values) if actual_values else None
    completion = round(actual / target, 4) if actual is not None and target else None
    status = judge(None if completion is None else Decimal(str(completion)),
                   Decimal(str(time_progress or 0)), "gte")
    return {"source": "members_sum", "source_label": _("The members added up"),
            "target": target, "actual": actual, "completion_rate": completion,
            "time_progress": time_progress, "status": status,
            "status_label": str(ProgressStatus(status).label),
            "status_icon": STATUS_ICONS.get(status, "")}


def _units_own(user, *, unit: OrgUnit, month: dt.date, headline: list[dict]) -> list[dict]:
    """For each headline indicator of `unit` (not a change from a baseline, which has no
    meaning below), the figure of each visible unit directly below over the same window, as
    the roll-up computes an actual, with its share of the unit's own (sums only): one series
    per indicator, largest first. Nothing is judged: these units hold no target of the plan."""
    children = list(_visible_units(user).filter(parent_id=unit.pk)
                    .order_by("code", "name").values("id", "code", "name"))
    rows = [s for s in headline if not s["target__is_increment"]]
    if not children or not rows:
        return []
    indicators = {i.pk: i for i in Indicator.unscoped.select_related("numerator", "denominator")
                  .filter(pk__in={s["target__indicator_id"] for s in rows})}
    facts, seen = [], set()
    for s in rows:
        key = (s["target__indicator_id"], s["target__period_start"], s["target__period_end"])
        if key in seen:
            continue
        seen.add(key)
        for child in children:
            facts.append(TargetFacts(
                pk=len(facts) + 1, plan_id=s["target__plan_id"], indicator_id=key[0],
                org_unit_id=child["id"], unit_parent_id=unit.pk, department_id=None,
                sector=None, period_start=key[1], period_end=key[2], value=None,
                comparator="gte", is_soft=False, is_increment=False, baseline=None,
                parent_id=None, axis="", indicator=indicators[key[0]]))
    as_of: dict[int, dt.date] = {}
    values = actuals(facts, month, as_of)
    by_key: dict[tuple, list] = defaultdict(list)
    for fact in facts:
        by_key[(fact.indicator_id, fact.period_start, fact.period_end)].append(fact)
    result = []
    for s in rows:
        key = (s["target__indicator_id"], s["target__period_start"], s["target__period_end"])
        if key not in by_key:
            continue
        members = by_key.pop(key)
        indicator = indicators[key[0]]
        additive = indicator.kind != IndicatorKind.RATIO
        total = s["actual"]
        series_rows = []
        for fact, child in zip(members, children, strict=True):
            value = values.get(fact.pk)
            series_rows.append({
                "unit": child, "actual": _num(value),
                "actual_as_of": month_label(as_of.get(fact.pk)) if as_of.get(fact.pk) and
                as_of[fact.pk] < month else None,
                "share": _num((value / total).quantize(Decimal("0.0001")))
                if additive and value is not None and total else None,
            })
        series_rows.sort(key=lambda r: (r["actual"] is None, -(r["actual"] or 0),
                                        r["unit"]["code"] or ""))
        result.append({
            "key": _series_key({**s, "anchor_window": s["target__window"],
                                "anchor_start": key[1], "anchor_end": key[2]}),
            "indicator": {"code": s["target__indicator__code"],
                          "name": s["target__indicator__name"],
                          "unit": s["target__indicator__unit"]},
            "window": window_label(s["target__window"], key[1], key[2]),
            "own_actual": _num(total), "additive": additive,
            "reporting": sum(1 for r in series_rows if r["actual"]),
            "rows": series_rows,
        })
    # The indicator with the most units reporting first, as the child chart opens.
    result.sort(key=lambda x: -x["reporting"])
    return result


def trend(user, *, plan_id: int, unit: OrgUnit, month: dt.date | None,
          headline: list[dict]) -> list[dict]:
    """Completion by month of the unit's headline indicators, this year up to `month` against
    last year (last year's annual target is another target of the same window kind)."""
    if month is None or not headline:
        return []
    year = month.year
    rows = (
        _visible_snapshots(user)
        .filter(target__plan_id=plan_id, target__org_unit_id=unit.pk,
                target__department__isnull=True,
                target__indicator__code__in=sorted({h["indicator"]["code"] for h in headline}),
                # This year up to the month shown: a later month is not part of the story.
                period__gte=dt.date(year - 1, 1, 1), period__lte=month)
        .values_list("period", "target__indicator__code", "target__window", "target_id",
                     "completion_rate", "actual", "time_progress")
        .order_by("period", "target_id")
    )
    by_key: dict[tuple, dict[tuple, tuple]] = defaultdict(dict)
    for period, code, window, _target, rate, actual, progress in rows:
        # The first target (lowest id) of an indicator and window kind holds the month.
        by_key[(code, window)].setdefault((period.year, period.month), (rate, actual, progress))
    result, seen = [], set()
    for h in headline:
        key = (h["indicator"]["code"], h["window_kind"])
        if key in seen:
            continue
        seen.add(key)
        values = by_key.get(key, {})

        def column(y, index, values=values):
            return [_num(values.get((y, m), (None, None, None))[index]) for m in range(1, 13)]

        result.append({
            "key": f"{key[0]}|{key[1]}",
            "indicator": h["indicator"],
            "window": h["window"],
            "this_year": year, "last_year": year - 1,
            "this_rate": column(year, 0), "last_rate": column(year - 1, 0),
            "this_actual": column(year, 1), "last_actual": column(year - 1, 1),
            "time_progress": column(year, 2),
        })
    return result


def breadcrumbs(user, unit: OrgUnit) -> list[dict]:
    rows = (_visible_units(user)
            .filter(pk__in=OrgUnitClosure.objects.filter(descendant_id=unit.pk)
                    .values("ancestor_id"))
            .order_by("level").values("id", "code", "name"))
    return list(rows)


def child_units(user, *, plan_id: int, unit: OrgUnit) -> list[dict]:
    """Child units of `unit` with targets of the plan, or of a plan implementing it, at or
    below them, that the user may open: the drill-down links, also where a child holds no
    target itself (a province between the nation and a city's plan)."""
    governed = Target.objects.filter(Q(plan_id=plan_id) | implementing_plan_q(plan_id))
    rows = (
        OrgUnitClosure.objects
        .filter(ancestor__parent_id=unit.pk,
                descendant_id__in=governed.values("org_unit_id"))
        .filter(ancestor_id__in=_visible_units(user).values("pk"))
        .values("ancestor_id", "ancestor__code", "ancestor__name")
        .distinct().order_by("ancestor__code", "ancestor__name")
    )
    return [{"id": r["ancestor_id"], "code": r["ancestor__code"], "name": r["ancestor__name"]}
            for r in rows]


def dashboard(user, *, plan_code: str | None = None, unit_id: int | None = None,
              month: dt.date | None = None, basis: str = PLAN, group: str | None = None) -> dict:
    r = resolve(user, plan_code=plan_code, unit_id=unit_id, month=month)
    chosen = None
    if group:
        chosen = OrgUnitGroup.objects.for_user(user).filter(code=group).first()
        if chosen is None:
            raise DashboardError(_("No org-unit group has the code %(code)s.") % {"code": group})
    body = report(user, plan_id=r.plan["pk"], unit=r.unit, month=r.month, basis=basis)
    unit = r.unit
    return {
        "plan": {"code": r.plan["code"], "short_name": r.plan["short_name"],
                 "doc_number": r.plan["doc_number"]},
        "plans": [{"code": p["code"], "short_name": p["short_name"]} for p in r.plans],
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name,
                 "level": OrgLevel(unit.level).label.__str__()},
        "breadcrumbs": breadcrumbs(user, unit),
        "children": child_units(user, plan_id=r.plan["pk"], unit=unit),
        "month": month_label(r.month),
        "months": [month_label(m) for m in r.months],
        "basis": basis,
        # The page says how fresh its numbers are (the cache is keyed by the latest run).
        "rolled_up_at": timezone.localtime(r.rolled_up_at).strftime("%Y-%m-%d %H:%M")
        if r.rolled_up_at else None,
        **body,
        "trend": trend(user, plan_id=r.plan["pk"], unit=unit, month=r.month,
                       headline=body["headline"]),
        # Org-unit groups (#22): those with members here, and the one chosen, if any.
        "groups": offered_groups(user, unit),
        "group": group_report(user, plan_id=r.plan["pk"], unit=unit, month=r.month,
                              group=chosen) if chosen else None,
    }


def cached_dashboard(user, *, plan_code: str | None, unit_id: int | None,
                     month: dt.date | None, basis: str = PLAN, group: str | None = None) -> bytes:
    """`dashboard()` as JSON bytes through the Django cache: keyed by the user's scope
    (memberships, not the user, so colleagues share entries), the request (its month, or the
    month being reported), the language and the latest finished roll-up, so a new snapshot
    is shown within DASHBOARD_STALE_SECONDS (`_recent_enough`: at month-end roll-ups finish
    every few seconds, and rebuilding every answer after each would cost more than the saves).
    The rendered bytes are cached, not the values: a hit costs two small queries and one cache
    read, with nothing to serialise again."""
    request_key, stamp = dashboard_request_key(user, plan_code=plan_code, unit_id=unit_id,
                                               month=month, basis=basis, group=group)
    key = "dashboard:v5:" + hashlib.sha256(f"{request_key}|{stamp or '-'}".encode()).hexdigest()
    payload = _recent.get(key)
    if payload is None:
        payload = cache.get(key)
    if payload is None:
        stale = _recent_enough(request_key)
        if stale is not None:
            return stale  # not remembered under this roll-up's key: it is an older one's
    if payload is None:
        payload = json.dumps(dashboard(user, plan_code=plan_code, unit_id=unit_id, month=month,
                                       basis=basis, group=group),
                             ensure_ascii=False, separators=(",", ":")).encode()
        cache.set(key, payload, CACHE_SECONDS)
        cache.set("dashboard:latest:" + request_key, (time.time(), payload), CACHE_SECONDS)
        cache.delete("dashboard:building:" + request_key)
    _recent.put(key, payload)
    return payload


def dashboard_request_key(user, *, plan_code: str | None, unit_id: int | None,
                          month: dt.date | None, basis: str = PLAN,
                          group: str | None = None) -> tuple[str, str | None]:
    """What a cached answer is the answer to (scope, request, language; not the roll-up), and
    the latest finished roll-up."""
    fingerprint, stamp = _key_facts(user)
    # The month being reported is the default month: a new business month is a new answer.
    raw = "|".join([fingerprint, plan_code or "", str(unit_id or ""),
                    month_label(month) or month_label(clock.previous_month()),
                    translation.get_language() or "", basis, group or ""])
    return hashlib.sha256(raw.encode()).hexdigest(), stamp


def _recent_enough(request_key: str) -> bytes | None:
    """The last answer to the same request under an older roll-up, while it is younger than
    DASHBOARD_STALE_SECONDS, or while another request is building the new one (one builder at
    a time: `cache.add` is atomic). None: build it here."""
    if not settings.DASHBOARD_STALE_SECONDS:
        return None
    latest = cache.get("dashboard:latest:" + request_key)
    if latest is None:
        return None
    built, payload = latest
    if time.time() - built < settings.DASHBOARD_STALE_SECONDS:
        return payload
    if not cache.add("dashboard:building:" + request_key, 1, 30):
        return payload  # someone is building the new answer: the last one meanwhile
    return None


class _Recent:
    """The last few answers in this process, in front of the shared cache (the key names the
    scope and the latest roll-up, so an entry never goes stale; it only ages out)."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_recent = _Recent(64)


_KEY_SQL = """
    SELECT 'run', NULL, NULL, NULL, MAX(finished_at) FROM targets_rolluprun WHERE status = %s
    UNION ALL
    SELECT 'member', org_unit_id, department_id, role, NULL
    FROM skills_portal_membership WHERE user_id = %s
"""


def _key_facts(user) -> tuple[str, str | None]:
    """The user's scope and the latest finished roll-up, in one round trip (the only query a
    cache hit makes besides authentication)."""
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL, [RollupStatus.SUCCEEDED, user.pk])
        rows = cursor.fetchall()
    stamp = next((str(r[4]) for r in rows if r[0] == "run" and r[4] is not None), None)
    if user.is_superuser and user.is_active:
        return "*", stamp
    members = sorted(f"{r[1]}.{r[2] or ''}.{r[3]}" for r in rows if r[0] == "member")
    return ";".join(members), stamp


def forget_cached_answers() -> None:
    """Empty this process's memo of answers (tests; the shared cache is cleared apart)."""
    _recent.clear()


# --- bulletins --------------------------------------------------------------------------------
def bulletin_list(user):
    """The bulletins `user` may read, with what a list or a bulletin page shows of them."""
    return Bulletin.objects.for_user(user).select_related("plan", "org_unit", "issued_by")
