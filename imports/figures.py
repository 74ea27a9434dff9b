"""Importing monthly figures from a spreadsheet in the long layout: one row per unit, month
and dimensions, one column per measured field — the entry grid's cells written as rows.

`analyse` reads and checks everything without writing: every error with sheet, row, column
and reason; what would be created, updated or left unchanged. `apply` runs the same analysis
inside one transaction and writes only if it finds no error: all or nothing, and the same
file twice changes nothing (rows are matched on the figure's natural key).

The work per row is a few dictionary lookups; the database is read a bounded number of
times per file (units, departments, programmes, scope, existing figures) and written with
bulk statements.
"""

from __future__ import annotations

import datetime as dt
import difflib
from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl.utils import get_column_letter

from audit.bulk import record_figure_import
from org import options
from org.access import WRITE_ROLES, Scope
from org.closure import OrgUnitClosure
from org.models import Department, OrgUnit
from org.scoping import unscoped
from org.selectors import writable_departments, writable_units
from progress.services import mark_for_rollup
from reporting.services import entry_problems
from skills_portal import clock
from skills_portal.bulk import insert_rows, update_rows
from targets.grid import MAX_CELL
from targets.layouts import BASIS, DEPARTMENT, MONTH, UNIT, Column, FigureLayout
from targets.models import Indicator, Plan
from targets.services import evaluate_rules_for
from training.models import Programme

from .choices import ValueBasis
from .grid_layout import map_back, to_long
from .headings import IndicatorHeadings
from .matching import DepartmentResolver, UnitResolver, department_aliases, unit_aliases
from .reader import (
    CellError,
    ImportRefused,
    Sheet,
    header_key,
    parse_bool,
    parse_count,
    parse_month,
    parse_number,
    text,
)
from .rows import NOTE_PREFIXES, TOTAL_WORDS, Issue, header_keys

MAX_DECIMAL = Decimal(10) ** 14  # the DecimalField(18, 4) limit
PROGRESS_EVERY = 10_000  # rows between progress reports


@dataclass
class Analysis:
    layout: FigureLayout
    rows: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    create: list[dict] = field(default_factory=list)  # field values of new figures
    update: list[tuple[int, dict, dict]] = field(default_factory=list)  # (pk, before, after)
    delete: list[tuple[int, dict]] = field(default_factory=list)  # all-zero rows that existed
    unchanged: int = 0
    pairs: set[tuple[int, dt.date]] = field(default_factory=set)  # (unit, month) touched
    labels: dict[int, str] = field(default_factory=dict)  # unit id → name
    letters: dict[str, str] = field(default_factory=dict)  # field → "G（培训人次）"
    names: list[dict] = field(default_factory=list)  # names not found, offered for a choice

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.errors.append(Issue(sheet, row, column, message))

    def change_rows(self, limit: int) -> list[dict]:
        """What applying would do, for the preview: the first `limit` changes."""
        layout = self.layout
        labels = layout.labels
        dims = [c.field for c in layout.dimension_columns()]

        def describe(values: dict) -> str:
            return "，".join(f"{labels[f]} {values[f]:,}" for f in layout.value_fields if f in values)

        def where(values: dict) -> str:
            parts = [self.labels.get(values.get("org_unit"), ""), f"{values['period']:%Y-%m}"]
            parts += [str(values[d]) for d in dims
                      if values.get(d) not in ("", None, False) and d != "programme"]
            return " · ".join(p for p in parts if p)

        shown = [{"action": "新增", "row": v["_row"], "label": where(v), "before": "",
                  "after": describe(v)} for v in self.create[:limit]]
        shown += [{"action": "修改", "row": after["_row"], "label": f"第 {after['_row']} 行",
                   "before": describe(before), "after": describe(after)}
                  for _pk, before, after in self.update[: limit - len(shown)]]
        shown += [{"action": "清零", "row": before["_row"], "label": f"第 {before['_row']} 行",
                   "before": describe(before), "after": "0"}
                  for _pk, before in self.delete[: limit - len(shown)]]
        return shown


