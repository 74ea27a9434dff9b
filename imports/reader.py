"""Opening uploaded workbooks safely, and reading their cells the way officials type them.

Every check that can be made before parsing is made on the zip container first (size, magic
bytes, integrity, uncompressed size and ratio, macros, declared sheet size), so a hostile file
is refused before any XML is expanded. Sheets are then read with python-calamine, which keeps
a sheet as compact Rust cells and hands Python one row at a time; formula cells give their
cached values.

Every refusal is an `ImportRefused` with a message in Chinese that says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import zip_longest

from django.conf import settings
from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

XLSX_MAGIC = b"PK\x03\x04"
MAX_ENTRIES = 10_000  # parts in a workbook: a few dozen, a few thousand with many sheets or images
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


class ImportRefused(Exception):
    """The file as a whole cannot be imported; nothing is read or saved."""


class ImportForbidden(ImportRefused):
    """Refused because of who asks (their scope), not what the file holds: the API answers
    403."""


class CellError(ValueError):
    """One cell's value is not acceptable; the message says why, in Chinese."""


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list]  # cell values as python-calamine gives them ('' for empty)
    hidden: bool
    hidden_rows: tuple[int, ...] = ()  # Excel row numbers
    formulas_without_value: tuple[str, ...] = ()  # cell references such as "G2"
    error_values: tuple[str, ...] = ()  # cells holding an Excel error (#DIV/0!, #REF! …)


# Tags are matched by lookaheads over their attributes, with quantifiers that stop at the next
# < or > and never give back (possessive): the searches stay linear on any input. (Lazy
# patterns spanning tags took five minutes on 50 KB of repeated "<c r=".)
_PREFIX = rb"(?:\w++:)?"  # a namespace prefix
SHEET_ENTRY = re.compile(rb"<" + _PREFIX + rb'sheet\b(?=[^<>]*?\bname="([^"<>]*+)")'
                         rb'(?=[^<>]*?\br:id="([^"<>]*+)")')
RELATIONSHIP = re.compile(rb'<Relationship\b(?=[^<>]*?\bId="([^"<>]*+)")'
                          rb'(?=[^<>]*?\bTarget="([^"<>]*+)")')
HIDDEN_ROW = re.compile(rb"<" + _PREFIX + rb'row\b(?=[^<>]*?\bhidden="(?:1|true)")'
                        rb'(?=[^<>]*?\br="(\d++)")')
# A cell holding an Excel error (#DIV/0!, #REF!, #N/A …), which the reader gives as empty.
ERROR_CELL = re.compile(rb"<" + _PREFIX + rb'c\b(?=[^<>]*?\bt="e")(?=[^<>]*?\br="([A-Z]++\d++)")')
# A formula cell whose cached value is missing or empty: <c r="G2"><f>…</f></c> or <v/>.
FORMULA_WITHOUT_VALUE = re.compile(
    rb"<" + _PREFIX + rb'c\b(?=[^<>]*?\br="([A-Z]++\d++)")[^<>]*+>\s*+<' + _PREFIX
    + rb"f\b[^<>]*+(?:/>|>[^<]*+</" + _PREFIX + rb"f>)\s*+(?:<" + _PREFIX + rb"v\s*+/>|<"
    + _PREFIX + rb"v>\s*+</" + _PREFIX + rb"v>)?\s*+</" + _PREFIX + rb"c>")


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: path of its XML part} from the workbook and its relationships."""
    import html

    workbook = archive.read("xl/workbook.xml")
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = dict(RELATIONSHIP.findall(rels))
    parts = {}
    for name, rid in SHEET_ENTRY.findall(workbook):
        target = targets.get(rid, b"").decode()
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts[html.unescape(name.decode("utf-8"))] = path
    return parts


@dataclass(frozen=True)
class _Marks:
    """What the reader does not give and the sheet's XML shows (Excel row and cell numbers)."""

    hidden_rows: tuple[int, ...] = ()
    formulas_without_value: tuple[str, ...] = ()
    error_values: tuple[str, ...] = ()


