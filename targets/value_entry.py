"""The manual-indicator entry page: a month of the unit's (or a department's) manual values —
技能人才总量, 高技能人才总量 … the indicators no entry grid collects — in one form, saved all or
nothing through `services.save_month_values` (the same scope, lock, audit and validation rules
as every other write)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from org.access import VIEW
from skills_portal import hooks

from .choices import IndicatorSource
from .entry import resolve_page
from .models import DataValue, Indicator, Target
from .services import save_month_values

MAX_VALUE = Decimal("99999999999999")  # 14 digits before the point (max_digits 18, 4 after)


@dataclass
class ValueRow:
    indicator: Indicator
    targets: list[Target] = field(default_factory=list)
    stored: DataValue | None = None
    previous: DataValue | None = None  # the latest earlier value of the same unit/department
    text: str = ""  # what the input shows
    comment: str = ""
    error: str = ""

    @property
    def name(self) -> str:
        return f"value-{self.indicator.pk}"

    @property
    def comment_name(self) -> str:
        return f"comment-{self.indicator.pk}"


def manual_rows(user, *, unit, department, period: dt.date) -> list[ValueRow]:
    """A row for every manual indicator with a target of the unit (or of one of its
    departments) in force in the month, and for every one already holding a value here."""
    targets = list(
        Target.objects.for_user(user, VIEW)
        .filter(org_unit=unit, indicator__source=IndicatorSource.MANUAL,
                period_start__lte=period, period_end__gte=period)
        .select_related("indicator", "department", "plan")
        .order_by("indicator__code", "department__name", "period_end"))
    stored = {dv.indicator_id: dv for dv in DataValue.objects.for_user(user, VIEW).filter(
        org_unit=unit, department=department, period=period).select_related("indicator")}
    rows: dict[int, ValueRow] = {}
    for target in targets:
        rows.setdefault(target.indicator_id, ValueRow(target.indicator)).targets.append(target)
    for dv in stored.values():
        rows.setdefault(dv.indicator_id, ValueRow(dv.indicator))
    earlier = (DataValue.objects.for_user(user, VIEW)
               .filter(org_unit=unit, department=department, period__lt=period,
                       indicator__in=list(rows)).order_by("indicator_id", "-period"))
    previous: dict[int, DataValue] = {}
    for dv in earlier:
        previous.setdefault(dv.indicator_id, dv)
    result = sorted(rows.values(), key=lambda r: (r.indicator.kind != "stock", r.indicator.code))
    for row in result:
        row.stored = stored.get(row.indicator.pk)
        row.previous = previous.get(row.indicator.pk)
        if row.stored is not None:
            row.text = f"{row.stored.value.normalize():f}"
            row.comment = row.stored.comment
    return result


def parse_value(text: str) -> tuple[Decimal | None, str]:
    """(value or None for an empty input, error message or "")."""
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None, ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter a number, e.g. 22127 or 12.5.")
    if not value.is_finite():
        return None, _("Enter a number, e.g. 22127 or 12.5.")
    if value < 0:
        return None, _("A value cannot be negative.")
    if value > MAX_VALUE:
        return None, _("Too large: at most %(max)s.") % {"max": f"{MAX_VALUE:,}"}
    if value != value.quantize(Decimal("0.0001")):
        return None, _("At most four decimal places.")
    return value, ""


@login_required
def value_entry(request):
    page = resolve_page(request)
    unit, department, period = page["unit"], page["department"], page["period"]
    rows = manual_rows(request.user, unit=unit, department=department, period=period)
    locked = bool(hooks.entry_lock.entry_problems(
        [(unit.pk, department.pk if department else None, period)]))
    page_errors: list[str] = []
    status = 200
    if request.method == "POST":
        values = {}
        for row in rows:
            row.text = request.POST.get(row.name, "").strip()
            row.comment = request.POST.get(row.comment_name, "").strip()[:300]
            value, row.error = parse_value(row.text)
            values[row.indicator] = (value, row.comment)
        if not any(row.error for row in rows):
            try:
                outcome = save_month_values(user=request.user, org_unit=unit, period=period,
                                            department=department, values=values)
            except ValidationError as exc:
                page_errors = exc.messages
            else:
                if outcome.written or outcome.cleared:
                    messages.success(request, _("Saved: %(w)s values entered or changed, %(d)s "
                                                "cleared.") % {"w": outcome.written,
                                                               "d": outcome.cleared})
                else:
                    messages.success(request, _("Saved: no figure changed."))
                for warning in outcome.warnings:
                    messages.warning(request, warning)
                return HttpResponseRedirect(request.get_full_path())
        status = 400
    return render(request, "targets/value_entry.html", {
        **page, "rows": rows, "locked": locked, "page_errors": page_errors,
        "row_errors": [row for row in rows if row.error],
    }, status=status)
