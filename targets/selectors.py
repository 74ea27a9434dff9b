"""Reads of the targets app. Every function that serves a user takes the user for scoping."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, Sum, Value, When

from org.access import Scope
from org.closure import OrgUnitClosure
from org.models import OrgUnit
from org.selectors import root_units

from .choices import DecompositionAxis
from .models import Plan, PlanTask, Target

# Children that add up to within half a unit of the parent are balanced: values are
# integers for counts, and 万-denominated quotas convert exactly.
BALANCE_TOLERANCE = Decimal("0.5")


@dataclass(frozen=True)
class Coverage:
    """How a target's children on one axis add up against it."""

    axis: str
    children: int
    children_sum: Decimal
    children_without_value: int
    parent_value: Decimal | None
    # Parts outside the user's scope: counted, never summed, so a county cannot work out a
    # sibling's share from the total.
    hidden: int = 0
    # Whether the parts must add up to the whole: regions and departments share it out; a
    # slice (其中) breakdown lists parts of it unless the parent says they are the whole (#26).
    exhaustive: bool = True

    @property
    def axis_label(self) -> str:
        return DecompositionAxis(self.axis).label

    @property
    def difference(self) -> Decimal | None:
        if self.parent_value is None or self.hidden:
            return None
        return self.children_sum - self.parent_value

    @property
    def coverage_pct(self) -> Decimal | None:
        if not self.parent_value or self.hidden:
            return None
        return (self.children_sum / self.parent_value * 100).quantize(Decimal("0.01"))

    @property
    def status(self) -> str:
        """balanced | under (under-allocated) | over (over-allocated) | incomplete |
        restricted (some parts belong to units the user may not see)"""
        if self.hidden:
            return "restricted"
        if self.parent_value is None or self.children_without_value:
            return "incomplete"
        diff = self.difference
        if not self.exhaustive:
            # Parts listed of the whole: complete while they do not exceed it.
            return "over" if diff > BALANCE_TOLERANCE else "part_listed"
        if abs(diff) <= BALANCE_TOLERANCE:
            return "balanced"
        return "under" if diff < 0 else "over"

    @property
    def status_label(self) -> str:
        if not self.exhaustive and self.status == "over":
            return "其中超出总数"
        return {
            "balanced": "分解完整",
            "under": "分解不足",
            "over": "超额分解",
            "incomplete": "数值不全",
            "restricted": "仅见本级分解",
            "part_listed": "其中已列示",
        }[self.status]


def _visible(user) -> Q:
    """Children the user may see (everything without a user: services and tests)."""
    if user is None:
        return Q()
    return Q(pk__in=Target.objects.for_user(user).values("pk"))


def decomposition_coverage(targets, user=None) -> dict[int, list[Coverage]]:
    """Coverage per decomposition axis for each of `targets` that has children, summing only
    the parts `user` may see. One grouped query whatever the number of targets."""
    parents = {t.pk: t for t in targets}
    visible = _visible(user)
    rows = (
        # Children of targets in hand; what the user may see of them is counted apart.
        # A group's member targets each hold the group's number: they are not shares of it.
        Target.unscoped.filter(parent_id__in=list(parents))
        .exclude(axis=DecompositionAxis.GROUP)
        .values("parent_id", "axis")
        .annotate(
            n=Count("id"),
            seen=Count("id", filter=visible),
            total=Sum("value", filter=visible),
            missing=Count("id", filter=visible & Q(value__isnull=True)),
        )
        .order_by("parent_id", "axis")
    )
    result: dict[int, list[Coverage]] = {}
    for row in rows:
        parent = parents[row["parent_id"]]
        result.setdefault(row["parent_id"], []).append(
            Coverage(
                axis=row["axis"],
                children=row["n"],
                children_sum=row["total"] or Decimal(0),
                children_without_value=row["missing"],
                parent_value=parent.value,
                hidden=row["n"] - row["seen"],
                exhaustive=row["axis"] != DecompositionAxis.SLICE or parent.slices_exhaustive,
            )
        )
    return result


def misallocated_decompositions(user) -> list[tuple[Target, Coverage]]:
    """Every decomposition the user can see whose children do not add up to the parent."""
    parents = list(
        Target.objects.for_user(user).filter(children__isnull=False).distinct()
        .select_related("indicator", "org_unit", "plan")
    )
    coverage = decomposition_coverage(parents, user)
    return [
        (t, c) for t in parents for c in coverage.get(t.pk, []) if c.status in ("under", "over")
    ]


