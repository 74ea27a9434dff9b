"""Writes of the reporting workflow, and the lock every entry path asks before it writes.

`assert_entry_open(user=…, cells=…)` is called by every service that writes figures: the
entry grids (skills_portal/grid.py), `scoped_save`/`scoped_delete` for single records (data
values, competitions, awards, carriers, and the admin), and the Excel import. An approved
report locks its unit's figures of the month (a department's report its department's), and an
approved report of a unit above locks the whole subtree; past the entry window a month is
closed unless an administrator granted the unit an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from targets.models import Department, OrgUnit, OrgUnitClosure

from .choices import ReportStatus
from .models import EntryWindowException, MonthlyReport
from .schedule import rules_for

Cell = tuple[int, int | None, dt.date]


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.replace(day=1)


def _normalise(cells: Iterable) -> set[Cell]:
    out = set()
    for unit, department, period in cells:
        if unit is None or period is None:
            continue
        unit = unit.pk if hasattr(unit, "pk") else int(unit)
        if department is not None and hasattr(department, "pk"):
            department = department.pk
        out.add((unit, department, _month(period)))
    return out


def entry_problems(cells: Iterable, *, today: dt.date | None = None) -> list[str]:
    """Why figures of these (unit, department, month) cells may not be written, in Chinese;
    empty when they may. Two queries for the locks, at most two more for the window."""
    cells = _normalise(cells)
    if not cells:
        return []
    today = today or timezone.localdate()
    units = {u for u, _d, _m in cells}
    months = {m for _u, _d, m in cells}
    problems: dict[Cell, tuple[str, dict]] = {}

    # 1. Approved reports: the unit's own, a department's, or any unit's above.
    approved = list(
        MonthlyReport.objects.filter(status=ReportStatus.APPROVED, period__in=months)
        .filter(org_unit__in=OrgUnitClosure.objects.filter(descendant_id__in=units)
                .values("ancestor_id"))
        .values_list("org_unit_id", "department_id", "period")
    )
    if approved:
        above: dict[int, set[int]] = {}
        for d, a in OrgUnitClosure.objects.filter(
                descendant_id__in=units, ancestor_id__in={a for a, _d, _m in approved}
        ).values_list("descendant_id", "ancestor_id"):
            above.setdefault(d, set()).add(a)
        unit_locks = {(a, m) for a, d, m in approved if d is None}
        dept_locks = {(a, d, m) for a, d, m in approved if d is not None}
        for cell in cells:
            unit, department, month = cell
            if department is not None and (unit, department, month) in dept_locks:
                problems[cell] = ("approved", {})
                continue
            for ancestor in sorted(above.get(unit, ())):
                if (ancestor, month) in unit_locks:
                    problems[cell] = ("approved" if ancestor == unit else "above",
                                      {"above": ancestor})
                    break

    # 2. The entry window.
    rules = rules_for({(u, m) for u, _d, m in cells})
    closed = {}
    for cell in cells:
        if cell in problems:
            continue
        closes = rules[(cell[0], cell[2])].entry_closes(cell[2])
        if closes is not None and today > closes:
            closed[cell] = closes
    if closed:
        exempt = set(EntryWindowException.objects.filter(
            org_unit_id__in={u for u, _d, _m in closed}, period__in={m for _u, _d, m in closed},
            open_until__gte=today).values_list("org_unit_id", "period"))
        for cell, closes in closed.items():
            if (cell[0], cell[2]) not in exempt:
                problems[cell] = ("closed", {"closes": closes})
    if not problems:
        return []

    names = dict(OrgUnit.objects.filter(
        pk__in={c[0] for c in problems} | {p.get("above") for _k, p in problems.values()
                                           if p.get("above")}).values_list("pk", "name"))
    departments = dict(Department.objects.filter(
        pk__in={c[1] for c in problems if c[1]}).values_list("pk", "name"))
    messages = []
    for (unit, department, month), (kind, extra) in sorted(
            problems.items(), key=lambda item: (item[0][2], names.get(item[0][0], ""))):
        who = names.get(unit, "") + (f"·{departments[department]}" if department else "")
        values = {"who": who, "month": f"{month:%Y-%m}"}
        if kind == "approved":
            messages.append(_(
                "%(who)s %(month)s: the monthly report has been approved, so these figures are "
                "locked. A reviewer must withdraw the approval before they can be changed."
            ) % values)
        elif kind == "above":
            messages.append(_(
                "%(who)s %(month)s: the monthly report of %(above)s has been approved, so these "
                "figures are locked."
            ) % {**values, "above": names.get(extra["above"], "")})
        else:
            messages.append(_(
                "%(who)s %(month)s: entry closed on %(date)s. Ask an administrator for an "
                "exception to change these figures."
            ) % {**values, "date": f"{extra['closes']:%Y-%m-%d}"})
    return messages


def assert_entry_open(*, user, cells: Iterable) -> None:
    """Raise ValidationError (Chinese, naming each unit and month) unless every (org unit id,
    department id or None, month) cell may be written now. The same rule holds for every
    user: an approved month is changed by withdrawing the approval, a closed one by an
    administrator's exception."""
    problems = entry_problems(cells)
    if problems:
        raise ValidationError(problems, code="entry_locked")


# Records that hold figures, and the (unit, department, date) fields that place them.
_RECORD_CELLS = {
    "targets.datavalue": (("org_unit_id", "department_id", "period"),),
    "training.trainingfigure": (("org_unit_id", "department_id", "period"),),
    "certification.certificatefigure": (("org_unit_id", "department_id", "period"),),
    "training.trainingcarrier": (("org_unit_id", "department_id", "established_on"),
                                 ("org_unit_id", "department_id", "closed_on")),
    "competitions.competition": (("organiser_unit_id", "organiser_department_id", "start_date"),),
    "competitions.award": (("org_unit_id", "department_id", "awarded_on"),),
}


def record_cells(obj) -> list[Cell]:
    """The (unit, department, month) cells a figure-holding record counts in; [] for other
    models."""
    spec = _RECORD_CELLS.get(obj._meta.label_lower)
    if not spec:
        return []
    return [(getattr(obj, u), getattr(obj, d), getattr(obj, p)) for u, d, p in spec
            if getattr(obj, u, None) is not None and getattr(obj, p, None) is not None]


def assert_record_open(*, user, obj) -> None:
    """For single-record writes (scoped_save / scoped_delete): the cells the record counts in
    now and the ones it counted in as stored must both be open."""
    if obj._meta.label_lower not in _RECORD_CELLS:
        return
    cells = record_cells(obj)
    if obj.pk is not None:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        if stored is not None:
            cells += record_cells(stored)
    assert_entry_open(user=user, cells=cells)
