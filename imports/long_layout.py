"""Long layouts: one record per row under a header (a plan's targets, org-unit group
memberships), read the same way by each of their imports."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from .figures import unreadable_cells
from .reader import ImportRefused, header_key, text
from .rows import NOTE_PREFIXES


def header_rows(sheet, names: dict[str, str]):
    """(row index, {field: position}) for each of the first 15 rows: the columns whose heading
    is one of `names` (heading → field), the first of each field."""
    for index, row in enumerate(sheet.rows[:15]):
        found = {}
        for position, cell in enumerate(row):
            name = names.get(header_key(cell))
            if name and name not in found:
                found[name] = position
        yield index, found


def long_layout(sheets, header, analysis) -> tuple:
    """The first visible sheet, its header found by `header(sheet)` → (row index, {field:
    position}), its unreadable cells reported on `analysis`. Returns (sheet, header index,
    columns, letters)."""
    sheet = next((s for s in sheets if not s.hidden), None)
    if sheet is None:
        raise ImportRefused("工作簿中没有可见的工作表。")
    header_index, columns = header(sheet)
    for cells, message in unreadable_cells(sheet):
        analysis.error(sheet.name, None, cells, message)
    letters = {f: get_column_letter(p + 1) for f, p in columns.items()}
    return sheet, header_index, columns, letters


def long_rows(sheet, header_index: int, columns: dict[str, int]):
    """(row number, {field: cell}) for each data row: blank rows skipped, the rows from a note
    (注：…) on left out."""
    width = max(columns.values()) + 1
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index] + [""] * (width - len(sheet.rows[index]))
        cell = {f: row[p] for f, p in columns.items()}
        if all(text(v) == "" for v in cell.values()):
            continue
        if text(next((c for c in row if c not in ("", None)), "")).startswith(NOTE_PREFIXES):
            break
        yield index + 1, cell
