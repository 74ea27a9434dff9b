"""What the long (one figure per row) and grid layouts share: the words that mark total and
note rows, the headings a column is known by, and the issue a check reports."""

from __future__ import annotations

from dataclasses import dataclass

from targets.layouts import Column

from .reader import header_key, shown

TOTAL_WORDS = ("合计", "总计", "小计", "全市总计", "全省总计", "全县总计", "总合计")
NOTE_PREFIXES = ("注", "说明", "填表说明", "备注", "填报说明", "附注")


def header_keys(column: Column) -> set[str]:
    """The headings a column is recognised by, normalised for matching."""
    return {header_key(h) for h in (column.header, *column.aliases)}


@dataclass
class Issue:
    sheet: str
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        """As an import record keeps it: texts cut to a few hundred characters (a message may
        quote a cell, and a cell may hold a megabyte)."""
        return {"sheet": shown(self.sheet, 100), "row": self.row,
                "column": shown(self.column, 100), "message": shown(self.message, 500)}