def _scan(archive: zipfile.ZipFile, path: str) -> _Marks:
    """Hidden rows, formula cells without a cached value and cells holding an Excel error,
    from the sheet's XML text."""
    try:
        found = _contains(archive, path, (b"hidden=", b"<f", b":f", b't="e"'))
    except KeyError:
        return _Marks()
    if not found:
        return _Marks()
    # The patterns walk every element of the sheet (a 100,000-row sheet is ~40 MB of XML), so
    # they run only on a sheet where a plain substring search found something.
    xml = archive.read(path)
    return _Marks(
        hidden_rows=tuple(int(n) for n in HIDDEN_ROW.findall(xml)) if b"hidden=" in found else (),
        formulas_without_value=tuple(ref.decode() for ref in FORMULA_WITHOUT_VALUE.findall(xml))
        if {b"<f", b":f"} & found else (),
        error_values=tuple(ref.decode() for ref in ERROR_CELL.findall(xml))
        if b't="e"' in found else ())


def _contains(archive: zipfile.ZipFile, path: str, needles: tuple[bytes, ...]) -> set[bytes]:
    """The needles found in a part, read a megabyte at a time (never the whole part at once:
    the scan runs while python-calamine holds the sheet)."""
    found: set[bytes] = set()
    keep = max(map(len, needles)) - 1  # a needle may straddle two chunks
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(2**20):
            window = tail + chunk
            found.update(n for n in needles if n in window)
            tail = window[-keep:]
    return found


def _limit(name: str) -> int:
    return int(getattr(settings, name))


def check_container(data: bytes, file_name: str = "") -> zipfile.ZipFile:
    """Refuse what is not a plain .xlsx within the limits, before parsing any XML."""
    check_size(data)
    if not data.startswith(XLSX_MAGIC):
        raise ImportRefused("文件不是 Excel 工作簿（.xlsx、.xls）或 CSV：内容与扩展名不符。请上传用 "
                            "Excel 或 WPS 保存的文件。")
    if file_name.lower().endswith(".xlsm"):
        raise ImportRefused("不接收含宏的工作簿（.xlsm）。请另存为不含宏的 .xlsx 后再上传。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_entries(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
            zlib.error) as exc:
        raise ImportRefused("文件已损坏，无法打开（压缩包结构或校验和错误）。请重新保存后上传。") from exc
    except NotImplementedError as exc:  # zipfile's word for a compression method or version
        raise ImportRefused("文件的压缩方式不受支持，不是 Excel 或 WPS 保存的标准 .xlsx（也可能已损坏）。"
                            "请用 Excel 或 WPS 重新保存为 .xlsx 后上传。") from exc
    return archive


