"""Cascade coverage (issue #16): for one target, what the units directly below committed to in
their own plans (targets whose `implements` is this target), against the target itself and
against the shares this plan's own decomposition gave them.

Like is compared with like, by the rule each result states (`CascadeCoverage.rule`):
- flows (training person-times, new certificates…): a commitment over a different window is
  converted at its own monthly pace to the target's window (value ÷ its months × the target's
  months), so a city's 48,000 over 2022–2025 reads 60,000 against a province's 2021–2025;
- stocks (levels at a date: 技能人才总量…): levels are added as stated, each at its own date;
- ratios and increments over a baseline are never added: each unit's own value is set against
  the target's.
A stock is never added to a flow: only targets of the target's own indicator are read.

A fixed number of queries whatever the number of units, scoped to what the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.closure import OrgUnitClosure
from org.models import OrgUnit
from skills_portal import hooks

from .choices import DecompositionAxis, IndicatorKind
from .models import Target
from .selectors import target_list

FLOW, STOCK, RATIO = "flow", "stock", "ratio"
TWO = Decimal("0.01")


def measure_kind(target: Target) -> str:
    """How commitments to `target` may be combined."""
    if target.is_increment or target.indicator.kind == IndicatorKind.RATIO:
        return RATIO
    if target.indicator.kind == IndicatorKind.FLOW:
        return FLOW
    return STOCK


RULES = {
    FLOW: gettext_lazy("Flows are converted at their own monthly pace to the target's window, "
                       "then added: commitment ÷ its months × the target's months."),
    STOCK: gettext_lazy("Stocks are added as levels, each at its own date; never added to "
                        "flows."),
    RATIO: gettext_lazy("Ratios and increments are not added: each is set against the "
                        "target."),
}


def comparable(commitment: Target, target: Target) -> Decimal | None:
    """The commitment restated over the target's window (flows), or as it stands."""
    if commitment.value is None:
        return None
    if measure_kind(target) == FLOW and commitment.months != target.months:
        return (commitment.value / commitment.months * target.months).quantize(TWO)
    return commitment.value


@dataclass
class Commitment:
    unit: OrgUnit
    targets: list[Target] = field(default_factory=list)  # the unit's own, else deeper units'
    deeper: bool = False  # made by units below this one, none by the unit itself
    share: Target | None = None  # this plan's own decomposition share for the unit
    value: Decimal | None = None  # comparable with the target (see the module's rules)
    progress: dict | None = None  # the latest snapshot of the unit's own commitment

    @property
    def missing(self) -> bool:
        return not self.targets

    @property
    def below_share(self) -> bool:
        """承诺低于分解任务: the unit committed to less than this plan gave it."""
        return (self.value is not None and self.share is not None
                and self.share.value is not None and self.value < self.share.value)

    @property
    def state(self) -> str:
        if self.missing:
            return _("No own target")
        if self.value is None:
            return _("No number stated")
        if self.below_share:
            return _("Committed below the share given")
        return _("Committed")


