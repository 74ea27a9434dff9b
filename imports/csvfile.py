"""CSV files as Chinese Excel and WPS write them: GB18030 (GBK) more often than UTF-8, with
or without a byte-order mark, separated by commas, tabs (Excel's 文本文件) or semicolons.

The text is decoded strictly: UTF-8 (with or without BOM) or UTF-16 with a BOM when it is
that, else GB18030, a superset of GBK and GB2312. A file whose lines are partly valid UTF-8
Chinese and partly not was put together from two encodings; it is refused with the first
line of each rather than read as mojibake. Cells are kept as the text written: a cell such as
=SUM(B2:B9) is never evaluated (it then fails as a number, with its row and column).
"""

from __future__ import annotations

import codecs
import csv
import io
import os

from django.conf import settings

from .reader import ImportRefused, Sheet

DELIMITERS = ",\t;"
MAX_FIELD = 1 * 2**20  # one cell; the csv module's own default is 128 KB


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8", data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data
    else:
        encoding, body = None, data
    if b"\x00" in body[:65536] and encoding != "utf-16":
        raise ImportRefused("文件不是文本格式的 CSV（含有二进制内容）。请上传 Excel 工作簿，或在 Excel / WPS "
                            "中“另存为”CSV 后上传。")
    if encoding:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ImportRefused(f"文件开头标明为 {encoding.upper()} 编码，但第 {_line_of(body, exc.start)} "
                                "行有无法按此编码读取的字节。请重新导出 CSV。") from exc
    else:
        text = _decode_unmarked(body)
    control = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if control > 16:
        raise ImportRefused("文件不是文本格式的 CSV（含有大量控制字符）。请上传 Excel 工作簿，或在 Excel / "
                            "WPS 中“另存为”CSV 后上传。")
    return text


def _decode_unmarked(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf8_line = other_line = None
    for number, line in enumerate(body.splitlines(), start=1):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
        else:
            # A short GBK line can be valid UTF-8 by chance; two Chinese characters cannot.
            if sum(1 for ch in decoded if "\u4e00" <= ch <= "\u9fff") >= 2:
                utf8_line = utf8_line or number
        if utf8_line and other_line:
            raise ImportRefused(
                f"文件混用了两种文字编码：第 {utf8_line} 行是 UTF-8，第 {other_line} 行是 GBK/GB18030。"
                "请在 Excel 或 WPS 中打开后统一“另存为”CSV（UTF-8 或 GBK 均可）再上传。")
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"无法识别文件的文字编码（既不是 UTF-8 也不是 GBK/GB18030，第 "
                            f"{_line_of(body, exc.start)} 行）。请另存为 UTF-8 或 GBK 编码的 CSV "
                            "后上传。") from exc


def _line_of(body: bytes, offset: int) -> int:
    return body.count(b"\n", 0, offset) + 1


def _delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_csv(data: bytes, file_name: str = "") -> list[Sheet]:
    """A CSV file as one sheet named after the file, its cells as text."""
    text = _decode(data)
    delimiter = _delimiter(text)
    max_rows, max_cells = int(settings.IMPORT_MAX_ROWS), int(settings.IMPORT_MAX_CELLS)
    old_limit = csv.field_size_limit(MAX_FIELD)
    rows: list[list] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row])
            cells += len(row)
            if len(rows) > max_rows + 1:
                raise ImportRefused(f"文件超过单个文件上限 {max_rows:,} 行。请拆分后分别上传。")
            if cells > max_cells:
                raise ImportRefused(f"文件的单元格合计超过上限 {max_cells:,} 个。请拆分后分别上传。")
    except csv.Error as exc:
        raise ImportRefused(f"CSV 文件第 {reader.line_num} 行无法读取：" + (
            f"有一个单元格超过 {MAX_FIELD // 2**20} MB" if "field larger" in str(exc)
            else "引号不配对或换行位置不对") + "。请在 Excel 或 WPS 中打开后重新“另存为”CSV。") from exc
    finally:
        csv.field_size_limit(old_limit)
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportRefused("文件是空的。")
    name = os.path.splitext(os.path.basename(file_name))[0] or "CSV"
    return [Sheet(name=name[:100], rows=rows, hidden=False)]
