"""The monthly entry grid shared by the domain apps: a month of one unit's figures laid out
like the paper report (rows × columns, one table per measured field), saved all or nothing.

A domain app describes its grid with a `GridSpec`; `parse_grid` reads a submitted form into
per-cell integers and per-cell errors; `save_grid` writes the cells in one transaction,
checks scope, model constraints and the data-driven validation rules, marks the month for the
roll-up, and returns outlier warnings. Any error rolls the whole month back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Avg, Count
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from org.access import CHANGE
from org.scoping import unscoped
from skills_portal import hooks

from .services import evaluate_rules

MAX_CELL = 10_000_000


# Between a cell name's block, row and column; never in a code (org.models.Option.clean).
NAME_SEPARATOR = "~"


@dataclass(frozen=True)
class Axis:
    field: str
    label: str
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Block:
    field: str
    label: str


@dataclass(frozen=True)
class GridSpec:
    model: type
    app: str  # the app whose measures this grid feeds (selects the validation rules)
    rows: Axis
    cols: Axis
    blocks: tuple[Block, ...]
    cell_enabled: Callable[[str, str], bool] = lambda row, col: True
    # Blocks compared cell by cell: (smaller, larger) — e.g. completed ≤ trained.
    ordering: tuple[tuple[str, str], ...] = ()

    def cells(self):
        for r, _label in self.rows.choices:
            for c, _clabel in self.cols.choices:
                if self.cell_enabled(r, c):
                    yield r, c

    def describe(self, name: str) -> str:
        """'培训人次 · 企业职工 / 就业技能培训' for an input name, for error summaries."""
        block, row, col = name.split(NAME_SEPARATOR)
        labels = {b.field: b.label for b in self.blocks}
        rows, cols = dict(self.rows.choices), dict(self.cols.choices)
        return f"{labels[block]} · {rows.get(row, row)} / {cols.get(col, col)}"

    def name(self, block: str, row: str, col: str) -> str:
        # By the values' codes, not their positions: a list an administrator extends (#26)
        # moves positions, and a page posted meanwhile must still name its own cells.
        return NAME_SEPARATOR.join((block, row, col))


@dataclass
class GridData:
    values: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (block, row, col)
    raw: dict[str, str] = field(default_factory=dict)  # input name → what was typed
    errors: dict[str, str] = field(default_factory=dict)  # input name → message
    messages: list[str] = field(default_factory=list)  # errors not tied to one cell

    @property
    def ok(self) -> bool:
        return not self.errors and not self.messages


@dataclass
class SaveOutcome:
    written: int  # figure rows created or changed (one row holds a cell of every block)
    deleted: int  # figure rows removed (every block of the cell cleared)
    warnings: list[str]
    cells_written: int = 0  # grid cells (inputs) now holding a new non-zero number
    cells_cleared: int = 0  # grid cells (inputs) that held a number and are now empty
    # (row, col) of the cells that had a stored row when the page was locked, and the rows
    # stored after the save (the API answers with its cell's, without reading it again).
    before: frozenset = frozenset()
    after: dict = field(default_factory=dict)


class GridRejected(Exception):
    def __init__(self, data: GridData):
        super().__init__("grid rejected")
        self.data = data


def parse_grid(spec: GridSpec, post) -> GridData:
    """Blank cells are zero; anything else must be a whole number from 0 to MAX_CELL."""
    data = GridData()
    for row, col in spec.cells():
        for block in spec.blocks:
            name = spec.name(block.field, row, col)
            text = (post.get(name) or "").strip().replace(",", "")
            data.raw[name] = text
            if text == "":
                data.values[(block.field, row, col)] = 0
                continue
            if not text.isdigit():
                data.errors[name] = _("Enter a whole number of 0 or more.")
                continue
            number = int(text)
            if number > MAX_CELL:
                data.errors[name] = _("Too large: at most %(max)s.") % {"max": f"{MAX_CELL:,}"}
                continue
            data.values[(block.field, row, col)] = number
    for row, col in spec.cells():
        for smaller, larger in spec.ordering:
            a = data.values.get((smaller, row, col))
            b = data.values.get((larger, row, col))
            if a is not None and b is not None and a > b:
                labels = {blk.field: blk.label for blk in spec.blocks}
                data.errors[spec.name(smaller, row, col)] = _(
                    "%(a)s (%(av)s) is more than %(b)s (%(bv)s): %(a)s may not exceed %(b)s."
                ) % {"a": labels[smaller], "av": a, "b": labels[larger], "bv": b}
    return data


def current_values(spec: GridSpec, fixed: dict) -> dict[tuple[str, str, str], int]:
    values = {}
    for obj in unscoped(spec.model).filter(**fixed):  # a page the user may open
        for block in spec.blocks:
            values[(block.field, getattr(obj, spec.rows.field), getattr(obj, spec.cols.field))] = \
                getattr(obj, block.field)
    return values


def save_grid(*, user, spec: GridSpec, fixed: dict, data: GridData, extra: dict | None = None,
              only: set[tuple[str, str]] | None = None,
              expected: dict[tuple[str, str], dict[str, int]] | None = None) -> SaveOutcome:
    """Replace the figures selected by `fixed` (unit, department, month and the other slice
    dimensions) with the grid's cells. All or nothing.

    `only` (a set of (row, col)) changes just those cells: every other cell keeps the value
    stored when the page's rows are locked, so two writers of different cells of one page do
    not undo each other (the API writes one cell at a time). Without it the whole page is
    replaced.

    `expected` gives, for cells of `only`, the numbers the writer saw when it opened the page
    (the grid page sends them back): a cell someone else changed since is refused beside the
    cell with its number now, instead of being overwritten unseen."""

    if not data.ok:
        raise GridRejected(data)
    audit = hooks.audit
    model = spec.model
    written = deleted = cells_written = cells_cleared = 0
    changes = []  # one audit statement for the whole save
    dims = [spec.rows.field, spec.cols.field,
            *(k for k in fixed if k not in ("org_unit", "department", "period"))]

    def audited(obj, before, after):  # before a delete clears obj.pk
        key = {name: getattr(obj, model._meta.get_field(name).attname) for name in dims}
        changes.append(({"object_id": obj.pk, "org_unit_id": obj.org_unit_id,
                         "department_id": obj.department_id, "period": obj.period},
                        key, before, after))

    read_here = [name for name, value in {**fixed, **(extra or {})}.items()
                 if isinstance(value, models.Model)]
    with transaction.atomic():
        _assert_open(user, fixed, data)
        existing = {
            (getattr(o, spec.rows.field), getattr(o, spec.cols.field)): o
            for o in unscoped(model).select_for_update().filter(**fixed)
        }
        if existing and model.objects.for_user(user, CHANGE).filter(
                pk__in=[o.pk for o in existing.values()]).count() != len(existing):
            raise PermissionDenied(_("You may not change these figures: they are outside your "
                                     "scope."))
        for (row, col), seen in (expected or {}).items():
            obj = existing.get((row, col))
            now = {b.field: getattr(obj, b.field) if obj else 0 for b in spec.blocks}
            if (row, col) in (only or ()) and now != seen:
                for b in spec.blocks:
                    data.errors[spec.name(b.field, row, col)] = _(
                        "Changed by someone else since you opened this page: it is now "
                        "%(now)s. Check it, then save again.") % {"now": now[b.field]}
        if not data.ok:
            raise GridRejected(data)
        had_rows = frozenset(existing)
        after = dict(existing)
        if only is not None:  # the other cells keep their locked, stored numbers
            for row, col in spec.cells():
                if (row, col) not in only:
                    obj = existing.get((row, col))
                    for b in spec.blocks:
                        data.values[(b.field, row, col)] = getattr(obj, b.field) if obj else 0
        for row, col in spec.cells():
            numbers = {b.field: data.values.get((b.field, row, col), 0) for b in spec.blocks}
            obj = existing.get((row, col))
            stored = None if obj is None else {k: getattr(obj, k) for k in numbers}
            for key, value in numbers.items():  # what the message counts: the inputs
                before = stored[key] if stored else 0
                if value != before:
                    cells_written += bool(value)
                    cells_cleared += not value
            if not any(numbers.values()):
                if obj is not None:
                    audited(obj, stored, None)
                    obj.delete()
                    deleted += 1
                    del after[(row, col)]
                continue
            if obj is None:
                obj = model(**fixed, **{spec.rows.field: row, spec.cols.field: col})
            changed = obj.pk is None or any(getattr(obj, k) != v for k, v in numbers.items())
            if not changed:
                continue
            for key, value in numbers.items():
                setattr(obj, key, value)
            for key, value in (extra or {}).items():
                setattr(obj, key, value)
            try:
                # Not the model's constraints: parse_grid has checked the blocks' ordering (the
                # check constraints) and the cell's row was read under the page's lock (the
                # unique ones); Django would ask the database once per constraint and cell,
                # a third of a save's queries. Nor the related rows this request read itself
                # (the page's unit, department, programme; the user): Django asks whether each
                # exists, once per cell. The database still enforces all of them.
                obj.full_clean(exclude=read_here, validate_constraints=False)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    target = key if key in numbers else spec.blocks[0].field
                    data.errors[spec.name(target, row, col)] = " ".join(messages)
                continue
            obj.save()
            audited(obj, stored, numbers)
            written += 1
            after[(row, col)] = obj
        if not data.ok:
            raise GridRejected(data)
        # The scope's subquery kept to this page's slice too: unrestricted, PostgreSQL built
        # the whole scope's figures (a third of an API save's time in a county).
        allowed = model.objects.for_user(user, CHANGE).filter(**fixed).values("pk")
        if unscoped(model).filter(**fixed).exclude(pk__in=allowed).exists():
            raise PermissionDenied(_("You may not enter figures for this unit or department."))

        unit, period = fixed["org_unit"], fixed["period"]
        results = evaluate_rules(org_unit=unit, period=period, apps={spec.app})
        errors = [r.message for r in results if not r.passed and r.rule.importance == "error"]
        warnings = [r.message for r in results if not r.passed and r.rule.importance == "warning"]
        if errors:
            data.messages.extend(errors)
            raise GridRejected(data)
        hooks.rollup.mark_for_rollup(pairs=[(unit.pk, period)])
        # Described as an import describes its rows: "脱贫人口 · 就业技能培训 · 康养云师傅".
        describe = audit.key_texts(model, dims, [tuple(key.values()) for _o, key, _b, _a in changes])
        audit_rows = [row for row in (
            audit.change_row(**where, key=key, before=before, after=after,
                       object_repr=describe(tuple(key.values())))
            for where, key, before, after in changes) if row is not None]
        if audit_rows:
            audit.record_many(actor=user, action="update", model=model, rows=audit_rows)
    warnings += outlier_warnings(spec, fixed, data)
    for obj in after.values():  # the page's own unit, department … rather than a read each
        for name, value in fixed.items():
            if isinstance(value, models.Model):
                setattr(obj, name, value)
    return SaveOutcome(written=written, deleted=deleted, warnings=warnings,
                       cells_written=cells_written, cells_cleared=cells_cleared,
                       before=had_rows, after=after)


def _assert_open(user, fixed: dict, data: GridData) -> None:
    """An approved report or a closed entry window locks the month (reporting app)."""
    department = fixed.get("department")
    try:
        hooks.entry_lock.assert_entry_open(user=user, cells=[(fixed["org_unit"].pk,
                                             department.pk if department else None,
                                             fixed["period"])])
    except ValidationError as exc:
        data.messages.extend(exc.messages)
        raise GridRejected(data) from exc


def outlier_warnings(spec: GridSpec, fixed: dict, data: GridData, months: int = 6) -> list[str]:
    """Cells far above the same cell's average over the previous months (3× and at least 20
    more): a warning, never a block."""
    period: dt.date = fixed["period"]
    first = dt.date(period.year - (1 if period.month <= months else 0),
                    (period.month - months - 1) % 12 + 1, 1)
    history = {k: v for k, v in fixed.items() if k != "period"}
    primary = spec.blocks[0]
    rows = (
        unscoped(spec.model).filter(**history, period__gte=first, period__lt=period)
        .values(spec.rows.field, spec.cols.field)
        .annotate(mean=Avg(primary.field), n=Count("period"))
    )
    row_labels, col_labels = dict(spec.rows.choices), dict(spec.cols.choices)
    warnings = []
    for r in rows:
        row, col, mean = r[spec.rows.field], r[spec.cols.field], Decimal(str(r["mean"] or 0))
        value = data.values.get((primary.field, row, col), 0)
        if r["n"] >= 3 and value > 3 * mean and value - mean >= 20:
            warnings.append(_(
                "%(row)s / %(col)s: %(block)s %(value)s this month is far above the average of "
                "%(mean)s over the previous months; please check (a warning only)."
            ) % {"row": row_labels.get(row, row), "col": col_labels.get(col, col),
                 "block": primary.label, "value": value, "mean": round(mean, 1)})
    return warnings


# --- page helpers -------------------------------------------------------------------------------
def grid_html(spec: GridSpec, raw: dict[str, str], errors: dict[str, str], *, locked: bool,
              row_axis_label: str, col_axis_label: str) -> SafeString:
    """The grid's tables (one per block, with row and column totals) as HTML. Built here rather
    than in the template: a county's page has a few hundred cells, and the template's loops
    took two thirds of the page's time, paid on every grid page at month-end (#25)."""
    parts: list[str] = []
    add = parts.append
    disabled = " disabled" if locked else ""
    not_applicable = f'<td class="num disabled" aria-label="{escape(_("not applicable"))}">—</td>'
    total_label = escape(_("Total"))
    corner = f"{escape(row_axis_label)} \\ {escape(col_axis_label)}"
    heads = "".join(f'<th class="num">{escape(label)}</th>' for _c, label in spec.cols.choices)
    for block in spec.blocks:
        block_label = escape(block.label)
        col_totals = dict.fromkeys((c for c, _l in spec.cols.choices), 0)
        add(f'<h2>{block_label}</h2>\n<div class="table-wrap"><table class="entry-grid">\n'
            f"<thead><tr><th>{corner}</th>{heads}<th class=\"num\">{total_label}</th></tr>"
            "</thead>\n<tbody>\n")
        for r, row_label in spec.rows.choices:
            row_total = 0
            row_text = escape(row_label)
            add(f'<tr><th scope="row">{row_text}</th>')
            for c, col_label in spec.cols.choices:
                if not spec.cell_enabled(r, c):
                    add(not_applicable)
                    continue
                name = spec.name(block.field, r, c)
                text = raw.get(name, "")
                number = int(text) if text.isdigit() else 0
                row_total += number
                col_totals[c] += number
                error, key = errors.get(name, ""), escape(name)
                add(f'<td class="num{" has-error" if error else ""}"><input id="{key}" '
                    f'name="{key}" value="{escape(text)}" inputmode="numeric" autocomplete="off" '
                    f'aria-label="{block_label} {row_text} {escape(col_label)}"{disabled}')
                if error:
                    add(f' aria-invalid="true" aria-describedby="{key}-error"><div '
                        f'class="cell-error" id="{key}-error">{escape(error)}</div></td>')
                else:
                    add("></td>")
            add(f'<td class="num total" data-row-total>{row_total:,}</td></tr>\n')
        totals = "".join(f'<td class="num" data-col-total>{t:,}</td>' for t in col_totals.values())
        add(f'</tbody>\n<tfoot><tr class="total"><th>{total_label}</th>{totals}'
            f'<td class="num" data-grand-total>{sum(col_totals.values()):,}</td></tr></tfoot>\n'
            "</table></div>\n")
    return mark_safe("".join(parts))  # every value above is escaped


def raw_from_values(spec: GridSpec, values: dict) -> dict[str, str]:
    return {spec.name(b, r, c): str(v) for (b, r, c), v in values.items() if v}