# --- reading the sheet ------------------------------------------------------------------------
def _find_header(layout: FigureLayout, sheet: Sheet) -> tuple[int, dict[str, int], list[str]]:
    """(last header row index, {field: column index}, unknown headers). The header is the first
    of the first 15 rows naming at least 单位 and 月份; a second header row below it (group
    headings over sub-headings, with 单位 merged down both rows) is read into it."""
    wanted = {key: col for col in layout.columns() for key in header_keys(col)}

    def read(row) -> tuple[dict[str, int], dict[int, str]]:
        found, unknown = {}, {}
        for position, cell in enumerate(row):
            key = header_key(cell)
            if not key:
                continue
            column = wanted.get(key)
            if column is None:
                unknown[position] = text(cell)
            elif column.field not in found:
                found[column.field] = position
        return found, unknown

    for index, row in enumerate(sheet.rows[:15]):
        found, unknown = read(row)
        if UNIT.field not in found or MONTH.field not in found:
            continue
        last = index
        unit_position = found[UNIT.field]
        while last + 1 < len(sheet.rows):
            below = sheet.rows[last + 1]
            if unit_position >= len(below) or header_key(below[unit_position]) != \
                    header_key(row[unit_position]):
                break
            last += 1
            more, more_unknown = read(below)
            for field_name, position in more.items():
                found.setdefault(field_name, position)
                unknown.pop(position, None)
            for position, name in more_unknown.items():
                if position not in found.values():
                    unknown.setdefault(position, name)
        return last, found, list(dict.fromkeys(unknown.values()))
    raise ImportRefused(
        f"工作表「{sheet.name}」前 15 行中找不到表头（至少需要“单位”和“月份”两列）。"
        f"请使用下载的模板，或把表头改为：{'、'.join(c.header for c in layout.columns())}。")


def _pick_sheet(layout: FigureLayout, sheets: list[Sheet], analysis: Analysis) -> Sheet:
    for sheet in sheets:
        if sheet.hidden:
            analysis.warnings.append(Issue(sheet.name, None, "", "隐藏的工作表不导入"))
    visible = [s for s in sheets if not s.hidden and any(any(c not in ("", None) for c in r)
                                                         for r in s.rows[:15])]
    for sheet in visible:
        try:
            _find_header(layout, sheet)
            return sheet
        except ImportRefused:
            continue
    if not visible:
        raise ImportRefused("工作簿中没有可见且有内容的工作表。")
    _find_header(layout, visible[0])  # raises with the message about the first sheet
    raise AssertionError("unreachable")


class _Context:
    """What the rows are checked against, read once per file."""

    def __init__(self, layout: FigureLayout, user):
        self.user = user
        units = list(OrgUnit.unscoped.only("pk", "code", "name", "short_name", "parent_id"))
        self.units = UnitResolver(units, unit_aliases(user))
        names = {u.pk: u.name for u in units}
        self.departments = DepartmentResolver(
            Department.unscoped.only("pk", "name", "org_unit_id"), names, department_aliases(user))
        self.department_unit = dict(Department.unscoped.values_list("pk", "org_unit_id"))
        scope = Scope.of(user)
        self.all_units = scope.is_global
        self.writable_units = set(writable_units(user).values_list("pk", flat=True))
        subtree = scope.unit_subtree(WRITE_ROLES["values"])
        self.unit_level = (set(self.writable_units) if scope.is_global else
                           set(subtree.values_list("descendant_id", flat=True)) if subtree is not None
                           else set())
        self.writable_departments = set(writable_departments(user).values_list("pk", flat=True))
        starts = Plan.unscoped.filter(is_reference=False).values_list("period_start", flat=True)
        self.first_month = min(starts, default=dt.date(2000, 1, 1))
        self.last_month = clock.today().replace(day=1)
        self.programmes: dict[str, list[tuple[int, int]]] = defaultdict(list)
        if any(c.kind == "programme" for c in layout.dimensions):
            for pk, name, issuer in Programme.unscoped.filter(is_active=True).values_list(
                    "pk", "name", "plan__issuer_unit_id"):
                self.programmes[header_key(name)].append((pk, issuer))
        # The units each programme's plan covers (its issuer's subtree), in one query.
        self.covered: dict[int, set[int]] = defaultdict(set)
        issuers = {issuer for found in self.programmes.values() for _pk, issuer in found}
        if issuers:
            for issuer, unit in OrgUnitClosure.objects.filter(ancestor_id__in=issuers).values_list(
                    "ancestor_id", "descendant_id"):
                self.covered[issuer].add(unit)
        self.year_to_date = layout.year_to_date
        self.indicators = IndicatorHeadings(
            Indicator.unscoped.filter(source="manual").only("pk", "code", "name", "synonyms")
            if any(c.kind == "indicator" for c in layout.dimensions) else ())

    def month(self, value) -> dt.date:
        """The month a cell names, within the months any plan runs and not in the future."""
        month = parse_month(value)
        if month > self.last_month:
            raise CellError(f"{month:%Y-%m} 是未来的月份，不能填报")
        if month < self.first_month:
            raise CellError(f"{month:%Y-%m} 早于所有方案的起始月份（{self.first_month:%Y-%m}），"
                            "不在任何方案期内")
        return month

    def indicator(self, value) -> int:
        found = self.indicators.candidates(value)
        if len(found) == 1:
            return found[0].pk
        raw = text(value)
        if not raw:
            raise CellError("指标为空")
        close = difflib.get_close_matches(header_key(value), self.indicators.names(), n=3, cutoff=0.4)
        hint = f"。最接近的有：{'、'.join(close)}" if close else ""
        raise CellError(f"「{raw}」不是手工填报的指标（按代码、名称或别称填写）{hint}" if not found
                        else f"指标「{raw}」不唯一，请填写指标代码")

    def programme(self, unit_id: int, value) -> int | None:
        name = header_key(value)
        if not name or name in ("无", "-", "不适用"):
            return None
        found = self.programmes.get(name, [])
        usable = [pk for pk, issuer in found if unit_id in self.covered[issuer]]
        if len(usable) == 1:
            return usable[0]
        if not found:
            raise CellError(f"没有名为「{text(value)}」的培训项目（品牌）")
        raise CellError(f"项目「{text(value)}」不属于覆盖该单位的方案" if not usable
                        else f"项目「{text(value)}」在多个方案中都有，无法区分")


