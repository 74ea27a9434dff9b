"""Downloadable .xlsx templates for each import kind: the header row the importer expects,
drop-down lists for units and dimension values (from a visible 下拉选项 sheet, so nothing is
hidden from the user), and a 说明 sheet with the rules and an example row."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from org.selectors import writable_units
from skills_portal import clock
from targets.layouts import BASIS, DEPARTMENT, MONTH, UNIT, FigureLayout
from targets.models import Indicator

from .kinds import layouts

DATA_ROWS = 2000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def template(layout: FigureLayout, *, user) -> bytes:
    units = list(writable_units(user).order_by("level", "code", "name")
                 .values_list("name", "code")[:2000])
    book = Workbook()
    sheet = book.active
    sheet.title = "填报"
    columns = layout.columns()
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.header) * 2 + 4)
    sheet.freeze_panes = "A2"

    options = book.create_sheet("下拉选项")
    lists = [("单位", [f"{name}" for name, _code in units])]
    lists.append(("口径", ["本月", "累计"]))
    for column in columns:
        if column.kind == "choice":
            lists.append((column.header, [label for _value, label in column.choices]))
        elif column.kind == "bool":
            lists.append((column.header, ["是", "否"]))
        elif column.kind == "indicator":
            lists.append((column.header, list(Indicator.unscoped.filter(source="manual")
                                              .order_by("code").values_list("name", flat=True))))
    ranges = {}
    for index, (title, values) in enumerate(lists, start=1):
        letter = get_column_letter(index)
        options.cell(row=1, column=index, value=title).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=index, value=value)
        options.column_dimensions[letter].width = 24
        ranges[title] = f"'下拉选项'!${letter}$2:${letter}${max(len(values) + 1, 2)}"
    for index, column in enumerate(columns, start=1):
        source = ("单位" if column is UNIT else "口径" if column is BASIS
                  else column.header if column.header in ranges else None)
        if source is None:
            continue
        validation = DataValidation(type="list", formula1=ranges[source], allow_blank=True,
                                    showErrorMessage=column is not UNIT)
        validation.error = f"请从下拉列表中选择{column.header}"
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
        sheet.add_data_validation(validation)

    notes = book.create_sheet("说明")
    month = clock.previous_month()
    example = {UNIT.field: units[0][0] if units else "龙陵县", DEPARTMENT.field: "",
               MONTH.field: f"{month:%Y-%m}", BASIS.field: "本月"}
    for column in layout.dimension_columns():
        example[column.field] = (column.choices[0][1] if column.kind == "choice"
                                 else "否" if column.kind == "bool"
                                 else lists[-1][1][0] if column.kind == "indicator" and lists[-1][1]
                                 else "")
    for number, column in enumerate(layout.value_columns()):
        example[column.field] = 100 - 20 * number if number < 4 else 10
    lines = [
        f"{layout.title}导入模板",
        "",
        "1. 在“填报”表中每行填写一个单位、一个月份、一种分类组合的数字；表头不要改动，可以删去不用的列。",
        "2. 单位：填写单位名称（如 鹿城区，也可写 温州市鹿城区）或 6 位行政区划代码；"
        "只能填报您有权限的单位。",
        "3. 部门：由部门报送时填写本单位的部门名称（如 应急管理局）；单位自身的数字留空。",
        "4. 月份：写成 2024-05 或 2024年5月；不能填报未来的月份。",
        "5. 口径：“本月”为当月新增数，“累计”为当年 1 月至该月的累计数，系统自动换算为当月数；累计数不能减少。"
        "不填时按上传页面选择的口径。",
        "6. 数字：填写整数，可以带千分位（1,200），可以写“1.2万”；不能为负数或小数。空白视为 0。",
        "7. 同一单位、部门、月份和分类只能出现一行；再次上传同一文件不会重复计数。",
        "8. “合计”“总计”行会被跳过（系统自行汇总）；表格下方以“注”“说明”开头的文字不导入。",
        "9. 上传后先预览：会列出将新增、修改的数据和每个错误所在的行、列；"
        "确认后一次性导入，有任何错误则不导入。",
        "",
        "示例（请勿粘贴到“填报”表）：",
    ]
    for row, line in enumerate(lines, start=1):
        notes.cell(row=row, column=1, value=line)
    start = len(lines) + 1
    for index, column in enumerate(columns, start=1):
        notes.cell(row=start, column=index, value=column.header).font = Font(bold=True)
        notes.cell(row=start + 1, column=index, value=example.get(column.field, ""))
    notes.column_dimensions["A"].width = 40

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def grid_workbook(layout: FigureLayout, *, fixed: dict, values: dict[tuple[str, str, str], int]
                  ) -> bytes:
    """One page of the entry grid as a sheet in the grid layout, filled with `values`
    ({(block, row category, column category): number}): the unit, month and slice above, one
    table per measured field with 合计 row and column. Filled in and uploaded, it imports as
    the page would save."""
    grid = layout.grid
    book = Workbook()
    sheet = book.active
    sheet.title = f"{fixed['period']:%Y-%m}"
    unit, department = fixed["org_unit"], fixed.get("department")
    sheet.append([f"{layout.title}（{unit.name} {fixed['period']:%Y年%m月}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    # Written with the importer's own column names, so the upload reads them back.
    meta = [f"{UNIT.header}：{unit.name}", f"{MONTH.header}：{fixed['period']:%Y-%m}",
            f"{DEPARTMENT.header}：{department.name if department else ''}", f"{BASIS.header}：本月"]
    for column in layout.dimension_columns():
        if column.field in (grid.rows.field, grid.cols.field) or column.field not in fixed:
            continue
        value = fixed[column.field]
        shown = (("是" if value else "否") if column.kind == "bool"
                 else dict(column.choices).get(value, value) if column.kind == "choice"
                 else getattr(value, "name", value) or "")
        meta.append(f"{column.header}：{shown}")
    sheet.append(meta)
    grey = PatternFill("solid", fgColor="EEEEEE")
    for block in grid.blocks:
        sheet.append([])
        sheet.append([block.label])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append([grid.rows.label, *(label for _v, label in grid.cols.choices), "合计"])
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
        # Totals are formulas, so they stay right while the clerk types; the importer checks
        # them once Excel or WPS has saved their results.
        first, last = sheet.max_row + 1, sheet.max_row + len(grid.rows.choices)
        end = get_column_letter(len(grid.cols.choices) + 1)
        for row, row_label in grid.rows.choices:
            line: list = [row_label]
            for col, _label in grid.cols.choices:
                line.append(values.get((block.field, row, col)) or None
                            if grid.cell_enabled(row, col) else "—")
            line.append(f"=SUM(B{sheet.max_row + 1}:{end}{sheet.max_row + 1})")
            sheet.append(line)
            for index, (col, _label) in enumerate(grid.cols.choices, start=2):
                if not grid.cell_enabled(row, col):
                    sheet.cell(row=sheet.max_row, column=index).fill = grey
        sheet.append(["合计", *(f"=SUM({get_column_letter(i)}{first}:{get_column_letter(i)}{last})"
                              for i in range(2, len(grid.cols.choices) + 3))])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    sheet.append(["注：空白格视为 0；“—”格不适用；合计行和合计列可以不填，填了须与各格之和相等。"
                  f"上传时选择“{layout.title}”，系统自动识别这种表格式。"])
    sheet.column_dimensions["A"].width = 18
    for index in range(2, len(grid.cols.choices) + 3):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def grid_page_workbook(spec, *, fixed: dict, values: dict) -> tuple[bytes, str]:
    """The `grid_workbook` hook: an entry grid page's month as a workbook in its import
    layout, and the layout's title (for the file name)."""
    layout = next(layout for layout in layouts().values() if layout.grid is spec)
    return grid_workbook(layout, fixed=fixed, values=values), layout.title