def plans_by_relevance(user, *, reference: bool = False):
    """The plans a user may read, those issued for their own units or above first (a county
    clerk's county, city, province and the nation), then by the issuer's level and newest: at
    national scale every unit may have a plan of its own, and a list opens on the user's."""
    chain = Scope.of(user).member_units_and_ancestors()
    plans = Plan.objects.for_user(user).filter(is_reference=reference)
    mine = (Case(When(issuer_unit__in=chain, then=Value(0)), default=Value(1),
                 output_field=IntegerField()) if chain is not None else Value(0))
    return plans.annotate(mine=mine).order_by(
        "mine", "issuer_unit__level", F("issue_date").desc(nulls_last=True), "code")


def with_counts(plans) -> list[Plan]:
    """A page of plans with their target and task counts (counted for these plans only).
    `plans` come from a scoped query (`plans_by_relevance`): their ids are the scope."""
    ids = [p.pk for p in plans]
    counted = {p.pk: p for p in Plan.unscoped.filter(pk__in=ids).select_related(
        "issuer_unit", "parent").annotate(target_count=Count("targets", distinct=True),
                                          task_count=Count("tasks", distinct=True))}
    return [counted[pk] for pk in ids]


def plan_detail(user, code: str) -> Plan:
    departments = Prefetch("lead_departments"), Prefetch("responsible_departments")
    return (
        Plan.objects.for_user(user)
        .select_related("issuer_unit", "parent")
        .prefetch_related(
            # The tasks of plans in scope.
            Prefetch("tasks", queryset=PlanTask.unscoped.prefetch_related(*departments)),
        )
        .get(code=code)
    )


def target_list(user):
    return Target.objects.for_user(user).select_related(
        "plan", "indicator", "org_unit", "department", "parent", "task", "group"
    )


def plan_top_targets(user, plan: Plan):
    """The targets the plan states itself (not from its decomposition tables) that the user
    can see, in the plan's order: a query to page through."""
    return target_list(user).filter(plan=plan, parent__isnull=True).order_by(
        "period_start", "task__position", "indicator__code", "org_unit__level", "org_unit__code",
        "pk")


def plan_target_counts(user, plan: Plan) -> dict[str, int]:
    """How many of the plan's targets the user can see: `stated` by the plan, `from_tables`
    (its decomposition tables) and `decomposed` (stated ones with a decomposition)."""
    mine = Target.objects.for_user(user).filter(plan=plan)
    counts = mine.aggregate(stated=Count("pk", filter=Q(parent__isnull=True)),
                            from_tables=Count("pk", filter=Q(parent__isnull=False)))
    counts["decomposed"] = mine.filter(parent__isnull=True, children__isnull=False).values(
        "pk").distinct().count()
    return counts


def target_detail(user, plan_code: str, code: str):
    target = target_list(user).get(plan__code=plan_code, code=code)
    children = list(
        target_list(user).filter(parent=target)
        .order_by("axis", "org_unit__code", "-value", "department__name")
    )
    coverage = decomposition_coverage([target], user).get(target.pk, [])
    return target, children, coverage


def visible_units(user):
    return OrgUnit.objects.for_user(user)


UNITS_FOUND = 100  # units a search of the tree lists


def _with_child_counts(units, user):
    """`visible_children` on each unit: how many units directly below it the user may see."""
    visible = visible_units(user)
    return units.annotate(visible_children=Count(
        "children", filter=Q(children__in=visible.values("pk")), distinct=True))


def tree_level(user, parent: OrgUnit | None):
    """(rows, path): the units directly below `parent` as (unit, depth 0) with their child
    counts, and `parent`'s visible ancestors (top first). Without a parent: the user's top
    units (those whose parent they may not see), each followed by the level below it."""
    visible = visible_units(user)
    order = ("level", "code", "name")
    if parent is not None:
        path = list(visible.filter(descendant_links__descendant=parent)
                    .exclude(pk=parent.pk).order_by("level"))
        children = _with_child_counts(visible.filter(parent=parent), user).order_by(*order)
        return [(u, 0) for u in children], path
    # The user's own units (a clerk's county, not the nation above it), else the top of
    # what they may see (a superuser; a department member).
    mine = [u.pk for u in root_units(user)]
    tops = list(_with_child_counts(visible.filter(pk__in=mine) if mine else
                                   visible.exclude(parent__in=visible.values("pk")), user)
                .order_by(*order)[:UNITS_FOUND])
    below = {}
    for unit in _with_child_counts(visible.filter(parent__in=[t.pk for t in tops]),
                                   user).order_by(*order):
        below.setdefault(unit.parent_id, []).append(unit)
    rows = []
    for top in tops:
        rows.append((top, 0))
        rows += [(u, 1) for u in below.get(top.pk, [])]
    return rows, []