def unreadable_cells(sheet: Sheet) -> list[tuple[str, str]]:
    """(cells, message) for the cells whose value the file does not hold: formulas without a
    saved result, and Excel errors (#DIV/0!, #REF! …), which would otherwise read as empty."""
    kinds = ((sheet.formulas_without_value, "个单元格含公式但没有保存计算结果（文件可能由程序生成）。"
              "请在 Excel 或 WPS 中打开并保存后再上传，或把公式改为数值"),
             (sheet.error_values, "个单元格是 Excel 错误值（如 #DIV/0!、#REF!、#N/A），"
              "请改正公式或填入数值后再上传"))
    return [("、".join(cells[:10]) + ("…" if len(cells) > 10 else ""), f"{len(cells)} {reason}")
            for cells, reason in kinds if cells]


def _choice(column: Column, value) -> str:
    raw = text(value)
    key = header_key(raw)
    # Every value of an option set, retired ones too: whether it is in use in the row's month
    # is checked with the row (`_option_month_error`).
    every = getattr(column.choices, "every", None)
    for stored, label in (every() if every else column.choices):
        if key in (header_key(stored), header_key(label)):
            return stored
    # An option set's other spellings, kept by its administrators (#26).
    synonyms = getattr(column.choices, "synonyms", None)
    for word, stored in (synonyms() if synonyms else {}).items():
        if key == header_key(word):
            return stored
    if not raw and not column.required:
        return ""
    allowed = "、".join(s for s, _ in column.choices)
    raise CellError(f"「{raw}」不是可选的{column.header}（可选：{allowed}）" if raw
                    else f"{column.header}为空（可选：{allowed}）")


@dataclass
class _Rows:
    """A sheet's data rows with their cells parsed, column by column: the units and months
    they name (known before any row is checked, so the stored figures can be read first) and
    `checked`, each well-formed row as (natural key, sheet row, values, year-to-date?), checked
    as it is iterated, every bad row's errors added to the analysis instead."""

    units: set[int]
    months: set[dt.date]
    year_to_date: bool  # whether any row may hold a 累计 value
    checked: Iterator[tuple[tuple, int, dict, bool]]


def _continuations(layout: FigureLayout, first: Sheet, header_index: int,
                   positions: dict[str, int], sheets: list[Sheet]) -> list[tuple[Sheet, int]]:
    """The visible sheets after `first` whose header names the same columns in the same
    places, on the same row (a 说明 sheet quoting the header under its notes is not one)."""
    found = []
    for other in sheets[sheets.index(first) + 1:] if first in sheets else []:
        if other.hidden or not other.rows:
            continue
        try:
            other_header, other_positions, _unknown = _find_header(layout, other)
        except ImportRefused:
            continue
        if other_positions == positions and other_header == header_index:
            found.append((other, other_header))
    return found


