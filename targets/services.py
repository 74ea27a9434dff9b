"""Writes of the targets app. Keyword-only, validated, atomic, scope-checked."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from org.models import Department, OrgUnit
from org.services import scoped_delete, scoped_save
from skills_portal import hooks
from skills_portal.memo import Memo

from .measures import measure_totals, measure_values, registry
from .models import OPERATORS, DataValue, Indicator, Target, ValidationRule

logger = logging.getLogger(__name__)


def record_data_value(
    *,
    user,
    indicator: Indicator,
    org_unit: OrgUnit,
    period: dt.date,
    value: Decimal,
    department: Department | None = None,
    comment: str = "",
) -> DataValue:
    """Create or update the manual value of `indicator` for a unit (and department) and month."""
    with transaction.atomic():
        existing = (
            DataValue.unscoped.select_for_update()
            .filter(indicator=indicator, org_unit=org_unit, department=department, period=period)
            .first()
        )
        obj = existing or DataValue(
            indicator=indicator, org_unit=org_unit, department=department, period=period
        )
        obj.value = value
        obj.comment = comment
        obj.entered_by = user
        obj.is_demo = False
        scoped_save(user=user, obj=obj)
        hooks.rollup.mark_for_rollup(pairs=[(org_unit.pk, period)])
        return obj


def delete_data_value(*, user, data_value: DataValue) -> None:
    """Remove a manual value (scope, reporting lock and audit through scoped_delete) and mark
    its month for the roll-up."""
    with transaction.atomic():
        pair = (data_value.org_unit_id, data_value.period)
        scoped_delete(user=user, obj=data_value)
        hooks.rollup.mark_for_rollup(pairs=[pair])


@dataclass
class MonthValuesOutcome:
    written: int  # values entered or changed
    cleared: int  # values removed (the input emptied)
    warnings: list[str]


def save_month_values(*, user, org_unit: OrgUnit, period: dt.date,
                      values: dict[Indicator, tuple[Decimal | None, str]],
                      department: Department | None = None) -> MonthValuesOutcome:
    """The manual-indicator entry page: a month of one unit's (or department's) manual values,
    {indicator: (value or None to clear, comment)}, saved all or nothing through
    `record_data_value` / `delete_data_value` (scope, lock and audit per value). The validation
    rules that read these indicators run on the result: an error rolls everything back
    (ValidationError), a warning is returned."""
    written = cleared = 0
    with transaction.atomic():
        hooks.entry_lock.assert_entry_open(
            user=user, cells=[(org_unit.pk, department.pk if department else None, period)])
        stored = {dv.indicator_id: dv for dv in DataValue.unscoped.select_for_update().filter(
            org_unit=org_unit, department=department, period=period,
            indicator__in=[i.pk for i in values])}
        for indicator, (value, comment) in values.items():
            existing = stored.get(indicator.pk)
            if value is None:
                if existing is not None:
                    delete_data_value(user=user, data_value=existing)
                    cleared += 1
                continue
            if existing is not None and existing.value == value and existing.comment == comment:
                continue
            record_data_value(user=user, indicator=indicator, org_unit=org_unit, period=period,
                              value=value, department=department, comment=comment)
            written += 1
        ids = {i.pk for i in values}
        results = [r for r in evaluate_rules(org_unit=org_unit, period=period)
                   if not r.passed and ids & {r.rule.left_id, r.rule.right_id}]
        errors = [r.message for r in results if r.rule.importance == "error"]
        if errors:
            raise ValidationError(errors)
    warnings = [r.message for r in results if r.rule.importance == "warning"]
    return MonthValuesOutcome(written=written, cleared=cleared, warnings=warnings)


def save_target(*, user, target: Target) -> Target:
    return scoped_save(user=user, obj=target)


@dataclass(frozen=True)
class RuleResult:
    rule: ValidationRule
    left: Decimal
    right: Decimal
    passed: bool

    @property
    def message(self) -> str:
        """What was found, in words that are true whichever way the rule went, then the rule's
        own message: "培训后取证人次 72 人次，多于新增技能人才（取证人数）9 人。培训后取证…"."""
        return _("%(finding)s. %(rule)s") % {"finding": self.finding, "rule": self.rule.message}

    @property
    def finding(self) -> str:
        """Both figures and how they compare, e.g. "培训后取证人次 72 人次，多于新增技能人才
        （取证人数）9 人" (the comparison actually found, never the rule's operator)."""
        left = self.rule.left
        right = self.rule.right
        values = {"left": left.name, "lv": _amount(self.left, left.unit),
                  "right": right.name if right is not None else "",
                  "rv": _amount(self.right, (right or left).unit)}
        if self.left > self.right:
            text = _("%(left)s %(lv)s, more than %(right)s %(rv)s") if right is not None else \
                _("%(left)s %(lv)s, more than %(rv)s")
        elif self.left < self.right:
            text = _("%(left)s %(lv)s, less than %(right)s %(rv)s") if right is not None else \
                _("%(left)s %(lv)s, less than %(rv)s")
        else:
            text = _("%(left)s %(lv)s, the same as %(right)s %(rv)s") if right is not None \
                else _("%(left)s %(lv)s, equal to %(rv)s")
        return text % values


