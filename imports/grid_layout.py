"""Monthly figures in the grid layout: a sheet laid out like the entry page and the paper
report — the unit, month and slice written above (单位：龙陵县, 月份：2024-05 …), then one table
per measured field (培训人次, 结业人次 …) with the row categories down, the column categories
across, and 合计 rows and columns.

A grid sheet is turned into the long layout's rows (one per row × column category, with every
table's value for that cell) and goes through the same checks and writes as a long file, so
the two layouts can never disagree. What is reported is mapped back to the grid: an error
names the sheet, row and column of the cell the clerk typed, and what that cell means
(培训人次 · 脱贫人口 / 就业技能培训). A 合计 row or column, when present, must equal the sum of
its cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from targets.grid import GridSpec

from .reader import CellError, Sheet, header_key, parse_count, text
from .rows import NOTE_PREFIXES, TOTAL_WORDS, Issue, header_keys

META_ROWS = 12  # the unit, month and slice are written in the first rows
TOTAL_KEYS = {header_key(w) for w in TOTAL_WORDS}
LABEL_SPLIT = re.compile(r"[:：]")
SYNTHETIC = "（表格式）"  # suffix of the long sheet built from grid sheets
BLANKS = ("", "-", "—", "/")  # what a clerk writes in a grid cell that has nothing


@dataclass
class _Place:
    sheet: str
    row: int  # as Excel shows it
    column: str  # letter, or "" for the whole row
    meaning: str = ""

    def describe(self) -> str:
        return f"{self.column}（{self.meaning}）" if self.meaning else self.column


@dataclass
class GridSheets:
    """The long sheet built from the grid sheets, and where each of its cells came from."""

    sheet: Sheet
    places: dict[tuple[int, str], _Place] = field(default_factory=dict)  # (long row, header)
    rows: dict[int, _Place] = field(default_factory=dict)  # long row → first cell of it
    problems: list[tuple[_Place, str]] = field(default_factory=list)  # found while reading
    total_cells: set[tuple[str, str]] = field(default_factory=set)  # (sheet, "G8") of 合计 cells


def _labels(axis) -> dict[str, str]:
    keys = {}
    for stored, label in axis.choices:
        keys[header_key(stored)] = stored
        keys[header_key(label)] = stored
    return keys


def _meta(sheet: Sheet, columns) -> tuple[dict[str, tuple[object, _Place]], int]:
    """{field: (value, place)} read from "label：value" cells or a label cell followed by its
    value, in the first rows; and the index of the first row after them."""
    wanted = {key: column for column in columns for key in header_keys(column)}
    found: dict[str, tuple[object, _Place]] = {}
    last = -1
    for index, row in enumerate(sheet.rows[:META_ROWS]):
        cells = [(position, cell) for position, cell in enumerate(row) if cell not in ("", None)]
        for number, (position, cell) in enumerate(cells):
            raw = text(cell)
            parts = LABEL_SPLIT.split(raw, maxsplit=1)
            label = header_key(parts[0])
            column = wanted.get(label)
            if column is None or column.field in found:
                continue
            if len(parts) == 2:  # "部门：" with nothing after it is an empty value
                value, at = parts[1].strip(), position
            elif number + 1 < len(cells):
                at, value = cells[number + 1]
            else:
                continue
            found[column.field] = (value, _Place(sheet.name, index + 1, get_column_letter(at + 1),
                                                 column.header))
            last = index
    return found, last + 1


def _grid_meta(sheet: Sheet, grid: GridSpec, columns):
    """(meta, first row after it) when the sheet is in the grid layout — its first rows say
    which unit and month it is for and a table header lists the grid's column categories —
    else None."""
    meta, start = _meta(sheet, columns)
    if "org_unit" not in meta or "period" not in meta:
        return None
    cols = _labels(grid.cols)
    if any(sum(1 for cell in row if header_key(cell) in cols) >= 2 for row in sheet.rows[:80]):
        return meta, start
    return None


def _blocks(layout) -> dict[str, str]:
    """{header key: value field} for the names a table of each measured field may carry."""
    keys = {}
    for column in layout.value_columns():
        for name in (column.header, column.field, *column.aliases):
            keys[header_key(name)] = column.field
            # "其中：新入训人数" is also written without its prefix.
            keys[header_key(LABEL_SPLIT.split(name)[-1])] = column.field
    return keys


def _read_tables(sheet: Sheet, start: int, grid: GridSpec, block_keys: dict[str, str],
                 out: GridSheets) -> dict[tuple[str, str, str], tuple[object, _Place]]:
    """{(block, row category, column category): (cell value, place)} for one grid sheet."""
    rows_keys, cols_keys = _labels(grid.rows), _labels(grid.cols)
    row_labels, col_labels = dict(grid.rows.choices), dict(grid.cols.choices)
    block_labels = {b.field: b.label for b in grid.blocks}
    cells: dict[tuple[str, str, str], tuple[object, _Place]] = {}
    # A grid of one measured field (取证人数) needs no title above its table.
    block: str | None = grid.blocks[0].field if len(grid.blocks) == 1 else None
    header: dict[int, str] | None = None  # position → column category, or "" for 合计
    # (block, row category or None, column category or None, stated total, place)
    totals: list[tuple] = []
    for number, row in enumerate(sheet.rows[start:], start=start + 1):  # as Excel numbers rows
        filled = [(p, c) for p, c in enumerate(row) if c not in ("", None)]
        if not filled:
            header = None  # a blank row ends a table
            continue
        first_position, first = filled[0]
        # A cell naming a measured field: "培训人次", "培训人次：" or "培训人次（人次）".
        named = block_keys.get(header_key(first)) or \
            block_keys.get(header_key(LABEL_SPLIT.split(text(first))[0]))
        categories = {p: cols_keys[header_key(c)] for p, c in filled if header_key(c) in cols_keys}
        if len(categories) >= 2:  # a table header: its corner cell may name the block
            if named:
                block = named
            header = dict(categories)
            header.update({p: "" for p, c in filled if header_key(c) in TOTAL_KEYS})
            if block is None:
                out.problems.append((_Place(sheet.name, number, ""),
                                     "表头上方没有写明是哪一项数据（如“培训人次”）"))
            continue
        if len(filled) == 1 and named:
            block, header = named, None
            continue
        if header is None or block is None:
            continue  # title rows, notes and anything outside a table
        label = header_key(first)
        if label in TOTAL_KEYS:
            out.total_cells.update((sheet.name, f"{get_column_letter(p + 1)}{number}")
                                   for p in header)
            for position, category in header.items():
                if position < len(row) and row[position] not in ("", None):
                    place = _Place(sheet.name, number, get_column_letter(position + 1),
                                   f"{block_labels[block]} · 合计"
                                   + (f" / {col_labels[category]}" if category else ""))
                    totals.append((block, None, category or None, row[position], place))
            continue
        if text(first).startswith(NOTE_PREFIXES):
            header = None
            continue
        category = rows_keys.get(label)
        if category is None:
            out.problems.append((_Place(sheet.name, number, get_column_letter(first_position + 1)),
                                 f"「{text(first)}」不是可选的{grid.rows.label}（可选："
                                 f"{'、'.join(label for _v, label in grid.rows.choices)}）"))
            continue
        for position, column in header.items():
            value = row[position] if position < len(row) else ""
            place = _Place(sheet.name, number, get_column_letter(position + 1),
                           f"{block_labels[block]} · {row_labels[category]}"
                           + (f" / {col_labels[column]}" if column else " / 合计"))
            if column == "":
                out.total_cells.add((sheet.name, f"{get_column_letter(position + 1)}{number}"))
                if value not in ("", None):
                    totals.append((block, category, None, value, place))
                continue
            if (block, category, column) in cells:
                out.problems.append((place, f"与 {cells[(block, category, column)][1].describe()} "
                                            "重复（同一项数据的同一格出现两次）"))
                continue
            cells[(block, category, column)] = (value, place)
    _check_totals(cells, totals, out)
    return cells


def _check_totals(cells, totals, out: GridSheets) -> None:
    """A 合计 cell typed by the clerk must equal the sum of the cells it totals."""
    for block, row, column, value, place in totals:
        try:
            stated = parse_count(value, maximum=10**12)
        except CellError as exc:
            out.problems.append((place, str(exc)))
            continue
        parts = [v for (b, r, c), (v, _p) in cells.items()
                 if b == block and (row is None or r == row) and (column is None or c == column)]
        total = 0
        for part in parts:
            try:
                total += parse_count(part, maximum=10**12)
            except CellError:
                break  # the cell itself is reported; its total cannot be checked
        else:
            if total != stated:
                out.problems.append((place, f"合计 {stated:,} 与各项之和 {total:,} 不符"))


def to_long(layout, sheets: list[Sheet]) -> GridSheets | None:
    """The long sheet for every visible grid sheet, or None when no sheet is a grid."""
    grid = layout.grid
    meta_columns = [c for c in layout.columns()
                    if c.field not in {b.field for b in grid.blocks}
                    and c.field not in (grid.rows.field, grid.cols.field)]
    grids = [(s, found) for s in sheets
             if not s.hidden and (found := _grid_meta(s, grid, meta_columns))]
    if not grids:
        return None
    block_keys = _blocks(layout)
    header = [c.header for c in meta_columns] + [grid.rows.label, grid.cols.label] + \
        [b.label for b in grid.blocks]
    rows: list[list] = [header]
    name = "、".join(s.name for s, _found in grids) + SYNTHETIC
    out = GridSheets(sheet=Sheet(name=name, rows=rows, hidden=False))
    for sheet, (meta, start) in grids:
        cells = _read_tables(sheet, start, grid, block_keys, out)
        if not cells:
            out.problems.append((_Place(sheet.name, start + 1, ""), "没有找到任何数据表"))
            continue
        # As on the entry page, a blank cell of the grid is 0: the sheet is the whole month.
        # A cell that cannot exist (a level on a 专项职业能力证书) is read only when filled in,
        # so that it is reported.
        typed = {(r, c) for (_b, r, c), (v, _p) in cells.items() if text(v) not in BLANKS}
        pairs = [*grid.cells(), *sorted(typed - set(grid.cells()))]
        for row_category, column_category in pairs:
            number = len(rows) + 1
            line = [meta.get(c.field, ("", None))[0] for c in meta_columns]
            line += [row_category, column_category]
            first_place = None
            for column in meta_columns:
                if column.field in meta:
                    out.places[(number, column.header)] = meta[column.field][1]
            for block in grid.blocks:
                value, place = cells.get((block.field, row_category, column_category), ("", None))
                line.append(value)
                if place is not None:
                    out.places[(number, block.label)] = place
                    first_place = first_place or place
            out.places[(number, grid.rows.label)] = out.places[(number, grid.cols.label)] = \
                first_place
            out.rows[number] = first_place
            rows.append(line)
    # The download writes 合计 as formulas: one without a saved result is simply not checked
    # (the file was not opened in Excel or WPS since); any other formula must have its result.
    unsaved = tuple(f"{s.name}!{ref}" for s, _found in grids for ref in s.formulas_without_value
                    if (s.name, ref) not in out.total_cells)
    errors = tuple(f"{s.name}!{ref}" for s, _found in grids for ref in s.error_values)
    out.sheet = Sheet(name=name, rows=rows, hidden=False, formulas_without_value=unsaved,
                      error_values=errors)
    return out


ROW_REFERENCE = re.compile(r"第 (\d+) 行")


def map_back(grid_sheets: GridSheets, analysis) -> None:
    """Point every error and warning of the long analysis at the grid cell it came from."""
    synthetic = grid_sheets.sheet.name

    def where(issue):
        if issue.sheet != synthetic:
            return issue
        header = issue.column.split("（", 1)[1].rstrip("）") if "（" in issue.column else ""
        place = grid_sheets.places.get((issue.row, header)) or grid_sheets.rows.get(issue.row)
        message = ROW_REFERENCE.sub(
            lambda m: (f"{p.sheet} 第 {p.row} 行" if (p := grid_sheets.rows.get(int(m.group(1))))
                       else m.group(0)), issue.message)
        if place is None:
            return Issue(synthetic, None, issue.column, message)
        return Issue(place.sheet, place.row, place.describe(), message)

    def unique(issues):  # a wrong unit above the tables is wrong for every cell once
        return list({(i.sheet, i.row, i.column, i.message): i for i in issues}.values())

    analysis.errors[:] = unique([Issue(p.sheet, p.row, p.describe(), m)
                                 for p, m in grid_sheets.problems]
                                + [where(e) for e in analysis.errors])
    analysis.warnings[:] = unique([where(w) for w in analysis.warnings])
    # The preview names the grid row of each change (the audit keys changes by "_key").
    changed = [*analysis.create, *(after for _pk, _before, after in analysis.update),
               *(before for _pk, before in analysis.delete)]
    for values in changed:
        place = grid_sheets.rows.get(values["_row"])
        values["_row"] = place.row if place else values["_row"]