def _parse_rows(layout: FigureLayout, sheet: Sheet, ctx: _Context, basis: str,
                analysis: Analysis, progress: Callable[[int], None] | None = None,
                sheets: list[Sheet] | None = None) -> _Rows | None:
    """The data rows (`_Rows`), or None when the table itself is wrong (a missing column,
    unreadable cells): the analysis then says why."""
    header_index, positions, unknown = _find_header(layout, sheet)
    columns = [c for c in layout.columns() if c.field in positions]
    for c in layout.columns():
        if c.required and c.field not in positions:
            analysis.error(sheet.name, header_index + 1, "",
                           f"缺少必需的列“{c.header}”")
    values_present = [c for c in layout.value_columns() if c.field in positions]
    if not values_present:
        analysis.error(sheet.name, header_index + 1, "", "没有任何数值列（"
                       + "、".join(c.header for c in layout.value_columns()) + "）")
    for name in unknown:
        analysis.warnings.append(Issue(sheet.name, header_index + 1, "", f"列“{name}”不是本表的列，已忽略"))
    for cells, message in unreadable_cells(sheet):
        analysis.error(sheet.name, None, cells, message)
    if sheet.hidden_rows:
        rows = [n for n in sheet.hidden_rows if n > header_index + 1]
        if rows:
            analysis.warnings.append(Issue(sheet.name, rows[0], "", (
                f"有 {len(rows)} 个隐藏行（第 {'、'.join(map(str, rows[:10]))}"
                f"{'…' if len(rows) > 10 else ''} 行），已按普通行导入，请在预览中核对")))
    if analysis.errors:
        return None
    letters = {c.field: f"{get_column_letter(positions[c.field] + 1)}（{c.header}）" for c in columns}
    analysis.letters = letters
    dimension_fields = [c.field for c in layout.dimension_columns()]
    # Columns a file may leave out, with what an absent column means.
    defaults = [(c.field, None if c.kind == "programme" else False if c.kind == "bool" else "")
                for c in layout.dimension_columns()]
    defaults += [(DEPARTMENT.field, None)] + [(c.field, 0) for c in layout.value_columns()]
    absent = {name: default for name, default in defaults if name not in positions}
    width = max(positions.values()) + 1
    rows = _data_rows(sheet, header_index + 1, positions[UNIT.field], width)
    # A report longer than a sheet holds (65,536 rows in an .xls) goes on in the next sheets
    # under the same header: their rows follow, each error naming its own sheet.
    boundaries = [(0, sheet.name)]
    for more, more_header in _continuations(layout, sheet, header_index, positions,
                                             sheets or [sheet]):
        for cells, message in unreadable_cells(more):
            analysis.error(more.name, None, cells, message)
        boundaries.append((len(rows), more.name))
        rows += _data_rows(more, more_header + 1, positions[UNIT.field], width)
    if analysis.errors:
        return None
    starts = [start for start, _name in boundaries]

    def sheet_of(i: int) -> str:
        return boundaries[bisect_right(starts, i) - 1][1]

    analysis.rows = len(rows)
    # Column by column: a column holds few distinct values (units, months, categories, small
    # counts), so each is parsed once and the rest is a dictionary lookup per cell, not a
    # Python call per cell (100,000 rows × 10 columns in a large file). Department and
    # programme names are looked up within the row's unit.
    values: list[list] = []
    problems: dict[int, list[tuple[str, str]]] = defaultdict(list)  # row position → errors
    units = None
    # Rows are padded to the table's width; cells beyond it (unnamed columns) are dropped.
    by_column = list(zip(*(row for _number, row in rows), strict=False)) if rows else []
    for column in columns:
        cells = by_column[positions[column.field]] if rows else []
        found, failed = _parse_column(column, cells, units, ctx)
        if column is UNIT:
            units = found  # None where the unit could not be read
        for i, message in failed.items():
            problems[i].append((letters[column.field], message))
        values.append(found)
    fields = [c.field for c in columns]
    default_ytd = basis == ValueBasis.YEAR_TO_DATE
    column_values = dict(zip(fields, values, strict=True))
    # Option values in use only for some months (#26): those rows are checked for their own
    # month; the rest need no check per row.
    bounded = options.bounded(getattr(layout.model, "OPTION_SETS", {}))

    def checked() -> Iterator[tuple[tuple, int, dict, bool]]:
        seen: dict[tuple, int] = {}  # natural key → its sheet row
        places: dict[tuple, tuple[str, str] | None] = {}  # (unit, department, dimensions) → error
        for i, ((number, _row), cells) in enumerate(zip(rows, zip(*values, strict=True),
                                                        strict=True)):
            if progress and i and i % PROGRESS_EVERY == 0:
                progress(i)  # the page of a Celery job shows it
            if i in problems:
                for letter, message in problems[i]:
                    analysis.error(sheet_of(i), number, letter, message)
                continue
            record = dict(zip(fields, cells, strict=True))
            record.update(absent)
            # A file repeats a few thousand places (unit, department, categories) over its
            # months: each place's scope and combination are checked once.
            place = (record[UNIT.field], record[DEPARTMENT.field],
                     *(record[f] for f in dimension_fields))
            if place not in places:
                places[place] = _place_error(layout, record, ctx)
            error = places[place] or _order_error(layout, record) or (
                bounded and _option_month_error(layout, record, bounded))
            if error:
                column, message = error
                analysis.error(sheet_of(i), number, letters.get(column, ""), message)
                continue
            ytd = record.pop(BASIS.field, None)
            ytd = default_ytd if ytd is None else ytd
            key = (place[0], place[1], record[MONTH.field], *place[2:])
            if key in seen:
                where, first = seen[key]
                analysis.error(sheet_of(i), number, "", (
                    f"与第 {first} 行重复" if where == sheet_of(i)
                    else f"与工作表「{where}」第 {first} 行重复") + "（同一单位、部门、月份和分类出现两次）")
                continue
            seen[key] = (sheet_of(i), number)
            yield key, number, record, ytd

    return _Rows(units=set(column_values[UNIT.field]) - {None},
                 months=set(column_values.get(MONTH.field, ())) - {None},
                 year_to_date=default_ytd or True in column_values.get(BASIS.field, ()),
                 checked=checked())


