"""The same tables as tests/xlsx_corpus.py builds, written as offices also send them: legacy
.xls (BIFF8, written by xlwt as Excel 97–2003 writes it) and CSV in GB18030 or UTF-8; and
hostile .xls files made by changing one field of a well-formed one (a looping chain, a sector
past the end, a stream said to be 2 GB, an encrypted workbook), so each case is visible in
the test that uses it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct

import xlwt

from tests import xlsx_corpus

DATE = xlwt.easyxf(num_format_str="yyyy-mm-dd")


def _cell_ref(ref: str) -> tuple[int, int]:
    letters = "".join(c for c in ref if c.isalpha())
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter.upper()) - 64
    return int(ref[len(letters):]) - 1, column - 1


def xls(rows: list[list], *, title: str = "填报", above: list[list] | None = None,
        extra_sheets: dict[str, list[list]] | None = None, hidden: tuple[str, ...] = (),
        merged: tuple[str, ...] = (), per_sheet: int = 65_536) -> bytes:
    """An .xls with the rows of `above` then `rows` (xlsx_corpus.xlsx's arguments). Rows
    beyond `per_sheet` (65,536, all a sheet holds) go on to sheets named title-2, title-3 …,
    each under the first row again (the header), as an office splits a long report."""
    book = xlwt.Workbook(encoding="utf-8")
    all_rows = (above or []) + rows
    sheets = [all_rows[:per_sheet]]
    rest = all_rows[per_sheet:]
    while rest:
        sheets.append([all_rows[0], *rest[: per_sheet - 1]])
        rest = rest[per_sheet - 1:]
    for number, chunk in enumerate(sheets, start=1):
        sheet = book.add_sheet(title if number == 1 else f"{title}-{number}")
        merges = [tuple(cells.split(":")) for cells in merged] if number == 1 else []
        covered = set()
        for first, last in merges:
            (r0, c0), (r1, c1) = _cell_ref(first), _cell_ref(last)
            value = chunk[r0][c0] if r0 < len(chunk) and c0 < len(chunk[r0]) else ""
            sheet.write_merge(r0, r1, c0, c1, value)
            covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(chunk):
            for c, value in enumerate(row):
                if (r, c) in covered or value in (None, ""):
                    continue
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, DATE)
                else:
                    sheet.write(r, c, value)
    for name, content in (extra_sheets or {}).items():
        other = book.add_sheet(name)
        for r, row in enumerate(content):
            for c, value in enumerate(row):
                other.write(r, c, value)
        if name in hidden:
            other.visibility = 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list], *, above: list[list] | None = None, encoding: str = "gb18030",
             delimiter: str = ",", bom: bool = False) -> bytes:
    """A CSV as Excel or WPS saves it: GB18030 by default (Chinese Windows), CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in (above or []) + rows:
        writer.writerow(["" if v is None else v.strftime("%Y-%m-%d") if isinstance(v, dt.date)
                         else v for v in row])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def as_format(fmt: str, rows: list[list], **kwargs) -> bytes:
    """The same table as .xlsx, .xls or GB18030 CSV (a CSV has no merges or extra sheets)."""
    if fmt == "xlsx":
        return xlsx_corpus.xlsx(rows, **kwargs)
    if fmt == "xls":
        return xls(rows, **kwargs)
    return csv_file(rows, above=kwargs.get("above"))


# --- hostile .xls: one field of a well-formed file changed ----------------------------------
def _header(data: bytes) -> dict:
    sector_shift, = struct.unpack_from("<H", data, 0x1E)
    fat_count, directory_start = struct.unpack_from("<II", data, 0x2C)
    return {"size": 1 << sector_shift, "fat": struct.unpack_from("<109I", data, 0x4C)[:fat_count],
            "directory": directory_start}


def _offset(data: bytes, sector: int) -> int:
    return (sector + 1) * _header(data)["size"]


def _directory_entry(data: bytes, name: str) -> int:
    """The file offset of a directory entry (the directory's first sector is enough here)."""
    start = _offset(data, _header(data)["directory"])
    wanted = name.encode("utf-16-le")
    for offset in range(start, start + _header(data)["size"], 128):
        if data[offset: offset + len(wanted)] == wanted:
            return offset
    raise AssertionError(f"no directory entry {name}")


def _workbook_start(data: bytes) -> int:
    entry = _directory_entry(data, "Workbook")
    return struct.unpack_from("<I", data, entry + 116)[0]


def _set_fat(data: bytes, sector: int, value: int) -> bytes:
    header = _header(data)
    per = header["size"] // 4
    fat_sector = header["fat"][sector // per]
    out = bytearray(data)
    struct.pack_into("<I", out, _offset(data, fat_sector) + 4 * (sector % per), value)
    return bytes(out)


def xls_with_looping_chain(data: bytes) -> bytes:
    """The Workbook stream's second sector points back to its first."""
    start = _workbook_start(data)
    header = _header(data)
    per = header["size"] // 4
    fat = struct.unpack_from(f"<{per}I", data, _offset(data, header["fat"][0]))
    return _set_fat(data, fat[start], start)


def xls_with_sector_past_the_end(data: bytes) -> bytes:
    return _set_fat(data, _workbook_start(data), 0x00FFFFF0)


def xls_with_huge_stream(data: bytes) -> bytes:
    out = bytearray(data)
    struct.pack_into("<I", out, _directory_entry(data, "Workbook") + 120, 0x7FFFFFF0)
    return bytes(out)


def xls_with_huge_fat_count(data: bytes) -> bytes:
    out = bytearray(data)
    struct.pack_into("<I", out, 0x2C, 0x00FFFFFF)
    return bytes(out)


def _renamed(data: bytes, old: str, new: str) -> bytes:
    entry = _directory_entry(data, old)
    out = bytearray(data)
    name = new.encode("utf-16-le") + b"\x00\x00"
    out[entry: entry + 64] = name + bytes(64 - len(name))
    struct.pack_into("<H", out, entry + 64, len(name))
    return bytes(out)


def xls_as_encrypted_ooxml(data: bytes) -> bytes:
    """What a password-protected .xlsx is: a compound file whose package is encrypted."""
    return _renamed(data, "Workbook", "EncryptedPackage")


def xls_as_word_document(data: bytes) -> bytes:
    return _renamed(data, "Workbook", "WordDocument")


def _record_in_file(data: bytes, kind: int, length: int | None = None) -> int:
    """The offset of the first BIFF record of `kind` in the Workbook stream, found in the file
    (xlwt writes the stream in consecutive sectors)."""
    start = _offset(data, _workbook_start(data))
    offset = start
    while offset + 4 <= len(data):
        found, size = struct.unpack_from("<HH", data, offset)
        if found == kind and (length is None or size == length):
            return offset
        if found == 0x000A and offset > start:  # EOF of the globals
            break
        offset += 4 + size
    raise AssertionError(f"no record {kind:#06x}")


def xls_encrypted(data: bytes) -> bytes:
    """A password-protected .xls: the globals carry a FILEPASS record (here in place of
    WRITEACCESS, which every xlwt file has)."""
    out = bytearray(data)
    struct.pack_into("<H", out, _record_in_file(data, 0x005C), 0x002F)
    return bytes(out)


def xls_with_huge_string_table(data: bytes) -> bytes:
    offset = _record_in_file(data, 0x00FC)
    out = bytearray(data)
    struct.pack_into("<II", out, offset + 4, 0x7FFFFFFF, 0x7FFFFFFF)
    return bytes(out)


def xls_with_huge_dimensions(data: bytes) -> bytes:
    """The first sheet declares 10 million rows (its DIMENSIONS record)."""
    start = _offset(data, _workbook_start(data))
    position = data.index(struct.pack("<HH", 0x0200, 14), start)
    out = bytearray(data)
    struct.pack_into("<I", out, position + 8, 10_000_000)
    return bytes(out)