def _amount(value: Decimal, unit: str) -> str:
    """72 人次, 1,234 人, 12.5 %."""
    return f"{value.normalize():,f} {unit}".strip()


def indicator_month_value(indicator: Indicator, org_unit: OrgUnit, period: dt.date) -> Decimal:
    """The unit's own value of a flow or stock indicator for one month."""
    values = _indicator_values(indicator, [org_unit.pk], period, period)
    return values.get((org_unit.pk, period), Decimal(0))


def _indicator_values(indicator: Indicator, units: list[int], start: dt.date, end: dt.date
                      ) -> dict[tuple[int, dt.date], Decimal]:
    """{(unit, month): the unit's own value} for the months from `start` to `end`."""
    if indicator.source == "measure":
        return measure_values(indicator.measure, indicator.filters, start=start, end=end,
                              units=units)
    rows = (DataValue.unscoped.filter(indicator=indicator, org_unit__in=units, period__gte=start,
                                     period__lte=end)
            .values("org_unit", "period").annotate(total=Sum("value")).order_by())
    return {(r["org_unit"], r["period"]): r["total"] or Decimal(0) for r in rows}


def _read_active_rules() -> list[ValidationRule]:
    return list(ValidationRule.unscoped.filter(is_active=True).select_related("left", "right"))


# Read by every save (the grid's check): remembered for a few seconds.
_active_rules = Memo(_read_active_rules, seconds=5.0, models=(ValidationRule, Indicator))


def evaluate_rules_for(*, pairs, apps: set[str] | None = None, failing: bool = False
                       ) -> list[tuple[int, dt.date, RuleResult]]:
    """Check the active validation rules that read the given apps' measures on each (unit id,
    month)'s own figures: two grouped queries per rule, whatever the number of pairs (an
    import touches thousands). A rule whose two sides are both zero is skipped (nothing was
    reported). With `failing`, only the rules that fail are returned (an import checks tens
    of thousands of months and reports only those)."""
    pairs = sorted(set(pairs))
    if not pairs:
        return []
    units = sorted({u for u, _m in pairs})
    start, end = min(m for _u, m in pairs), max(m for _u, m in pairs)
    results = []
    rules = [rule for rule in _active_rules.get() if apps is None or rule.measure_apps() & apps]
    sides = {i.pk: i for rule in rules for i in (rule.left, rule.right) if i is not None}
    # Flow measures of all rules in one scan per figure table; the others one query each.
    flows = {pk: (i.measure, i.filters) for pk, i in sides.items()
             if i.source == "measure" and not registry.get(i.measure).is_stock}
    values = measure_totals(flows, start=start, end=end, units=units, by_month=True)
    for pk, indicator in sides.items():
        if pk not in values:
            values[pk] = _indicator_values(indicator, units, start, end)
    zero = Decimal(0)
    for rule in rules:
        left = values[rule.left_id]
        right = values[rule.right_id] if rule.right_id else None
        holds = OPERATORS[rule.operator]
        for pair in pairs:
            lhs = left.get(pair, zero)
            rhs = right.get(pair, zero) if right is not None else rule.right_constant
            if not lhs and not rhs:
                continue
            passed = holds(lhs, rhs)
            if not (passed and failing):
                results.append((*pair, RuleResult(rule=rule, left=lhs, right=rhs, passed=passed)))
    return results


def evaluate_rules(*, org_unit: OrgUnit, period: dt.date, apps: set[str] | None = None
                   ) -> list[RuleResult]:
    """The rules on one unit's own figures for one month (the entry grid's check)."""
    return [r for _u, _m, r in evaluate_rules_for(pairs=[(org_unit.pk, period)], apps=apps)]


def issue_token(*, user, actor=None, rotate: bool = False) -> tuple[Token, bool]:
    """The user's API token (`Authorization: Token <key>`), created if absent; `rotate`
    replaces an existing one (the old key stops working at once). Returns (token, changed).
    Issuing and rotating are audited; the key itself is never written to the audit trail."""
    if not user.is_active:
        raise PermissionDenied(_("This account is inactive: it gets no API token."))
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        changed = token is None or rotate
        if token is not None and rotate:
            token.delete()
        if changed:
            token = Token.objects.create(user=user)
            hooks.audit.record(actor=actor or user, action="api_token",
                   note=f"{'轮换' if rotate else '签发'} API 令牌："
                        f"{user.get_full_name() or user.get_username()}")
    return token, changed
