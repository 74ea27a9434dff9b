"""Legacy Excel workbooks (.xls, BIFF8 in a compound file) checked before they are parsed.

python-calamine reads .xls as it reads .xlsx, but it trusts the compound-file container: a
sector chain that loops, a stream said to be gigabytes long, a shared-string table that
declares two billion entries are all things it would try to follow or allocate. So the
container is walked here first, with every number bounded by the file's own size: the
header, the FAT and DIFAT, each directory entry's chain (no loop, no sector beyond the file,
no stream longer than its chain), then the Workbook stream's records: an encrypted workbook
(FILEPASS) is refused with its own message, and the sheets' count and declared size
(DIMENSIONS) are held to the same limits as an .xlsx's.

Every refusal is an `ImportRefused` with a message in Chinese.
"""

from __future__ import annotations

import struct

from django.conf import settings

from .reader import ImportRefused, Sheet, check_sheet_count, check_size, read_sheets

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END_OF_CHAIN, FREE, FAT_SECTOR, DIFAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC
NO_STREAM = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
MAX_DIRECTORY_ENTRIES = 10_000  # a workbook has a handful; the zip check allows as many parts

# BIFF8 record types read here.
BOF, EOF, FILEPASS, BOUNDSHEET, SST, DIMENSIONS = 0x0809, 0x000A, 0x002F, 0x0085, 0x00FC, 0x0200

CORRUPT = "文件已损坏：旧版 Excel（.xls）文件的内部结构有误（{}）。请用 Excel 或 WPS 打开后重新保存再上传。"
ENCRYPTED = ("工作簿设置了打开密码（已加密），系统无法读取。请在 Excel 或 WPS 中取消密码"
             "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存再上传。")


def _corrupt(why: str) -> ImportRefused:
    return ImportRefused(CORRUPT.format(why))