def _data_rows(sheet: Sheet, start: int, unit_position: int, width: int) -> list[tuple[int, list]]:
    """(row number as Excel shows it, cells padded to `width`) of the table's rows from
    `start`: empty rows and totals (computed, not imported) are skipped; notes under the table
    end it."""
    rows = []
    notes: dict = {}  # first cell → does it start a note (few distinct first cells)
    totals: dict = {}  # unit cell → is it a total
    for index in range(start, len(sheet.rows)):
        row = sheet.rows[index]
        if len(row) < width:
            row = row + [""] * (width - len(row))
        if not any(row) and all(cell in ("", None) for cell in row):
            continue  # any() is the quick test; a row of zeros is not empty
        first = row[0] if row[0] not in ("", None) else next(c for c in row if c not in ("", None))
        note = notes.get(first)
        if note is None:
            note = notes[first] = text(first).startswith(NOTE_PREFIXES)
        if note:
            break
        unit_cell = row[unit_position]
        total = totals.get(unit_cell)
        if total is None:
            total = totals[unit_cell] = text(unit_cell).replace(" ", "") in TOTAL_WORDS
        if not total:
            rows.append((index + 1, row))
    return rows


def _parse_column(column: Column, cells: list, units: list | None, ctx: _Context
                  ) -> tuple[list, dict[int, str]]:
    """(the value of each cell, {row position: message} for the cells that fail), parsing each
    distinct cell once — within its row's unit for department and programme columns (`units`:
    the unit column's values, None where that failed)."""
    typed = bool in set(map(type, cells))  # True == 1 as a dictionary key: keep 是/否 apart
    keys: list = list(zip(map(type, cells), cells, strict=True)) if typed else cells
    by_unit = column.kind in ("department", "programme")
    if by_unit:
        keys = list(zip(units, keys, strict=True))
    good, bad = {}, {}
    for key in set(keys):
        unit, cell = key if by_unit else (None, key)
        if typed:
            cell = cell[1]
        try:
            good[key] = _parse_cell(column, cell, unit, ctx)
        except CellError as exc:
            bad[key] = str(exc)
    if not bad:
        return list(map(good.__getitem__, keys)), {}
    return [good.get(key) for key in keys], {i: bad[key] for i, key in enumerate(keys) if key in bad}