@dataclass
class CascadeCoverage:
    target: Target
    kind: str
    rows: list[Commitment]
    same_level: list[Target]  # restated by another plan of the target's own unit
    hidden: int  # units below the user may not see

    @property
    def rule(self) -> str:
        return RULES[self.kind]

    @property
    def committed(self) -> Decimal | None:
        """各地承诺合计, comparable with the target; None where commitments are not added."""
        if self.kind == RATIO:
            return None
        values = [row.value for row in self.rows if row.value is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def missing(self) -> list[Commitment]:
        return [row for row in self.rows if row.missing]

    @property
    def below_share(self) -> list[Commitment]:
        return [row for row in self.rows if row.below_share]

    @property
    def missing_count(self) -> int:
        return len(self.missing)

    @property
    def below_share_count(self) -> int:
        return len(self.below_share)

    @property
    def difference(self) -> Decimal | None:
        if self.committed is None or self.target.value is None:
            return None
        return self.committed - self.target.value

    @property
    def status(self) -> str:
        """超额 / 持平 / 不足 against the target, or 部分未制定 while units are missing."""
        if not self.rows:
            return _("No units below")
        if self.kind == RATIO:
            short = [r for r in self.rows if r.value is not None and self.target.value is not None
                     and r.value < self.target.value]
            if self.missing:
                return _("Some units have no own target")
            return _("Some commitments below the target") if short else _("No commitment below the target")
        difference = self.difference
        if self.missing and (difference is None or difference < 0):
            return _("Some units have no own target")
        if difference is None:
            return _("No number stated")
        if difference > 0:
            return _("Over-committed")
        return _("Committed in full") if difference == 0 else _("Under-committed")


def cascade_coverage(user, target: Target) -> CascadeCoverage:
    """The cascade coverage of `target` as `user` may see it (five queries)."""
    children = list(OrgUnit.objects.for_user(user).filter(parent_id=target.org_unit_id)
                    .order_by("code", "name"))
    all_children = OrgUnit.unscoped.filter(parent_id=target.org_unit_id).count()
    implementing = list(
        target_list(user).filter(implements=target)
        .select_related("plan", "org_unit", "indicator").order_by("org_unit__level", "plan__code"))
    # Each implementing target under the child unit whose subtree holds it.
    child_of = dict(OrgUnitClosure.objects.filter(
        ancestor__in=[c.pk for c in children],
        descendant__in={t.org_unit_id for t in implementing}).values_list(
            "descendant_id", "ancestor_id"))
    shares = {s.org_unit_id: s for s in target_list(user).filter(
        parent=target, axis=DecompositionAxis.REGION, department__isnull=True)}
    rows = {c.pk: Commitment(unit=c, share=shares.get(c.pk)) for c in children}
    same_level = []
    for t in implementing:
        if t.org_unit_id == target.org_unit_id:
            same_level.append(t)
            continue
        row = rows.get(child_of.get(t.org_unit_id))
        if row is not None:
            row.targets.append(t)
    kind = measure_kind(target)
    for row in rows.values():
        own = [t for t in row.targets if t.org_unit_id == row.unit.pk]
        if own:
            row.targets = own
        elif row.targets:
            row.deeper = True
        values = [comparable(t, target) for t in row.targets]
        if row.targets and all(v is not None for v in values):
            if len(values) == 1:
                row.value = values[0]
            elif kind == FLOW or (kind == STOCK and row.deeper):
                row.value = sum(values, Decimal(0))
            else:  # two ratios of one unit: the lower binds
                row.value = min(values)
    ids = [t.pk for row in rows.values() for t in row.targets]
    latest = hooks.progress.latest_of(ids) if ids else {}
    for row in rows.values():
        if len(row.targets) == 1:
            row.progress = latest.get(row.targets[0].pk)
    return CascadeCoverage(target=target, kind=kind, rows=list(rows.values()),
                           same_level=same_level, hidden=all_children - len(children))


class Chain(list):
    """A chain of targets; `more` counts the targets implementing it further down that are
    not listed (a level below that would make the chain longer than CHAIN_BELOW rows)."""

    more = 0


# Targets listed below a chain's target: a national target's provinces are listed, its 3,219
# counties are counted (each province's own page lists its cities, and so on).
CHAIN_BELOW = 60


def chain(user, target: Target) -> Chain:
    """The targets above `target` through `implements`, top first, then `target`, then the
    targets implementing it further down (breadth first), level by level while the listing
    stays within CHAIN_BELOW rows: national → province → city → county. Up to four levels each
    way, at most two queries per level."""
    above = []
    node = target
    for _level in range(4):
        if not node.implements_id:
            break
        node = target_list(user).select_related("plan", "org_unit", "indicator").filter(
            pk=node.implements_id).first()
        if node is None:
            break
        above.append(node)
    below, frontier, more = [], [target.pk], 0
    for _level in range(4):
        level_query = target_list(user).filter(implements__in=frontier)
        size = level_query.count()
        if not size:
            break
        if len(below) + size > CHAIN_BELOW:
            more = size  # counted, not listed: each listed target's own page goes on
            break
        level = list(level_query.select_related("plan", "org_unit", "indicator")
                     .order_by("org_unit__level", "org_unit__code", "plan__code"))
        below.extend(level)
        frontier = [t.pk for t in level]
    result = Chain([*reversed(above), target, *below])
    result.more = more
    return result