class CompoundFile:
    """The streams of a compound file (MS-CFB), each chain checked as it is followed."""

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise _corrupt("文件头不完整")
        self.data = data
        (major, byte_order, sector_shift, mini_shift) = struct.unpack_from("<HHHH", data, 0x1A)
        if byte_order != 0xFFFE:
            raise _corrupt("字节序标记错误")
        if (major, sector_shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise _corrupt("扇区大小不合规范")
        self.sector_size = 1 << sector_shift
        (fat_count, self.directory_start, _transaction, self.mini_cutoff, minifat_start,
         minifat_count, difat_start, difat_count) = struct.unpack_from("<IIIIIIII", data, 0x2C)
        if self.mini_cutoff != 4096:
            raise _corrupt("小数据流界限不合规范")
        # Sector n starts at (n + 1) × sector size: the header takes the first sector's room.
        # Whole sectors only: a file cut short mid-sector has lost that sector.
        self.sectors = max(0, (len(data) - self.sector_size) // self.sector_size)
        if fat_count > self.sectors or difat_count > self.sectors or minifat_count > self.sectors:
            raise _corrupt("声明的分配表扇区数超过文件本身")

        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s != FREE]
        seen: set[int] = set()
        sector = difat_start
        per_sector = self.sector_size // 4
        while sector not in (END_OF_CHAIN, FREE) and len(seen) <= difat_count:
            self._check_sector(sector, seen, "DIFAT")
            entries = struct.unpack_from(f"<{per_sector}I", data, self._offset(sector))
            fat_sectors += [s for s in entries[:-1] if s != FREE]
            sector = entries[-1]
        if len(fat_sectors) < fat_count:
            raise _corrupt("分配表（FAT）不完整")
        fat: list[int] = []
        for sector in fat_sectors[:fat_count]:
            if sector >= self.sectors:
                raise _corrupt("分配表扇区超出文件末尾")
            fat.extend(struct.unpack_from(f"<{per_sector}I", data, self._offset(sector)))
        self.fat = fat
        self.minifat = b"".join(self._chain(minifat_start, "小分配表")) if minifat_count else b""
        self.entries = self._directory()
        root = self.entries[0]
        self.mini_stream = (b"".join(self._chain(root[2], "小数据流容器"))[: root[3]]
                            if root[3] else b"")

    def _offset(self, sector: int) -> int:
        return (sector + 1) * self.sector_size

    def _check_sector(self, sector: int, seen: set[int], what: str) -> None:
        if sector >= self.sectors:
            raise _corrupt(f"{what}链指向文件末尾之外的扇区")
        if sector in seen:
            raise _corrupt(f"{what}链出现循环")
        seen.add(sector)

    def _chain(self, start: int, what: str, table=None, size: int | None = None) -> list[bytes]:
        """The sectors of a chain, in order. No sector is visited twice, none lies beyond the
        file, and a chain never runs longer than its stream needs."""
        table = self.fat if table is None else table
        sector_size, limit = (self.sector_size, self.sectors) if table is self.fat else (64, None)
        blocks: list[bytes] = []
        seen: set[int] = set()
        sector = start
        while sector != END_OF_CHAIN:
            if sector in seen:
                raise _corrupt(f"{what}的扇区链出现循环")
            if sector >= len(table) or (limit is not None and sector >= limit):
                raise _corrupt(f"{what}的扇区链指向文件末尾之外")
            seen.add(sector)
            if table is self.fat:
                offset = self._offset(sector)
                blocks.append(self.data[offset: offset + sector_size])
            else:
                offset = sector * 64
                if offset + 64 > len(self.mini_stream):
                    raise _corrupt(f"{what}超出小数据流容器")
                blocks.append(self.mini_stream[offset: offset + 64])
            if size is not None and len(blocks) * sector_size > size + sector_size:
                raise _corrupt(f"{what}的扇区链比声明的长度长")
            sector = table[sector]
            if sector in (FREE, FAT_SECTOR, DIFAT_SECTOR):
                raise _corrupt(f"{what}的扇区链中断")
        return blocks

    def _directory(self) -> list[tuple[str, int, int, int]]:
        """(name, type, start sector, size) of every entry, sizes checked against the file."""
        raw = b"".join(self._chain(self.directory_start, "目录"))
        if len(raw) // 128 > MAX_DIRECTORY_ENTRIES:
            raise _corrupt("目录项过多")
        entries = []
        for offset in range(0, len(raw) - 127, 128):
            name_bytes, = struct.unpack_from("<H", raw, offset + 64)
            kind = raw[offset + 66]
            start, = struct.unpack_from("<I", raw, offset + 116)
            size, = struct.unpack_from("<Q", raw, offset + 120)
            if self.sector_size == 512:
                size &= 0xFFFFFFFF  # version 3 files keep only the low half
            name = raw[offset: offset + min(name_bytes, 64)].decode("utf-16-le", "replace")
            entries.append((name.rstrip("\x00"), kind, start, size))
        if not entries or entries[0][1] != ROOT:
            raise _corrupt("缺少根目录项")
        for name, kind, _start, size in entries:
            if kind in (STREAM, ROOT) and size > len(self.data):
                raise ImportRefused(f"文件已损坏：数据流「{name}」声明的大小（{size:,} 字节）超过文件本身"
                                    f"（{len(self.data):,} 字节），不予处理。")
        return entries

    def names(self) -> set[str]:
        return {name for name, kind, _start, _size in self.entries if kind == STREAM}

    def stream(self, wanted: str) -> bytes:
        for name, kind, start, size in self.entries:
            if kind == STREAM and name == wanted:
                if size == 0:
                    return b""
                if size < self.mini_cutoff:
                    minifat = list(struct.unpack(f"<{len(self.minifat) // 4}I", self.minifat))
                    blocks = self._chain(start, f"数据流「{name}」", table=minifat, size=size)
                    sector_size = 64
                else:
                    blocks = self._chain(start, f"数据流「{name}」", size=size)
                    sector_size = self.sector_size
                if len(blocks) * sector_size < size:
                    raise _corrupt(f"数据流「{name}」比声明的长度短")
                return b"".join(blocks)[:size]
        raise KeyError(wanted)


def _records(stream: bytes, start: int = 0):
    """(type, offset of data, data length) of the BIFF records from `start`, bounded by the
    stream: a length that runs past the end stops the walk."""
    offset = start
    end = len(stream)
    while offset + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, offset)
        if offset + 4 + length > end:
            raise _corrupt("记录长度超出工作簿数据流")
        yield kind, offset + 4, length
        offset += 4 + length