def _parse_cell(column: Column, cell, unit: int | None, ctx: _Context):
    """One cell's value; `unit` is the row's unit (None when it could not be read)."""
    if column.kind == "unit":
        return ctx.units.resolve(cell)
    if column.kind == "department":
        return ctx.departments.resolve(unit, cell) if unit is not None else None
    if column.kind == "month":
        return ctx.month(cell)
    if column.kind == "basis":
        word = text(cell)
        if word in ("", "本月", "当月", "月度"):
            return None if not word else False
        if word in ("累计", "年累计", "本年累计", "1-本月累计"):
            if not ctx.year_to_date:
                raise CellError("本表填写当月数（存量指标填月末数），不接受累计数")
            return True
        raise CellError(f"「{word}」应为“本月”或“累计”")
    if column.kind == "count":
        return parse_count(cell, maximum=MAX_CELL)
    if column.kind == "decimal":
        number = parse_number(cell)
        if number < 0:
            raise CellError(f"不能为负数（{text(cell)}）")
        if number >= MAX_DECIMAL:
            raise CellError(f"数值过大（{text(cell)}）")
        return number
    if column.kind == "indicator":
        return ctx.indicator(cell)
    if column.kind == "bool":
        return parse_bool(cell)
    if column.kind == "programme":
        return ctx.programme(unit, cell) if unit is not None else None
    if column.kind == "text":
        return text(cell)[:100]
    return _choice(column, cell)


def _option_month_error(layout: FigureLayout, record: dict,
                        bounded: dict[str, set[str]]) -> tuple[str, str] | None:
    """(field, message) when a value of the row is an option not in use in the row's month."""
    values = {f: record[f] for f, codes in bounded.items() if record.get(f) in codes}
    if not values:
        return None
    problems = options.errors(layout.model.OPTION_SETS, values, record[MONTH.field])
    return next(iter(problems.items()), None)


def _place_error(layout: FigureLayout, record: dict, ctx: _Context) -> tuple[str, str] | None:
    """(field, message) if the user may not write the row's unit or department, or its
    dimensions do not go together; None if they may and do."""
    unit, department = record[UNIT.field], record[DEPARTMENT.field]
    if department is not None:
        if department not in ctx.writable_departments:
            return DEPARTMENT.field, "您无权填报该部门的数据"
    elif unit not in ctx.unit_level:
        return UNIT.field, "您无权填报该单位的数据（超出您的管辖范围）"
    return layout.check(record) if layout.check else None


def _order_error(layout: FigureLayout, record: dict) -> tuple[str, str] | None:
    """(field, message) if a value exceeds the one it is part of (结业人次 > 培训人次)."""
    for smaller, larger in layout.ordering:
        if record[smaller] > record[larger]:
            labels = layout.labels
            return smaller, (f"{labels[smaller]}（{record[smaller]}）多于"
                             f"{labels[larger]}（{record[larger]}）：{labels[smaller]}不能多于"
                             f"{labels[larger]}")
    return None


# --- comparing with the database ----------------------------------------------------------------
def analyse(layout: FigureLayout, sheets: list[Sheet], *, user, basis: str = ValueBasis.MONTH,
            progress: Callable[[int], None] | None = None,
            write_new: Callable[[Iterator[dict]], object] | None = None) -> Analysis:
    """Check a file in the long layout or, for a grid-based kind, in the grid layout (turned
    into long rows first, and every message pointed back at the grid cell).

    `write_new`, when given, is handed the figures to create as the rows are checked (`apply`
    streams them to the database meanwhile); it must not query the database while it reads
    them, and the caller must discard what it wrote when the analysis has errors."""
    if layout.grid is not None:
        grid_sheets = to_long(layout, sheets)
        if grid_sheets is not None:
            analysis = _analyse_long(layout, [grid_sheets.sheet], user=user, basis=basis,
                                     progress=progress, write_new=write_new)
            map_back(grid_sheets, analysis)
            return analysis
    return _analyse_long(layout, sheets, user=user, basis=basis, progress=progress,
                         write_new=write_new)


def _analyse_long(layout: FigureLayout, sheets: list[Sheet], *, user, basis: str,
                  progress: Callable[[int], None] | None,
                  write_new: Callable[[Iterator[dict]], object] | None) -> Analysis:
    analysis = Analysis(layout=layout)
    sheet = _pick_sheet(layout, sheets, analysis)
    if basis == ValueBasis.YEAR_TO_DATE and not layout.year_to_date:
        analysis.error(sheet.name, None, "", f"{layout.title}填写当月数（存量指标填月末数），"
                       "不接受累计数：请在上传页面选择“本月数”")
        return analysis
    ctx = _Context(layout, user)
    try:
        return _analyse_rows(layout, sheet, ctx, analysis, basis=basis, progress=progress,
                             write_new=write_new, sheets=sheets)
    finally:
        analysis.names = ctx.units.choices() + ctx.departments.choices()


