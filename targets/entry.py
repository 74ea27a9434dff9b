"""The request side of the entry grids: which unit, month and department a page is for, and
the shared GET/POST cycle (save all or nothing, keep what was typed on failure)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from org import options
from org.access import Scope
from org.selectors import writable_departments, writable_units_with_level
from skills_portal import hooks
from skills_portal.choice_search import OFFERED
from skills_portal.clock import parse_month, previous_month
from skills_portal.exporting import CONTENT_TYPES
from skills_portal.middleware import busy_message, database_busy

from .grid import GridRejected, GridSpec, current_values, grid_html, parse_grid, raw_from_values


def resolve_page(request) -> dict:
    """Unit, month and department from the query string, limited to what the user may enter.
    Raises PermissionDenied with a Chinese message when the user may enter nothing there."""
    params = request.GET  # the grid form posts back to the same query string
    writable = writable_units_with_level(request.user).order_by("level", "code", "name")
    # The unit chooser lists the chosen unit and a few more; its search box finds the rest
    # (a national administrator may enter for 3,673 units). The chosen unit is mostly among
    # them (a county clerk's own), so it is looked for there before the database is asked.
    offered = list(writable[:OFFERED])
    raw = params.get("unit")
    if raw:
        pk = int(raw) if raw.isdigit() else None
        unit = next((u for u in offered if u.pk == pk), None) if pk else None
        if unit is None and pk:
            unit = writable.filter(pk=pk).first()
        if unit is None:
            raise PermissionDenied(_("You may not enter figures for this unit."))
    else:
        own = {m.org_unit_id for m in Scope.of(request.user).memberships()}
        unit = next((u for u in offered if u.pk in own), None) or \
            writable.filter(pk__in=own).first() or (offered[0] if offered else None)
    if unit is None:
        raise PermissionDenied(_("You have no unit to enter figures for."))
    units = [unit, *(u for u in offered if u.pk != unit.pk)]
    period = parse_month(params.get("month")) or previous_month()
    unit_level_allowed = unit.unit_level
    departments = list(writable_departments(request.user).filter(org_unit=unit).order_by("name"))
    department = next((d for d in departments if str(d.pk) == params.get("department")), None)
    if params.get("department") and department is None:
        raise PermissionDenied(_("You may not enter figures for this department."))
    if department is None and not unit_level_allowed:
        if not departments:
            raise PermissionDenied(_("You may not enter figures for this unit."))
        department = departments[0]
    return {"units": units, "unit": unit, "period": period, "department": department,
            "departments": departments, "unit_level_allowed": unit_level_allowed}


def _grid_download(spec: GridSpec, fixed: dict) -> HttpResponse:
    """The page's figures as a workbook in the grid layout, to fill in offline and upload."""
    data, title = hooks.grid_workbook.grid_workbook(spec, fixed=fixed,
                                                    values=current_values(spec, fixed))
    response = HttpResponse(data, content_type=CONTENT_TYPES["xlsx"])
    name = f"{title}-{fixed['org_unit'].name}-{fixed['period']:%Y-%m}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _merge(spec: GridSpec, data, loaded: str | None) -> dict:
    """What a page save changes: the cells whose numbers differ from those the page showed
    when it was opened (`loaded`, sent back in a hidden field), each with the numbers it then
    had, so that a cell someone else saved meanwhile is kept — or, if this user changed it
    too, refused beside the cell. A post without `loaded` replaces the whole page."""
    try:
        seen = json.loads(loaded) if loaded else None
    except ValueError:
        seen = None
    if not isinstance(seen, dict):
        return {}
    only, expected = set(), {}
    for row, col in spec.cells():
        before = {}
        for b in spec.blocks:
            value = seen.get(spec.name(b.field, row, col), 0)
            before[b.field] = value if isinstance(value, int) and value >= 0 else 0
        if any(data.values.get((b.field, row, col), 0) != before[b.field] for b in spec.blocks):
            only.add((row, col))
            expected[(row, col)] = before
    return {"only": only, "expected": expected}


def grid_page(request, *, spec: GridSpec, title: str, page: dict, fixed: dict, save,
              selectors: list[dict]):
    """GET shows the month's figures; POST saves them all or nothing and redirects (so a
    refresh does not post twice), or re-shows the page with each error beside its cell."""
    with options.as_of(page["period"]):  # the lists as they stand for the month (#26)
        return _grid_page(request, spec=spec, title=title, page=page, fixed=fixed, save=save,
                          selectors=selectors)


def _grid_page(request, *, spec, title, page, fixed, save, selectors):
    data = None
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return _grid_download(spec, fixed)
    busy = False
    if request.method == "POST":
        data = parse_grid(spec, request.POST)
        try:
            outcome = save(data, **_merge(spec, data, request.POST.get("loaded")))
        except GridRejected as rejected:
            data = rejected.data
        except DatabaseError as exc:
            # Still busy after BusyRetryMiddleware's last pause: the page comes back with the
            # 200 cells as typed and the reason, rather than a bare 503 that loses them.
            if not (database_busy(exc) and getattr(request, "database_last_try", True)):
                raise
            busy = True
            data.messages.append(busy_message())
        else:
            if outcome.cells_written or outcome.cells_cleared:
                messages.success(request, _("Saved: %(w)s cells filled in or changed, %(d)s "
                                            "cells cleared.")
                                 % {"w": outcome.cells_written, "d": outcome.cells_cleared})
            else:
                messages.success(request, _("Saved: no figure changed."))
            for warning in outcome.warnings:
                messages.warning(request, warning)
            return HttpResponseRedirect(request.get_full_path())
    # An approved month or a closed entry window: the page shows the figures read-only (a POST
    # is still refused by the save itself).
    department = page.get("department")
    problems = hooks.entry_lock.entry_problems(
        [(page["unit"].pk, department.pk if department else None, page["period"])])
    locked = bool(problems)
    stored = current_values(spec, fixed)
    raw = data.raw if data else raw_from_values(spec, stored)
    errors = data.errors if data else {}
    response = render(request, "entry/grid.html", {
        # The numbers as stored now: a save changes only the cells the user changed from them.
        "loaded": json.dumps({spec.name(b, r, c): v for (b, r, c), v in stored.items() if v},
                             separators=(",", ":")),
        **page,
        "title": title,
        "locked": locked,
        "entry_problems": problems,  # the page head's status shows them without asking again
        "selectors": selectors,
        # The fields' names in the page's language (the axes' own labels are the Excel
        # template's Chinese headings).
        "tables": grid_html(
            spec, raw, errors, locked=locked,
            row_axis_label=capfirst(spec.model._meta.get_field(spec.rows.field).verbose_name),
            col_axis_label=capfirst(spec.model._meta.get_field(spec.cols.field).verbose_name)),
        "data_errors": [
            (name, f"{spec.describe(name)}：{message}")
            for name, message in sorted(errors.items(), key=lambda item: [
                int(x) if x.isdigit() else x for x in item[0].split("-")])
        ],
        "messages_list": data.messages if data else [],
        "busy": busy,
    }, status=503 if busy else 400 if data else 200)
    if busy:
        response["Retry-After"] = "5"
    return response