def check_xls(data: bytes) -> None:
    """Refuse an .xls that is corrupt, encrypted or beyond the limits, before parsing it."""
    cfb = CompoundFile(data)
    names = cfb.names()
    if {"EncryptionInfo", "EncryptedPackage"} & names:
        raise ImportRefused(ENCRYPTED)
    workbook = "Workbook" if "Workbook" in names else "Book" if "Book" in names else None
    if workbook is None:
        raise ImportRefused("文件不是 Excel 工作簿：它是 Office 复合文档，但其中没有工作簿数据"
                            "（可能是 Word 或 PowerPoint 文件）。请上传 Excel 或 WPS 表格文件。")
    stream = cfb.stream(workbook)
    sheets: list[tuple[str, int]] = []
    for kind, offset, length in _records(stream):
        if kind == FILEPASS:
            raise ImportRefused(ENCRYPTED)
        if kind == BOUNDSHEET and length >= 8:
            position, = struct.unpack_from("<I", stream, offset)
            sheet_type = stream[offset + 5]
            if sheet_type == 0:  # a worksheet (not a chart or macro sheet)
                sheets.append((_sheet_name(stream, offset, length), position))
        elif kind == SST and length >= 8:
            _total, unique = struct.unpack_from("<II", stream, offset)
            # Each string takes at least three bytes: more than the stream holds is a lie.
            if unique > len(stream) // 3:
                raise _corrupt("共享字符串表声明的条目数超过文件本身")
        elif kind == EOF:
            break
    check_sheet_count(len(sheets))
    cells = 0
    max_rows = int(settings.IMPORT_MAX_ROWS)
    for name, position in sheets:
        if position >= len(stream):
            raise _corrupt(f"工作表「{name}」的位置超出工作簿数据流")
        for kind, offset, length in _records(stream, position):
            if kind == DIMENSIONS and length >= 12:
                first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, offset)
                rows, columns = max(last_row - first_row, 0), max(last_col - first_col, 0)
                if rows > max_rows + 1:
                    raise ImportRefused(f"工作表「{name}」有 {rows:,} 行，超过单个文件上限 {max_rows:,} 行。"
                                        "请拆分后分别上传。")
                cells += rows * columns
                break
            if kind == EOF:
                break
    if cells > int(settings.IMPORT_MAX_CELLS):
        raise ImportRefused(f"工作簿声明的单元格区域合计 {cells:,} 个，超过上限 "
                            f"{int(settings.IMPORT_MAX_CELLS):,} 个。请删去空白区域或拆分后再上传。")


def _sheet_name(stream: bytes, offset: int, length: int) -> str:
    """A BOUNDSHEET record's sheet name (BIFF8: a short unicode string after 6 bytes)."""
    if length < 8:
        return ""
    count, flags = stream[offset + 6], stream[offset + 7]
    raw = stream[offset + 8: offset + length]
    return (raw[: count * 2].decode("utf-16-le", "replace") if flags & 1
            else raw[:count].decode("latin-1"))


def read_xls(data: bytes) -> list[Sheet]:
    """A legacy .xls, its container and records checked first (`check_xls`), then read by
    python-calamine as an .xlsx is: dates as dates, formulas as their saved results, merged
    cells filled from their top-left cell, hidden sheets marked."""
    check_size(data)
    check_xls(data)
    return read_sheets(data, refusal=_unreadable)


def _unreadable(exc: BaseException) -> ImportRefused:
    message = str(exc).lower()
    if "password" in message or "encrypt" in message:
        return ImportRefused(ENCRYPTED)
    return ImportRefused("文件已损坏或格式无法识别，无法读取旧版 Excel（.xls）的工作表内容。"
                         "请用 Excel 或 WPS 重新保存后上传。")