def _check_entries(archive: zipfile.ZipFile) -> None:
    """Structure, macros and expanded size from the zip directory; then every entry's
    checksum as it is read, and for each sheet its declared size, the grid of its cells and
    the shared text they copy (`_check_sheet`, `_shared_text`), all before the reader sees it."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ImportRefused(f"压缩包中有 {len(entries):,} 个文件，Excel 工作簿不会有这么多（上限 "
                            f"{MAX_ENTRIES:,} 个），不予处理。")
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused("文件不是 Excel 工作簿（.xlsx）：缺少工作簿结构。")
    if any(n.lower().endswith("vbaproject.bin") for n in names) or \
            b"macroEnabled" in archive.read("[Content_Types].xml"):
        raise ImportRefused("不接收含宏的工作簿（.xlsm）。请另存为不含宏的 .xlsx 后再上传。")
    total = sum(e.file_size for e in entries)
    max_total = _limit("IMPORT_MAX_UNCOMPRESSED_BYTES")
    ratio = _limit("IMPORT_MAX_COMPRESSION_RATIO")
    if total > max_total or any(e.file_size > 2**20 and e.file_size > ratio * max(e.compress_size, 1)
                                for e in entries):
        raise ImportRefused(f"文件解压后达 {total / 2**20:,.0f} MB（上限 {max_total / 2**20:.0f} MB）"
                            "或压缩比异常，疑似“压缩炸弹”，不予处理。")
    sheets = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    sheets |= set(_sheet_parts(archive).values()) & names
    try:
        strings, verified = _shared_string_sizes(archive, names)
    except zipfile.BadZipFile as exc:
        raise ImportRefused("文件已损坏（校验和错误）。请重新保存后上传。") from exc
    # Every sheet is read, hidden ones too: the grid cells and the copied text they ask of the
    # reader are limited for the workbook as a whole.
    cells_left, text = _limit("IMPORT_MAX_CELLS"), 0
    for entry in entries:
        try:
            if entry.filename in sheets:
                xml = archive.read(entry)  # the checksum is verified as the part is read
                cells_left -= _check_sheet(xml, cells_left)
                text += xml.count(b't="s"') * max(strings, default=0)
            elif entry.filename not in verified:
                with archive.open(entry) as stream:
                    while stream.read(2**20):  # the checksum is verified at the end
                        pass
        except zipfile.BadZipFile as exc:
            raise ImportRefused("文件已损坏（校验和错误）。请重新保存后上传。") from exc
    limit = _limit("IMPORT_MAX_TEXT_BYTES")
    # The quick bound above gives every shared-string cell the longest string; over the limit,
    # the text is counted cell by cell.
    if text > limit and sum(_shared_text(archive.read(name), strings) for name in sheets) > limit:
        raise ImportRefused(f"工作表的文字合计过大：单元格引用的文字展开后超过上限 {limit / 2**20:,.0f} MB"
                            "（疑似“字符串炸弹”），不予处理。")


def _refuse_dtd(xml: bytes) -> None:
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ImportRefused("工作表中含有 Excel 文件不会有的 XML 声明（DTD），不予处理。")


STRING_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*+:)?si[\s/>]")
SHARED_STRINGS_TYPE = re.compile(rb'<Relationship\b(?=[^<>]*?\bType="[^"<>]*/sharedStrings")'
                                 rb'(?=[^<>]*?\bTarget="([^"<>]*+)")')


def _shared_string_sizes(archive: zipfile.ZipFile, names: set[str]) -> tuple[list[int], set[str]]:
    """An upper bound of each shared string's size in bytes, by index: the distance from its
    <si> to the next (its XML is never shorter than its text). The reader copies a shared
    string into every cell that uses it, so these sizes say how much text a sheet makes.
    Also the parts read (their checksums verified)."""
    parts = {"xl/sharedStrings.xml"}
    if "xl/_rels/workbook.xml.rels" in names:
        for target in SHARED_STRINGS_TYPE.findall(archive.read("xl/_rels/workbook.xml.rels")):
            target = target.decode()
            parts.add(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    sizes: list[int] = []
    parts &= names
    for part in sorted(parts):
        xml = archive.read(part)
        _refuse_dtd(xml)
        starts = [m.start() for m in STRING_START.finditer(xml)]
        found = [end - start for start, end in zip(starts, [*starts[1:], len(xml)], strict=True)]
        sizes = [max(a, b) for a, b in zip_longest(sizes, found, fillvalue=0)]
    return sizes, parts


SHARED_CELL_VALUE = re.compile(rb'<c\b(?=[^<>]*?\bt="s")[^<>]*+>\s*+<v>([0-9]{1,9})</v>')


def _shared_text(xml: bytes, sizes: list[int]) -> int:
    """At most how many bytes of shared-string text the sheet's cells copy: the reader copies
    a string into every cell that uses it (a 650 KB file whose one 1 MB string fills 3,000
    cells asks for 6 GB)."""
    cells = xml.count(b't="s"')
    if not cells or not sizes:
        return 0
    values = SHARED_CELL_VALUE.findall(xml)
    if len(values) != cells:  # another spelling than Excel's: parsed
        values = _parsed_shared_cells(xml)
    return sum(sizes[i] for i in map(int, values) if i < len(sizes))


def _parse_xml(xml: bytes, start, end=None, text=None) -> None:
    """Run expat over a part, its handlers given local names (any prefix dropped); a part
    that does not parse is refused."""
    import xml.parsers.expat as expat

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = lambda name, attributes: start(name.rpartition(" ")[2], attributes)
    if end is not None:
        parser.EndElementHandler = lambda name: end(name.rpartition(" ")[2])
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise ImportRefused("文件已损坏：工作表的 XML 无法解析。请用 Excel 或 WPS 重新保存后上传。") from exc


def _parsed_shared_cells(xml: bytes) -> list[bytes]:
    """The values (string indexes) of the shared-string cells, by parsing the XML."""
    values: list[bytes] = []
    state = {"cell": False, "value": None}

    def start(name, attributes):
        if name == "c":
            state["cell"] = attributes.get("t") == "s"
        elif name == "v" and state["cell"]:
            state["value"] = []

    def text(data):
        if state["value"] is not None:
            state["value"].append(data)

    def end(name):
        if name == "v" and state["value"] is not None:
            digits = "".join(state["value"]).strip()
            if digits.isdigit():
                values.append(digits.encode())
            state["value"] = None
        elif name == "c":
            state["cell"] = False

    _parse_xml(xml, start, end, text)
    return values


def _check_sheet(xml: bytes, cells_left: int) -> int:
    """The grid the reader would build for a sheet (cells from the first to the last), or
    refuse the sheet: when its declared size is over the row limit, or the grid is larger
    than `cells_left`. python-calamine keeps a sheet as a dense grid, so one cell at
    XFD1048576 in a 5 KB file would ask for 17 billion cells and abort the process.
    Checked before anything parses the sheet."""
    _refuse_dtd(xml)
    max_rows = _limit("IMPORT_MAX_ROWS")
    match = DIMENSION.search(xml, 0, 8192)
    if match and (match.group(4) or match.group(2)):
        rows = int(match.group(4) or match.group(2))
        if rows > max_rows:
            raise ImportRefused(f"工作表声明有 {rows:,} 行，超过单个文件上限 {max_rows:,} 行。"
                                "请拆分后分别上传。")
    rows, columns = sheet_extent(xml)
    if rows * columns > cells_left:
        raise ImportRefused(
            f"工作表的数据区域过大：最远的单元格在第 {rows:,} 行、第 {columns:,} 列"
            f"（{get_column_letter(min(max(columns, 1), 16384))}{rows}），连同其他工作表展开后超过上限"
            f" {_limit('IMPORT_MAX_CELLS'):,} 个单元格。请删除表格以外的内容（或把数据复制到新工作簿）"
            "后再上传。")
    return rows * columns


# A sheet as Excel, WPS and most libraries write it: every cell (<c …>) names its place first,
# in plain capitals and digits, and no element has a namespace prefix. Anything else is parsed.
UNUSUAL_CELL = re.compile(rb'<c(?:(?! r=")[\s/>]| r="(?![A-Z]{1,3}[1-9][0-9]{0,6}"))')
PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
CELL_PLACE = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells in a sheet's XML: an upper bound of the grid a
    reader builds. A sheet written the usual way is measured by a few searches (under a fifth
    of a second for 100,000 rows): the last row and the widest of the first and last rows
    give the candidates, and one search shows that every cell is plain and within them.
    Anything else (cells without a place, prefixes, character references) is parsed."""
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    if start < 0 or end < start or PREFIXED.search(xml):
        return _parsed_extent(xml) if b"sheetData" in xml else (0, 0)
    last = xml.rfind(b'<c r="', start, end)
    if last < 0:
        return _parsed_extent(xml) if xml.find(b"<c", start, end) >= 0 else (0, 0)
    seen = CELL_PLACE.findall(xml, start, xml.find(b"</row>", start, end))
    seen += CELL_PLACE.findall(xml, xml.rfind(b"<row", start, last), end)
    rows = max(int(digits) for _letters, digits in seen)
    letters = max((letters for letters, _digits in seen), key=lambda t: (len(t), t))
    beyond = re.compile(rb'<c(?! r="(?!(?:' + _above(letters, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                        + rb')[0-9])[A-Z]{1,3}(?!(?:' + _above(str(rows).encode(), b"0123456789")
                        + rb')")[1-9][0-9]{0,6}")')
    if beyond.search(xml, start, end) is None:
        return rows, column_index_from_string(letters.decode())
    if UNUSUAL_CELL.search(xml, start, end):
        return _parsed_extent(xml)
    # Plain cells beyond the first and last rows (rows out of order, a ragged table): all read.
    places = CELL_PLACE.findall(xml, start, end)
    letters = max((letters for letters, _digits in places), key=lambda t: (len(t), t))
    return max(int(digits) for _letters, digits in places), column_index_from_string(letters.decode())


def _above(value: bytes, alphabet: bytes) -> bytes:
    """A regex for the strings over `alphabet` (ordered) that come after `value` when longer
    strings come after shorter ones: spreadsheet column letters, or numbers without leading
    zeros."""
    first, last = chr(alphabet[0]).encode(), chr(alphabet[-1]).encode()
    any_symbol = b"[" + first + b"-" + last + b"]"
    options = [any_symbol + b"{%d,}" % (len(value) + 1)]
    for i, symbol in enumerate(value):
        if symbol != alphabet[-1]:
            higher = chr(alphabet[alphabet.index(symbol) + 1]).encode()
            options.append(re.escape(value[:i]) + b"[" + higher + b"-" + last + b"]"
                           + (any_symbol + b"{%d}" % (len(value) - i - 1) if i + 1 < len(value)
                              else b""))
    return b"|".join(options)


CELL_REF = re.compile(r"([A-Za-z]{0,7})(\d{0,9})")


def _parsed_extent(xml: bytes) -> tuple[int, int]:
    """`sheet_extent` by parsing the XML (expat), placing cells as a reader does: by their
    reference, or else next to the cell before in the row."""
    last_row = last_column = row = column = 0

    def start(name, attributes):
        nonlocal last_row, last_column, row, column
        if name == "row":
            number = attributes.get("r", "")
            row = int(number) if number.isdigit() else row + 1
            column = 0
        elif name == "c":
            match = CELL_REF.fullmatch(attributes.get("r", ""))
            letters, digits = match.groups() if match else ("", "")
            if len(letters) > 3:  # beyond XFD: a reader would still place it, far out
                raise ImportRefused(f"工作表中的单元格引用「{shown(match.group(0))}」超出 Excel 的列范围"
                                    "（最多到 XFD 列），不予处理。")
            column = column_index_from_string(letters.upper()) if letters else column + 1
            last_column = max(last_column, column)
            last_row = max(last_row, int(digits) if digits else row)

    _parse_xml(xml, start)
    return last_row, last_column


def read_workbook(data: bytes, file_name: str = "") -> list[Sheet]:
    """Every sheet of a checked .xlsx workbook, in order, with merged cells filled from their
    top-left cell (a merged header reads as the same header in every column it spans).
    imports/files.py picks this, the .xls reader or the CSV reader by the file's content."""
    archive = check_container(data, file_name)
    parts = _sheet_parts(archive)
    # The XML scans run beside python-calamine, which parses a sheet without holding the GIL
    # (and so does zlib): a large sheet's scan then costs next to nothing.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scans = pool.submit(lambda: {name: _scan(archive, path) for name, path in parts.items()})
        return read_sheets(
            data, marks=lambda name: scans.result().get(name, _Marks()),
            refusal=lambda _exc: ImportRefused("文件已损坏或格式无法识别，无法读取工作表内容。请用 Excel 或 "
                                               "WPS 重新保存为 .xlsx 后上传。"),
            errors=(zipfile.BadZipFile, zlib.error))


def read_sheets(data: bytes, *, refusal, marks=lambda _name: _Marks(), errors=()) -> list[Sheet]:
    """The sheets of a checked workbook (.xlsx or .xls) as python-calamine reads them; `marks`
    gives what the container showed of a sheet (hidden rows …), `refusal(exc)` the refusal of
    a workbook calamine cannot read (its Rust panics arrive as pyo3's PanicException, a
    BaseException)."""
    max_rows = _limit("IMPORT_MAX_ROWS")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        check_sheet_count(len(workbook.sheets_metadata))
        sheets = []
        for meta in workbook.sheets_metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.total_height > max_rows + 1:
                raise ImportRefused(f"工作表「{meta.name}」有 {sheet.total_height:,} 行，超过单个文件"
                                    f"上限 {max_rows:,} 行。请拆分后分别上传。")
            rows = list(sheet.iter_rows())  # each row a new list (merged cells are filled in)
            fill_merged(rows, sheet.merged_cell_ranges or [], sheet.start)
            found = marks(meta.name)
            sheets.append(Sheet(name=meta.name, rows=rows,
                                hidden=meta.visible != SheetVisibleEnum.Visible,
                                hidden_rows=found.hidden_rows,
                                formulas_without_value=found.formulas_without_value,
                                error_values=found.error_values))
    except ImportRefused:
        raise
    except BaseException as exc:
        if not isinstance(exc, (CalamineError, ValueError, OSError, *errors)) and \
                type(exc).__name__ != "PanicException":
            raise
        raise refusal(exc) from exc
    if not sheets:
        raise ImportRefused("工作簿中没有工作表。")
    return sheets


def check_size(data: bytes) -> None:
    limit = _limit("IMPORT_MAX_BYTES")
    if len(data) > limit:
        raise ImportRefused(f"文件大小 {len(data) / 2**20:.1f} MB，超过上限 {limit / 2**20:.0f} MB。"
                            "请按月份或地区拆分后分别上传。")
    if not data:
        raise ImportRefused("文件是空的。")


def check_sheet_count(count: int) -> None:
    limit = _limit("IMPORT_MAX_SHEETS")
    if count > limit:
        raise ImportRefused(f"工作簿有 {count} 张工作表，超过上限 {limit} 张。请删去无关的工作表后再上传。")


def fill_merged(rows: list[list], ranges, start) -> None:
    """Fill merged areas from their top-left cell. The areas (within the sheet's cells) may
    add up to at most IMPORT_MAX_CELLS: a file can list a million merges of the whole sheet,
    which would keep this loop busy for hours."""
    top, left = start or (0, 0)
    budget = _limit("IMPORT_MAX_CELLS")
    for (r0, c0), (r1, c1) in ranges:
        r0, r1, c0, c1 = r0 - top, r1 - top, c0 - left, c1 - left
        if r0 < 0 or c0 < 0 or r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        r1, c1 = min(r1, len(rows) - 1), min(c1, len(rows[r0]) - 1)
        budget -= (r1 - r0 + 1) * (c1 - c0 + 1)
        if budget < 0:
            raise ImportRefused("工作表中合并单元格的范围合计过大（合并区域反复覆盖整张表），不予处理。"
                                "请取消不必要的合并后再上传。")
        value = rows[r0][c0]
        for r in range(r0, r1 + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if row[c] in ("", None):
                    row[c] = value


def visible_sheets(sheets: list[Sheet]) -> Iterator[Sheet]:
    return (s for s in sheets if not s.hidden)


# --- cells -----------------------------------------------------------------------------------
def text(value) -> str:
    """A cell as normalised text: full-width forms folded (１２３ → 123, （ → (), spaces
    collapsed, surrounding space removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


# The measures a heading's note may give. Only these are stripped: in 县（市、区） the note is
# part of the name.
UNIT_WORDS = frozenset(("人", "人次", "万人", "万人次", "千人", "千人次", "名", "个", "场", "家",
                        "元", "万元", "%", "项", "次", "户", "所", "期", "班", "人/次"))
_NOTE = re.compile(r"\(([^()]*+)\)$")


def header_key(value) -> str:
    """A header for matching: normalised (（ → (, ： → :), without spaces or line breaks, a
    trailing colon or asterisk, or a trailing unit note such as (人次) or （万人）."""
    key = text(value).replace(" ", "").rstrip(":*")
    match = _NOTE.search(key)
    if match and match.group(1) in UNIT_WORDS:
        key = key[: match.start()]
    return key.rstrip(":*")


def unit_note(value) -> str:
    """The unit note of a header: '培训数(万人次)' → '万人次'; '县（市、区）' → '' (not a unit)."""
    match = _NOTE.search(text(value).replace(" ", "").rstrip(":*"))
    return match.group(1) if match and match.group(1) in UNIT_WORDS else ""


def note_scale(note: str) -> Decimal:
    """What a unit note multiplies a typed number by: 万人 → 10,000, 千人 → 1,000."""
    return Decimal(10_000) if note.startswith("万") else Decimal(1_000) if note.startswith("千") \
        else Decimal(1)


TEN_THOUSAND = Decimal(10_000)
MAX_DIGITS = 15  # digits before the point, less one (Decimal.adjusted)


def shown(raw: str, limit: int = 40) -> str:
    """A cell's text as a message quotes it: long text cut (a cell may hold a megabyte)."""
    return raw if len(raw) <= limit else raw[:limit] + "…"


def parse_number(value, *, scale: Decimal = Decimal(1)) -> Decimal:
    """A number as officials type it: 1,234 / １２３ / 1.2万 / 1 234; `scale` multiplies
    (10,000 under a 万 header). Blank is zero. Raises CellError."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise CellError("应为数字，不能是“是/否”")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):  # NaN, or 1e999 read as inf
            raise CellError("不是有效的数字")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        raise CellError(f"应为数字，这里是日期或时间（{value}）")
    else:
        raw = text(value)
        cleaned = re.sub(r"[,，\s']", "", raw)
        if cleaned in ("", "-", "—", "/", "无"):
            return Decimal(0)
        if cleaned.endswith("万"):
            cleaned, scale = cleaned[:-1], scale * TEN_THOUSAND
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(f"「{raw}」不是数字") from None
        if not number.is_finite():
            raise CellError(f"「{raw}」不是数字")
    # Beyond any figure (and before any arithmetic: "1e999999999" would overflow, and a
    # 5,000-digit integer cannot be printed).
    if number.adjusted() > MAX_DIGITS:
        raise CellError(f"数值过大（{shown(text(value))}），超过 {MAX_DIGITS + 1} 位")
    return number * scale


def parse_count(value, *, scale: Decimal = Decimal(1), maximum: int = 10_000_000) -> int:
    """A whole, non-negative count (人次, 人, 场 …). Raises CellError."""
    if scale == 1 and type(value) in (int, float) and 0 <= value <= maximum and value == int(value):
        return int(value)  # the usual cell: a plain number
    number = parse_number(value, scale=scale)
    if number < 0:
        raise CellError(f"不能为负数（{text(value)}）")
    if number != number.to_integral_value():
        scaled = scale != 1 or text(value).endswith("万")
        raise CellError(f"应为整数，不能有小数（{text(value)}"
                        + (f"，折合 {number.normalize():f}" if scaled else "") + "）")
    if number > maximum:
        raise CellError(f"数值过大（{int(number):,}），单元格上限为 {maximum:,}")
    return int(number)


MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月份?)?(?:[-/.]\s*\d{1,2}\s*日?)?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def parse_month(value) -> dt.date:
    """The first day of the month a cell names: a date cell, 2024-05, 2024/5, 2024.05,
    2024年5月, 202405. Raises CellError."""
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    raw = text(value)
    for pattern in MONTH_PATTERNS:
        match = pattern.match(raw)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12 and 1900 < year < 2200:
                return dt.date(year, month, 1)
    raise CellError(f"「{raw}」不是月份，请写成 2024-05 或 2024年5月" if raw else "月份为空")


TRUE_WORDS = {"是", "y", "yes", "true", "1", "补贴", "补贴性"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "非补贴", "非补贴性", "", "-"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"「{text(value)}」应填“是”或“否”")
