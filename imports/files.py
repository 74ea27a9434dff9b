"""An uploaded file read as sheets, whatever office wrote it: an .xlsx (imports/reader.py), a
legacy .xls (imports/legacy.py) or a CSV (imports/csvfile.py), told apart by their content
(an .xls renamed .xlsx is still read as what it is), so that every kind of upload takes the
same road from here: preview, row errors, all-or-nothing confirm."""

from __future__ import annotations

from .csvfile import read_csv
from .legacy import OLE_MAGIC, read_xls
from .reader import XLSX_MAGIC, ImportRefused, Sheet, check_size, read_workbook


def looks_like_text(data: bytes) -> bool:
    """No NUL in the first 64 KB (UTF-16 aside): a CSV, whatever its name."""
    return b"\x00" not in data[:65536] or data.startswith((b"\xff\xfe", b"\xfe\xff"))


def read_file(data: bytes, file_name: str = "") -> list[Sheet]:
    check_size(data)
    if data.startswith(OLE_MAGIC):
        return read_xls(data)
    if not data.startswith(XLSX_MAGIC) and (
            file_name.lower().endswith((".csv", ".txt")) or looks_like_text(data)):
        if data.lstrip()[:1] == b"<":
            raise ImportRefused("这是网页（HTML 或 XML）格式的表格，不是 Excel 工作簿或 CSV（一些系统导出的 "
                                ".xls 其实是网页）。请在 Excel 或 WPS 中打开后“另存为”.xlsx 再上传。")
        return read_csv(data, file_name)
    return read_workbook(data, file_name)