def _analyse_rows(layout, sheet, ctx, analysis, *, basis, progress, write_new,
                  sheets=None) -> Analysis:
    rows = _parse_rows(layout, sheet, ctx, basis, analysis, progress, sheets)
    if rows is None:
        return analysis
    if not analysis.rows:
        analysis.error(sheet.name, None, "", "没有找到任何数据行")
        return analysis
    existing = _stored(layout, rows.units, rows.months)
    checked = rows.checked
    if rows.year_to_date:
        # 累计 rows become monthly increments from the months before them: all rows first.
        parsed = {key: (number, record, ytd) for key, number, record, ytd in checked}
        if not analysis.errors:
            _year_to_date(layout, parsed, existing, sheet.name, analysis)
        checked = ((key, *found) for key, found in parsed.items())
    touched: set[tuple] = set()  # (unit, department, month) cells this file changes
    new = _compared(layout, checked, existing, analysis, touched)
    if write_new is None:
        deque(new, maxlen=0)
    else:
        write_new(new)
    if progress:
        progress(analysis.rows)
    if analysis.errors:
        # Nothing of a file with errors is applied: the preview lists its errors only.
        analysis.create, analysis.update, analysis.delete = [], [], []
        analysis.unchanged, analysis.pairs = 0, set()
        return analysis

    for message in entry_problems(touched):
        analysis.error(sheet.name, None, "", message)
    analysis.labels = {pk: ctx.units.label(pk) for pk in rows.units}
    return analysis


def _stored(layout: FigureLayout, units: set[int], months: set[dt.date]
            ) -> dict[tuple, tuple[int, tuple]]:
    """{natural key: (pk, stored values in the order of the layout's values)} of the stored
    figures of `units` from January of the first of `months` through the last: tuples, not a
    dictionary per row, since a large file meets as many stored rows as it has."""
    if not units or not months:
        return {}
    model = layout.model
    dims = [c.field for c in layout.dimension_columns()]
    fields = [model._meta.get_field(f).attname for f in ("org_unit", "department", "period", *dims)]
    width = len(fields)
    existing: dict[tuple, tuple[int, tuple]] = {}
    for row in unscoped(model).filter(
            org_unit_id__in=sorted(units), period__gte=dt.date(min(months).year, 1, 1),
            period__lte=max(months)).values_list("pk", *fields, *layout.value_fields):
        existing[row[1:width + 1]] = (row[0], row[width + 1:])
    return existing


def _compared(layout: FigureLayout, checked: Iterator[tuple[tuple, int, dict, bool]],
              existing: dict[tuple, tuple[int, tuple]], analysis: Analysis, touched: set[tuple]
              ) -> Iterator[dict]:
    """Each checked row compared with the stored figure of its key: updates, clearings and
    unchanged rows go into the analysis, and each new figure also comes out, as it is found,
    to be written. After the first error nothing more comes out (the file will not be
    applied), and the rest is only checked."""
    values = layout.value_fields
    for key, number, record, _ytd in checked:
        if analysis.errors:
            continue
        after = tuple(record[f] for f in values)
        found = existing.get(key)
        empty = layout.zero_is_empty and not any(after)
        if found is None:
            if empty:
                analysis.unchanged += 1
                continue
            record["_row"] = number
            analysis.create.append(record)  # its key and values (not copied: 100,000 in a file)
            yield record
        elif found[1] == after:
            analysis.unchanged += 1
            continue
        elif empty:
            analysis.delete.append((found[0], {**dict(zip(values, found[1], strict=True)),
                                               "_row": number, "_key": key}))
        else:
            analysis.update.append((found[0], dict(zip(values, found[1], strict=True)),
                                    {**dict(zip(values, after, strict=True)), "_row": number,
                                     "_key": key}))
        analysis.pairs.add((key[0], key[2]))
        touched.add(key[:3])


