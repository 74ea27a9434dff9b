"""How a kind of monthly figure is laid out as a table: the columns that key a figure and the
columns that carry its values. Domain apps declare theirs (in resources.py) from their entry
grid; the imports app reads and writes files in these layouts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .grid import GridSpec


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = "choice"  # choice | bool | text | programme | count
    choices: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = ()
    required: bool = True


UNIT = Column("单位", "org_unit", "unit", aliases=("地区", "单位名称", "县(市、区)", "县市区", "区县",
                                                   "单位代码", "行政区划代码", "区划代码"))
DEPARTMENT = Column("部门", "department", "department", aliases=("填报部门", "报送部门", "部门名称"),
                    required=False)
MONTH = Column("月份", "period", "month", aliases=("统计月份", "所属月份", "年月", "报告期", "时间"))
BASIS = Column("口径", "basis", "basis", aliases=("数据口径", "本月/累计"), required=False)


@dataclass(frozen=True)
class FigureLayout:
    """A kind of monthly figure as a long table: unit, department, month, then the dimension
    columns that key a figure and the value columns. Domain apps derive theirs from their
    entry grid (`from_grid`), so the spreadsheet and the grid always agree."""

    kind: str
    title: str
    model: type
    app: str | None  # whose validation rules run on the months an import touches
    dimensions: tuple[Column, ...]
    values: tuple[Column, ...]
    ordering: tuple[tuple[str, str], ...] = ()  # (smaller, larger) value fields
    # A record's dimensions that cannot go together: returns (field, message) or None.
    check: Callable[[dict], tuple[str, str] | None] | None = None
    year_to_date: bool = True  # may values be given as 累计 (not for stock levels)
    zero_is_empty: bool = True  # a row of zeros clears the figure (a stock's 0 is a value)
    fixed: tuple[tuple[str, object], ...] = ()  # other columns written on new rows
    grid: GridSpec | None = None  # the entry grid: files may also come in its layout

    @classmethod
    def from_grid(cls, *, kind: str, title: str, grid: GridSpec, extra: tuple[Column, ...] = (),
                  aliases: dict[str, tuple[str, ...]] | None = None) -> FigureLayout:
        aliases = aliases or {}
        rows, cols = grid.rows, grid.cols

        def check(record: dict) -> tuple[str, str] | None:
            if grid.cell_enabled(record[rows.field], record[cols.field]):
                return None
            return cols.field, f"{record[rows.field]}没有“{record[cols.field]}”这一{cols.label}"

        return cls(
            kind=kind, title=title, model=grid.model, app=grid.app,
            dimensions=tuple(Column(a.label, a.field, "choice", a.choices, aliases.get(a.field, ()))
                             for a in (rows, cols)) + extra,
            values=tuple(Column(b.label, b.field, "count", aliases=aliases.get(b.field, ()),
                                required=False) for b in grid.blocks),
            ordering=grid.ordering, check=check, grid=grid,
        )

    def dimension_columns(self) -> tuple[Column, ...]:
        return self.dimensions

    def value_columns(self) -> tuple[Column, ...]:
        return self.values

    def columns(self) -> tuple[Column, ...]:
        return (UNIT, DEPARTMENT, MONTH, BASIS, *self.dimensions, *self.values)

    @property
    def value_fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.values)

    @property
    def labels(self) -> dict[str, str]:
        return {c.field: c.header for c in self.values}