def find_units(user, text: str) -> list[OrgUnit]:
    """Units the user may see whose name, short name or code contains `text`, with child
    counts and `above_names` (the names of the units above, top first)."""
    units = list(_with_child_counts(
        visible_units(user).filter(Q(name__icontains=text) | Q(short_name__icontains=text)
                                   | Q(code__icontains=text)), user)
        .order_by("level", "code", "name")[:UNITS_FOUND])
    ancestors = {}
    for link in OrgUnitClosure.objects.filter(
            descendant__in=[u.pk for u in units], depth__gt=0).select_related(
            "ancestor").order_by("-depth"):
        ancestors.setdefault(link.descendant_id, []).append(link.ancestor.name)
    for unit in units:
        unit.above_names = ancestors.get(unit.pk, [])
    return units


def attach_coverage(targets, user) -> None:
    """Set `coverages` on a page of targets: one grouped query over their children only.
    (Annotating the whole list's query instead groups every target of the country before a
    page of 50 is cut from it: 0.6 s at national scale.)"""
    targets = list(targets)
    coverage = decomposition_coverage(targets, user) if targets else {}
    order = {axis: i for i, axis in enumerate(DecompositionAxis.values)}
    for t in targets:
        t.coverages = sorted(coverage.get(t.pk, []), key=lambda c: order.get(c.axis, 99))


# --- targets that implement a plan's targets (#16) ---------------------------------------------
# How many `implements` links a chain may take to reach the plan: nation → province → city →
# county is three; one more for a level in between (a district under a city's district).
IMPLEMENTS_DEPTH = 4


def _hops(prefix: str, n: int) -> str:
    return prefix + "implements__" * n


def implementing_plan_q(plan_id: int, prefix: str = "") -> Q:
    """Targets (reached through `prefix`, e.g. "target__") of another plan whose `implements`
    chain reaches a target of plan `plan_id`: a city's own commitment under a province's plan,
    or a county's under the city's that implements it. One condition over a fixed number of
    joins, so a dashboard reading them costs no extra query."""
    q = Q()
    for n in range(1, IMPLEMENTS_DEPTH + 1):
        q |= Q(**{f"{_hops(prefix, n)}plan_id": plan_id})
    return q & ~Q(**{f"{prefix}plan_id": plan_id})


def implemented_anchor(plan_id: int, prefix: str = "") -> dict:
    """Annotations naming, for each target reached through `prefix`, the first target of plan
    `plan_id` on its `implements` chain (the target itself when it is in the plan):
    `anchor_id`, `anchor_window`, `anchor_start`, `anchor_end` and `anchor_depth` (0 for the
    plan's own targets, the number of links otherwise). Rows of the plan and rows that
    implement it then group under the same target of the plan."""
    def case(field, output=None):
        whens = [When(**{f"{_hops(prefix, n)}plan_id": plan_id},
                      then=F(f"{_hops(prefix, n)}{field}"))
                 for n in range(IMPLEMENTS_DEPTH + 1)]
        return Case(*whens, default=None, output_field=output) if output else \
            Case(*whens, default=None)
    depth = Case(*[When(**{f"{_hops(prefix, n)}plan_id": plan_id}, then=Value(n))
                   for n in range(IMPLEMENTS_DEPTH + 1)],
                 default=None, output_field=IntegerField())
    return {"anchor_id": case("id", IntegerField()), "anchor_window": case("window"),
            "anchor_start": case("period_start"), "anchor_end": case("period_end"),
            "anchor_depth": depth}


def implemented_ids(target_ids) -> set[int]:
    """Those of `target_ids` that some target of another plan implements (one query)."""
    return set(Target.unscoped.filter(implements__in=list(target_ids)).order_by()
               .values_list("implements_id", flat=True).distinct())



def filter_usage_counter(dimension: str, measures: tuple[str, ...]):
    """A counter for org.options.register_counter: how many indicators of `measures` filter
    `dimension` on a value (an option in an indicator's filter is in use, #26)."""
    from django.utils.translation import gettext

    from .models import Indicator

    def count(value) -> tuple[str, int]:
        used = 0
        for filters in Indicator.unscoped.filter(measure__in=measures).exclude(
                filters={}).values_list("filters", flat=True):
            wanted = (filters or {}).get(dimension)
            used += value in (wanted if isinstance(wanted, list) else [wanted])
        return gettext("indicator filters"), used
    return count