def _year_to_date(layout: FigureLayout, parsed: dict, existing: dict, sheet: str,
                  analysis: Analysis) -> None:
    """Turn year-to-date rows into monthly increments: this month's 累计 minus the 累计 of the
    month before (from the same file when it is there, else the stored months of the year)."""
    series: dict[tuple, list[tuple]] = defaultdict(list)
    for key, (_number, _record, ytd) in parsed.items():
        if ytd:
            series[(key[:2], key[3:], key[2].year)].append(key)
    labels = layout.labels
    for (head, tail, _year), keys in series.items():
        keys.sort(key=lambda k: k[2])
        for key in keys:
            number, record, _ = parsed[key]
            month = key[2]
            before = dict.fromkeys(layout.value_fields, 0)
            for m in range(1, month.month):
                earlier = (*head, dt.date(month.year, m, 1), *tail)
                if earlier in parsed:
                    source = parsed[earlier][1]
                    values = source.get("_monthly", source)
                else:
                    stored = existing.get(earlier)
                    values = dict(zip(layout.value_fields, stored[1], strict=True)) if stored else {}
                for f in layout.value_fields:
                    before[f] += values.get(f, 0) or 0
            monthly = {}
            for f in layout.value_fields:
                monthly[f] = record[f] - before[f]
                if monthly[f] < 0:
                    analysis.error(sheet, number, analysis.letters.get(f, labels[f]),
                                   f"累计值 {record[f]:,} 小于此前各月合计 {before[f]:,}（累计数不能减少）")
            record["_monthly"] = monthly
        for key in keys:
            record = parsed[key][1]
            record.update(record.pop("_monthly"))


def apply(layout: FigureLayout, sheets: list[Sheet], *, user, basis: str = ValueBasis.MONTH,
          progress: Callable[[int], None] | None = None) -> Analysis:
    """Analyse again and write, in one transaction, only if there is no error."""

    model = layout.model
    dims = [c.field for c in layout.dimension_columns()]
    with transaction.atomic():
        now = timezone.now()
        # The new rows are those after the newest id now visible, stamped with `now`: the
        # audit entries are built from them.
        floor = model._base_manager.aggregate(newest=Max("pk"))["newest"] or 0
        given = ["org_unit", "department", "period", *dims, *layout.value_fields]
        pick = itemgetter(*given)

        def write_new(records: Iterator[dict]) -> None:
            # The new figures are written as the rows are checked: the database stores and
            # checks them while the rest of the file is checked.
            insert_rows(model, given, map(pick, records), beside=True, constant={
                "created_at": now, "updated_at": now, "entered_by": user.pk, "is_demo": False,
                **dict(layout.fixed)})

        analysis = None
        try:
            analysis = analyse(layout, sheets, user=user, basis=basis, progress=progress,
                               write_new=write_new)
            if not analysis.ok:
                transaction.set_rollback(True)
                return analysis
            if analysis.update:
                values = layout.value_fields
                update_rows(model, [*values, "updated_at", "entered_by"], (
                    (pk, *map(after.__getitem__, values), now, user.pk)
                    for pk, _before, after in analysis.update))
            if analysis.delete:
                unscoped(model).filter(pk__in=[pk for pk, _ in analysis.delete]).delete()
        except IntegrityError as exc:
            transaction.set_rollback(True)
            analysis = analysis or Analysis(layout=layout)  # the COPY stopped the analysis
            analysis.error("", None, "", "保存时数据库拒绝了数据（可能有人同时修改了同一批数据），"
                           f"未保存任何内容，请重新上传预览。（{exc.__class__.__name__}）")
            return analysis
        listed, unlisted = settings.IMPORT_MAX_LISTED_ERRORS, 0
        for unit_id, month, result in evaluate_rules_for(
                pairs=analysis.pairs, apps={layout.app} if layout.app else set(), failing=True):
            error = result.rule.importance == "error"
            if not error and len(analysis.warnings) >= listed:
                unlisted += 1  # counted, not spelled out: thousands of months may trip a warning
                continue
            where = f"{analysis.labels.get(unit_id, '')} {month:%Y-%m}"
            (analysis.errors if error else analysis.warnings).append(
                Issue("", None, "", f"{where}：{result.message}"))
        if unlisted:
            analysis.warnings.append(Issue("", None, "", f"另有 {unlisted} 条校验提示未逐条列出"))
        if analysis.errors:
            transaction.set_rollback(True)
            return analysis
        mark_for_rollup(pairs=analysis.pairs)
        record_figure_import(layout=layout, analysis=analysis, user=user,
                             created=model._base_manager.filter(pk__gt=floor, created_at=now,
                                                                entered_by=user))
    return analysis
