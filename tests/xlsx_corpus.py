"""Builds the workbooks the import tests upload — well-formed reports and hostile files alike —
in code, so every case is visible in the test that uses it."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

TRAINING_HEADER = ["单位", "月份", "培训对象", "培训类型", "项目品牌", "是否补贴性培训",
                   "培训人次", "其中：新入训人数", "结业人次", "培训后取证人次"]


def xlsx(rows: list[list], *, title: str = "填报", above: list[list] | None = None,
         extra_sheets: dict[str, list[list]] | None = None, hidden: tuple[str, ...] = (),
         merged: tuple[str, ...] = (), hidden_rows: tuple[int, ...] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in (above or []) + rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    for number in hidden_rows:
        sheet.row_dimensions[number].hidden = True
    for name, content in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for row in content:
            other.append(row)
        if name in hidden:
            other.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def training(*rows: list, header: list | None = None, **kwargs) -> bytes:
    return xlsx([header or TRAINING_HEADER, *rows], **kwargs)


def rewrite(data: bytes, change) -> bytes:
    """The same workbook with its zip entries passed through `change(name, bytes)`; returning
    None drops an entry. Extra entries: change('+', None) may return {name: bytes}."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (change("+", None) or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()
