"""Issue #5: monthly figures from Excel — preview, confirm, all or nothing, idempotent, scoped,
and every hostile or awkward file refused or handled with a message that says where and why."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import signal
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from certification.models import CertificateFigure
from imports import services
from imports.choices import ImportStatus
from imports.models import ImportBatch
from org.models import Membership
from tests import xlsx_corpus as corpus
from tests.conftest import unit
from tests.factories import UserFactory
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)


@pytest.fixture
def clerk(longling):
    user = UserFactory(username="longling_import")
    Membership.objects.create(user=user, org_unit=longling, role="data_entry")
    return user


def upload(user, data: bytes, *, kind="training", basis="month", name="report.xlsx") -> ImportBatch:
    return services.upload(user=user, kind=kind, basis=basis, file_name=name, data=data)


def messages(batch: ImportBatch) -> list[str]:
    return [f"{e['row']}|{e['column']}|{e['message']}" for e in batch.errors]


ROWS = [
    ["龙陵县", "2024-05", "脱贫人口", "就业技能培训", "康养云师傅", "是", 40, 30, 35, 30],
    ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 60, 0, 50, 0],
]


def test_preview_then_confirm_then_the_same_file_changes_nothing(clerk, longling):
    data = corpus.training(*ROWS)
    batch = upload(clerk, data)
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
    assert (batch.rows, batch.created, batch.updated, batch.unchanged) == (2, 2, 0, 0)
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()  # preview writes nothing

    batch = services.confirm(batch, user=clerk)
    assert batch.status == ImportStatus.APPLIED and batch.content is None
    kang = TrainingFigure.objects.get(org_unit=longling, period=MAY, target_group="脱贫人口")
    assert (kang.trained, kang.persons, kang.completed, kang.certified) == (40, 30, 35, 30)
    assert kang.programme.name == "康养云师傅" and kang.subsidised and kang.entered_by == clerk
    assert TrainingFigure.objects.filter(org_unit=longling).count() == 2

    again = upload(clerk, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert "无需导入" in again.message
    with pytest.raises(ValidationError):  # nothing to confirm
        services.confirm(again, user=clerk)
    assert ImportBatch.objects.get(pk=again.pk).status != ImportStatus.APPLIED


def test_a_changed_value_is_an_update_and_a_zero_row_clears_the_figure(clerk, longling):
    services.confirm(upload(clerk, corpus.training(*ROWS)), user=clerk)
    changed = [list(ROWS[0]), ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 0, 0, 0, 0]]
    changed[0][6] = 45
    batch = upload(clerk, corpus.training(*changed))
    assert (batch.created, batch.updated, batch.unchanged) == (0, 2, 0), batch.errors
    services.confirm(batch, user=clerk)
    assert TrainingFigure.objects.get(org_unit=longling, target_group="脱贫人口").trained == 45
    assert not TrainingFigure.objects.filter(org_unit=longling, target_group="企业职工").exists()


def test_year_to_date_values_are_stored_as_monthly_increments(clerk, longling):
    rows = [["龙陵县", f"2024-0{m}", "企业职工", "岗位技能提升培训", "", "否", ytd, 0, 0, 0]
            for m, ytd in ((1, 100), (2, 150), (3, 150))]
    services.confirm(upload(clerk, corpus.training(*rows), basis="ytd"), user=clerk)
    stored = dict(TrainingFigure.objects.filter(org_unit=longling).values_list("period", "trained"))
    assert stored == {dt.date(2024, 1, 1): 100, dt.date(2024, 2, 1): 50}  # March adds nothing

    # April's 累计 alone: the stored January–March months are subtracted.
    april = [["龙陵县", "2024-04", "企业职工", "岗位技能提升培训", "", "否", 190, 0, 0, 0]]
    services.confirm(upload(clerk, corpus.training(*april), basis="ytd"), user=clerk)
    assert TrainingFigure.objects.get(org_unit=longling, period=dt.date(2024, 4, 1)).trained == 40


def test_a_year_to_date_value_that_goes_down_is_an_error(clerk, longling):
    rows = [["龙陵县", "2024-01", "企业职工", "岗位技能提升培训", "", "否", 100, 0, 0, 0, "累计"],
            ["龙陵县", "2024-02", "企业职工", "岗位技能提升培训", "", "否", 90, 0, 0, 0, "累计"]]
    batch = upload(clerk, corpus.training(*rows, header=[*corpus.TRAINING_HEADER, "口径"]))
    assert batch.error_count == 1
    assert "3|G（培训人次）|累计值 90 小于此前各月合计 100（累计数不能减少）" in messages(batch)


def test_rows_outside_the_users_scope_are_refused_and_nothing_is_saved(clerk, longling):
    rows = [ROWS[0], ["施甸县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 10, 0, 0, 0]]
    batch = upload(clerk, corpus.training(*rows))
    assert messages(batch) == ["3|A（单位）|您无权填报该单位的数据（超出您的管辖范围）"]
    with pytest.raises(ValidationError):
        services.confirm(batch, user=clerk)
    assert not TrainingFigure.objects.exists()


def test_unit_names_match_by_code_suffix_variant_or_parent_prefix(clerk):
    admin = UserFactory(username="wz_admin", is_superuser=True)
    rows = [[name, "2024-05", "企业职工", "岗位技能提升培训", "", "否", 10, 0, 0, 0]
            for name in ("鹿城", "温州市龙湾区", "330304", "温州市/洞头区")]
    batch = upload(admin, corpus.training(*rows))
    assert batch.error_count == 0, batch.errors
    assert batch.created == 4
    unknown = upload(admin, corpus.training(
        ["鹿城县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 10, 0, 0, 0],
        ["火星区", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 10, 0, 0, 0]))
    first, second = messages(unknown)
    assert first.startswith("2|A（单位）|未找到单位「鹿城县」。最接近的有：") and "鹿城区" in first
    assert second.startswith("3|A（单位）|未找到单位「火星区」")


def test_certificates_import_with_levels_checked(clerk, longling):
    header = ["单位", "月份", "证书类型", "等级", "职业(工种)", "取证人数"]
    rows = [["龙陵县", "2024年5月", "职业技能等级证书", "三级/高级工", "养老护理员", 8],
            ["龙陵县", "2024年5月", "专项职业能力证书", "三级/高级工", "", 2]]
    batch = upload(clerk, corpus.xlsx([header, *rows]), kind="certificates")
    assert messages(batch) == ["3|D（等级）|专项职业能力证书没有“三级/高级工”这一等级"]
    ok = upload(clerk, corpus.xlsx([header, rows[0]]), kind="certificates")
    services.confirm(ok, user=clerk)
    figure = CertificateFigure.objects.get(org_unit=longling)
    assert (figure.level, figure.occupation, figure.count) == ("三级/高级工", "养老护理员", 8)


# --- awkward cells --------------------------------------------------------------------------
def row_with(**cells) -> list:
    row = ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 10, 0, 0, 0]
    positions = {h: i for i, h in enumerate(corpus.TRAINING_HEADER)}
    for header, value in cells.items():
        row[positions[header]] = value
    return row


@pytest.mark.parametrize(("cell", "stored"), [
    ("１２３", 123),          # full-width digits
    ("1,234", 1234),         # thousands separator
    ("1.2万", 12000),         # 万 converts exactly
    (" 56 ", 56),
    (78.0, 78),               # a whole number stored as a float
])
def test_numbers_as_officials_type_them(clerk, longling, cell, stored):
    batch = upload(clerk, corpus.training(row_with(培训人次=cell)))
    assert batch.error_count == 0, batch.errors
    services.confirm(batch, user=clerk)
    assert TrainingFigure.objects.get(org_unit=longling).trained == stored


@pytest.mark.parametrize(("cell", "message"), [
    ("很多", "「很多」不是数字"),
    (-5, "不能为负数（-5）"),
    (12.5, "应为整数，不能有小数（12.5）"),
    ("1.23456万", "应为整数，不能有小数（1.23456万，折合 12345.6）"),
    # Numbers no figure reaches: neither overflows nor fails to print.
    ("9" * 5000, "数值过大（" + "9" * 40 + "…），超过 16 位"),
    ("1e999999999", "数值过大（1e999999999），超过 16 位"),
])
def test_bad_numbers_are_errors_at_their_cell(clerk, cell, message):
    batch = upload(clerk, corpus.training(row_with(培训人次=cell)))
    assert messages(batch) == [f"2|G（培训人次）|{message}"]


def test_duplicate_rows_within_a_file_are_an_error(clerk):
    batch = upload(clerk, corpus.training(ROWS[0], ROWS[1], ROWS[0]))
    assert messages(batch) == ["4||与第 2 行重复（同一单位、部门、月份和分类出现两次）"]


def test_a_month_outside_every_plan_and_a_future_month_are_errors(clerk):
    batch = upload(clerk, corpus.training(row_with(月份="2019-05"), row_with(月份="2099-01")))
    assert messages(batch) == [
        "2|B（月份）|2019-05 早于所有方案的起始月份（2021-01），不在任何方案期内",
        "3|B（月份）|2099-01 是未来的月份，不能填报",
    ]


def test_consistency_between_measures_is_checked_per_row(clerk):
    batch = upload(clerk, corpus.training(row_with(培训人次=10, 结业人次=12)))
    assert messages(batch) == ["2|I（结业人次）|结业人次（12）多于培训人次（10）：结业人次不能多于培训人次"]


def test_unknown_choice_lists_the_allowed_values(clerk):
    batch = upload(clerk, corpus.training(row_with(培训类型="烹饪培训")))
    (message,) = messages(batch)
    assert message.startswith("2|D（培训类型）|「烹饪培训」不是可选的培训类型（可选：就业技能培训、")


def test_title_rows_unit_notes_totals_and_notes_under_the_table(clerk, longling):
    header = [h if h != "培训人次" else "培训人次（人次）" for h in corpus.TRAINING_HEADER]
    data = corpus.xlsx(
        [header, ROWS[0], ROWS[1], ["合计", "", "", "", "", "", 100, 30, 85, 30], [],
         ["注：本表由县人社局填报。"], ["说明：培训人次含线上培训。"]],
        above=[["龙陵县2024年5月职业技能培训情况统计表"], ["填报单位：龙陵县人社局"]])
    batch = upload(clerk, data)
    assert batch.error_count == 0, batch.errors
    assert batch.created == 2 and batch.rows == 2


def test_extra_columns_are_ignored_with_a_note_and_missing_columns_are_named(clerk):
    extra = upload(clerk, corpus.training(
        [*ROWS[0], "备注内容"], header=[*corpus.TRAINING_HEADER, "备注"]))
    assert extra.error_count == 0 and extra.created == 1
    assert any("列“备注”不是本表的列，已忽略" in w["message"] for w in extra.warnings)
    header = [h for h in corpus.TRAINING_HEADER if h != "培训类型"]
    missing = upload(clerk, corpus.training([r for i, r in enumerate(ROWS[0]) if i != 3],
                                            header=header))
    assert messages(missing) == ["1||缺少必需的列“培训类型”"]


def test_a_two_row_header_with_merged_cells_is_read_as_one(clerk):
    # Group headings over sub-headings, the first columns merged down both rows, as officials do.
    top = ["单位", "月份", "培训对象", "培训类型", "项目品牌", "是否补贴性培训", "培训情况", "", "", ""]
    sub = ["", "", "", "", "", "", "培训人次", "其中：新入训人数", "结业人次", "培训后取证人次"]
    data = corpus.xlsx([top, sub, ROWS[0]],
                       merged=("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:F2", "G1:J1"))
    batch = upload(clerk, data)
    assert batch.error_count == 0, batch.errors
    assert batch.created == 1 and batch.rows == 1
    assert not any("培训情况" in w["message"] for w in batch.warnings)


def test_hidden_sheets_are_not_imported_and_are_mentioned(clerk):
    data = corpus.training(ROWS[0], extra_sheets={"旧数据": [corpus.TRAINING_HEADER, ROWS[1]]},
                           hidden=("旧数据",))
    batch = upload(clerk, data)
    assert batch.created == 1
    assert any(w["sheet"] == "旧数据" and "隐藏" in w["message"] for w in batch.warnings)


# --- hostile files: refused before anything is read, nothing saved ---------------------------
def refused(clerk, data: bytes, name="report.xlsx") -> str:
    batch = upload(clerk, data, name=name)
    assert batch.status == ImportStatus.REFUSED, batch.status
    assert batch.content is None and not TrainingFigure.objects.exists()
    return batch.message


def test_a_renamed_binary_is_refused(clerk):
    assert "内容与扩展名不符" in refused(clerk, b"\x7fELF\x02\x01\x01" + bytes(500))


def test_a_truncated_xls_is_refused_as_corrupt(clerk):
    message = refused(clerk, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    assert "文件已损坏" in message and "旧版 Excel（.xls）" in message


def test_a_corrupt_zip_is_refused(clerk):
    data = corpus.training(*ROWS)
    assert "文件已损坏" in refused(clerk, data[: len(data) // 2])


def test_a_zip_with_a_bad_checksum_is_refused(clerk):
    data = bytearray(corpus.training(*ROWS))
    # Flip a byte inside the sheet's compressed data: the structure is intact, the CRC is not.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10
    data[offset] ^= 0xFF
    assert "文件已损坏" in refused(clerk, bytes(data))


@pytest.mark.parametrize(("field", "value"), [(10, 9), (6, 171)],
                         ids=["deflate64 compression", "zip version 17.1"])
def test_a_zip_of_an_unsupported_method_or_version_is_refused(clerk, field, value):
    """Found by fuzzing: one changed byte in the zip directory (the compression method of the
    sheet, or the zip version it needs) made zipfile raise NotImplementedError, a 500."""
    data = bytearray(corpus.training(*ROWS))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        names = archive.namelist()
    # The sheet's entry in the central directory: its signature, then the fields by offset.
    start = data.index(b"PK\x01\x02")
    for _ in range(names.index("xl/worksheets/sheet1.xml")):
        start = data.index(b"PK\x01\x02", start + 4)
    data[start + field:start + field + 2] = value.to_bytes(2, "little")
    assert "压缩方式不受支持" in refused(clerk, bytes(data))


def test_a_zip_bomb_is_refused_before_it_is_expanded(clerk):
    bomb = corpus.rewrite(corpus.training(*ROWS), lambda name, content: (
        {"xl/media/padding.bin": bytes(60 * 2**20)} if name == "+" else content))
    assert len(bomb) < 2**20
    assert "压缩炸弹" in refused(clerk, bomb)


def test_a_sheet_that_claims_a_million_rows_is_refused(clerk):
    def claim(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:J1048576"', content)
        return None if name == "+" else content
    data = corpus.rewrite(corpus.training(*ROWS), claim)
    assert b"J1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert "1,048,576 行" in refused(clerk, data)


def _with_sheet_data(data: bytes, rows: bytes, *, root: bytes | None = None) -> bytes:
    """The workbook with `rows` added at the end of its sheet's data (and the dimension the
    writer declared left out, as some programs do); `root` replaces the sheet's root tag."""
    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            content = re.sub(rb"<dimension [^>]*/>", b"", content)
            content = content.replace(b"</sheetData>", rows + b"</sheetData>")
            if root is not None:
                content = re.sub(rb"<worksheet [^>]*>", root, content, count=1)
        return None if name == "+" else content
    return corpus.rewrite(corpus.training(*ROWS), change)


def test_one_cell_far_out_is_refused_before_the_sheet_is_read(clerk):
    # A 6 KB file whose one cell at XFD1048576 would make the reader build a grid of 17
    # billion cells and abort the process.
    data = _with_sheet_data(corpus.training(*ROWS),
                            b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert len(data) < 10_000
    message = refused(clerk, data)
    assert "数据区域过大" in message and "XFD1048576" in message


def test_the_cell_limit_holds_for_the_workbook_not_each_sheet(clerk, settings):
    # Three hidden sheets of 5,000 × 10 cells each: every one is within the limit, all
    # three are not (the reader builds every sheet's grid).
    settings.IMPORT_MAX_CELLS = 100_000
    base = corpus.training(*ROWS, extra_sheets={n: [[1]] for n in ("甲", "乙", "丙")},
                           hidden=("甲", "乙", "丙"))

    def far(name, content):
        if name in ("xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
                    "xl/worksheets/sheet4.xml"):
            return re.sub(rb"<dimension [^>]*/>", b"", content).replace(
                b"</sheetData>", b'<row r="5000"><c r="J5000"><v>1</v></c></row></sheetData>')
        return None if name == "+" else content
    assert "连同其他工作表" in refused(clerk, corpus.rewrite(base, far))


def test_a_far_cell_spelled_with_a_character_reference_is_found(clerk):
    # &#88; is X: an XML reader decodes it, so a plain text search would miss the cell.
    data = _with_sheet_data(corpus.training(*ROWS),
                            b'<row r="900000"><c r="&#88;FD900000"><v>1</v></c></row>')
    assert "数据区域过大" in refused(clerk, data)


def test_a_cell_reference_beyond_the_last_column_is_refused(clerk):
    data = _with_sheet_data(corpus.training(*ROWS),
                            b'<row r="3"><c r="&#65;BCDE3"><v>1</v></c></row>')
    assert "超出 Excel 的列范围" in refused(clerk, data)


def test_far_cells_placed_without_references_are_found(clerk):
    # Cells may leave out their place: they then follow the one before in the row.
    data = _with_sheet_data(corpus.training(*ROWS),
                            b'<row r="300000">' + b"<c><v>1</v></c>" * 30 + b"</row>")
    assert "第 300,000 行、第 30 列" in refused(clerk, data)


def test_far_cells_with_a_namespace_prefix_are_found(clerk):
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    data = _with_sheet_data(
        corpus.training(*ROWS), b'<x:row r="500000"><x:c r="ZZ500000"><x:v>1</x:v></x:c></x:row>',
        root=b'<worksheet xmlns="' + main + b'" xmlns:x="' + main + b'">')
    assert "数据区域过大" in refused(clerk, data)


def test_merges_that_cover_the_sheet_again_and_again_are_refused(clerk, settings):
    settings.IMPORT_MAX_CELLS = 1_000
    merges = b"".join(b'<mergeCell ref="A%d:J30"/>' % (n % 3 + 1) for n in range(200))

    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</sheetData>", b"</sheetData><mergeCells count=\"200\">"
                                   + merges + b"</mergeCells>")
        return None if name == "+" else content
    assert "合并单元格" in refused(clerk, corpus.rewrite(corpus.training(*ROWS), change))


def _with_shared_strings(strings: list[bytes], cells: bytes) -> bytes:
    """The workbook with a shared-string table (as Excel writes text) and a row of `cells`."""
    table = b"".join(b"<si><t>" + text + b"</t></si>" for text in strings)

    def change(name, content):
        if name == "+":
            return {"xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main">' + table + b"</sst>"}
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(b"</Relationships>", (
                b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
                b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
        if name == "[Content_Types].xml":
            return content.replace(b"</Types>", (
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</sheetData>", b'<row r="40">' + cells + b"</row></sheetData>")
        return content
    return corpus.rewrite(corpus.training(*ROWS), change)


def test_one_long_string_copied_into_many_cells_is_refused(clerk, settings):
    # The reader copies a shared string into every cell that uses it: 60 cells × 20 KB.
    settings.IMPORT_MAX_TEXT_BYTES = 1_000_000
    cells = b"".join(b'<c r="%s40" t="s"><v>0</v></c>' % get_column_letter(n).encode()
                     for n in range(1, 61))
    data = _with_shared_strings([b"x" * 20_000, b"short"], cells)
    assert "字符串炸弹" in refused(clerk, data)


def test_the_string_check_reads_cells_written_another_way(clerk, settings):
    settings.IMPORT_MAX_TEXT_BYTES = 1_000_000
    cells = b"".join(b'<c t="s" r="%s40">\n<v> 0 </v></c>' % get_column_letter(n).encode()
                     for n in range(1, 61))
    data = _with_shared_strings([b"x" * 20_000], cells)
    assert "字符串炸弹" in refused(clerk, data)


def test_short_shared_strings_in_many_cells_are_read(clerk):
    cells = b"".join(b'<c r="%s40" t="s"><v>%d</v></c>' % (get_column_letter(n).encode(), n % 2)
                     for n in range(1, 61))
    batch = upload(clerk, _with_shared_strings([b"a", b"b"], cells))
    assert batch.status != ImportStatus.REFUSED, batch.message


def test_a_sheet_with_a_dtd_is_refused(clerk):
    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet', 1)
        return None if name == "+" else content
    assert "DTD" in refused(clerk, corpus.rewrite(corpus.training(*ROWS), change))


@pytest.mark.parametrize("cells", [
    [(1, "A"), (1, "H"), (2, "A"), (3, "B")],  # the usual table
    [(1, "A"), (2, "AB"), (3, "C")],  # the widest row in the middle
    [(1, "A"), (7, "B"), (3, "C"), (4, "D")],  # rows out of order
    [(1, "Z"), (2, "AZ"), (3, "BA"), (9, "AAB")],  # two and three letters
    [(99_999, "A"), (100_000, "B"), (5, "ZZ")],
])
def test_the_quick_sheet_measure_agrees_with_parsing(cells):
    from imports.reader import _parsed_extent, sheet_extent

    rows = {}
    for row, column in cells:
        rows.setdefault(row, []).append(f'<c r="{column}{row}"><v>1</v></c>')
    xml = ("<worksheet><sheetData>" + "".join(
        f'<row r="{row}">{"".join(parts)}</row>' for row, parts in rows.items())
        + "</sheetData></worksheet>").encode()
    assert sheet_extent(xml) == _parsed_extent(xml)
    assert sheet_extent(xml)[0] == max(row for row, _ in cells)


def test_a_file_over_the_size_limit_is_refused(clerk, settings):
    settings.IMPORT_MAX_BYTES = 4000
    assert "超过上限" in refused(clerk, corpus.training(*ROWS * 30))


def test_a_zip_of_very_many_parts_is_refused(clerk, settings):
    settings.IMPORT_ASYNC_BYTES = 10 * 2**20  # checked in the request, not by a job
    data = corpus.rewrite(corpus.training(*ROWS), lambda name, content: (
        {f"xl/media/p{n}.bin": b"" for n in range(10_001)} if name == "+" else content))
    assert "10,010 个文件" in refused(clerk, data)


def test_a_workbook_with_macros_is_refused(clerk):
    macro = corpus.rewrite(corpus.training(*ROWS), lambda name, content: (
        {"xl/vbaProject.bin": b"VBA"} if name == "+" else content))
    assert "含宏" in refused(clerk, macro)
    assert "含宏" in refused(clerk, corpus.training(*ROWS), name="report.xlsm")


def test_an_empty_file_and_a_file_without_a_header_are_refused(clerk):
    assert "空的" in refused(clerk, b"")
    assert "找不到表头" in refused(clerk, corpus.xlsx([["随便写的内容"], [1, 2, 3]]))


# --- pages -----------------------------------------------------------------------------------
def test_upload_preview_confirm_through_the_pages(client, clerk, longling):
    client.force_login(clerk)
    page = client.get("/imports/")
    assert page.status_code == 200 and "上传并预览" in page.content.decode()
    response = client.post("/imports/", {
        "kind": "training", "basis": "month",
        "file": _upload_file(corpus.training(*ROWS))})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "2 条数据：新增 2 条" in detail and "确认导入" in detail
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/action/", {"action": "confirm"})
    assert TrainingFigure.objects.filter(org_unit=longling).count() == 2
    assert "已导入" in client.get(f"/imports/{batch.pk}/").content.decode()


def test_another_user_cannot_see_or_confirm_an_upload(client, clerk):
    batch = upload(clerk, corpus.training(*ROWS))
    other = UserFactory(username="shidian_clerk")
    Membership.objects.create(user=other, org_unit=unit("全国/云南省/保山市/施甸县"),
                              role="data_entry")
    client.force_login(other)
    assert client.get(f"/imports/{batch.pk}/").status_code == 404
    assert client.post(f"/imports/{batch.pk}/action/", {"action": "confirm"}).status_code == 404
    assert not TrainingFigure.objects.exists()


def test_a_hostile_upload_through_the_page_is_a_clear_refusal_not_a_500(client, clerk):
    client.force_login(clerk)
    response = client.post("/imports/", {"kind": "training", "basis": "month",
                                         "file": _upload_file(b"MZ\x90\x00" + bytes(100))},
                           follow=True)
    assert response.status_code == 200
    assert "内容与扩展名不符" in response.content.decode()


def test_the_template_has_headers_drop_downs_and_notes(client, clerk):
    client.force_login(clerk)
    response = client.get("/imports/template/training.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["填报", "下拉选项", "说明"]
    sheet = book["填报"]
    assert [c.value for c in sheet[1]][:4] == ["单位", "部门", "月份", "口径"]
    assert len(sheet.data_validations.dataValidation) >= 5
    assert "龙陵县" in [c.value for c in book["下拉选项"]["A"]]
    # The template itself, filled in, imports.
    sheet.append(["龙陵县", "", "2024-05", "本月", "企业职工", "岗位技能提升培训", "", "否", "", 10])
    buffer = io.BytesIO()
    book.save(buffer)
    batch = upload(clerk, buffer.getvalue())
    assert batch.error_count == 0 and batch.created == 1, batch.errors


def _upload_file(data: bytes, name="report.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_validation_rules_run_on_every_month_an_import_touches(clerk, longling):
    """The rules the entry grid checks run on the imported months too (set-based): here the
    cross-report warning that certificates after training exceed the month's certificates."""
    batch = services.confirm(upload(clerk, corpus.training(ROWS[0])), user=clerk)
    assert batch.status == ImportStatus.APPLIED
    assert any("龙陵县 2024-05：培训后取证人次 30 人次，多于新增技能人才（取证人数） 0 人。"
               "培训后取证人次超过了本月取证人数" in w["message"] for w in batch.warnings)


def _with_cell_xml(data: bytes, cell: str, xml: bytes) -> bytes:
    """The workbook with one cell of the first sheet replaced by raw XML."""
    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'<c r="' + cell.encode() + rb'"[^>]*>.*?</c>', xml, content, count=1)
        return None if name == "+" else content
    return corpus.rewrite(data, change)


def test_a_number_beyond_floating_point_is_an_error_at_its_cell(clerk):
    # Written as a number the reader takes for infinity.
    data = _with_cell_xml(corpus.training(ROWS[1]), "G2", b'<c r="G2"><v>1e999</v></c>')
    assert messages(upload(clerk, data)) == ["2|G（培训人次）|不是有效的数字"]


def test_a_message_quoting_a_long_cell_is_cut(clerk):
    batch = upload(clerk, corpus.training(row_with(培训对象="很长的分类" * 20_000)))
    (error,) = batch.errors
    assert error["message"].startswith("「很长的分类") and len(error["message"]) <= 501


def test_a_cell_holding_an_excel_error_is_an_error_not_an_empty_cell(clerk):
    # A formula whose result is #DIV/0!: the reader gives it as empty, which would read as 0.
    data = _with_cell_xml(corpus.training(ROWS[1]), "J2",
                          b'<c r="J2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    batch = upload(clerk, data)
    assert messages(batch) == ["None|J2|1 个单元格是 Excel 错误值（如 #DIV/0!、#REF!、#N/A），"
                               "请改正公式或填入数值后再上传"]
    assert not TrainingFigure.objects.exists()


def test_a_formula_with_its_cached_value_is_imported_as_that_value(clerk, longling):
    # 培训人次 written by Excel as a formula with the result it last computed.
    data = _with_cell_xml(corpus.training(ROWS[1]), "G2",
                          b'<c r="G2"><f>SUM(50,10)</f><v>60</v></c>')
    batch = services.confirm(upload(clerk, data), user=clerk)
    assert batch.status == ImportStatus.APPLIED, batch.errors
    assert TrainingFigure.objects.get(org_unit=longling).trained == 60


def test_a_formula_without_a_cached_value_is_refused_with_its_cell(clerk):
    # As a program writes it: the formula, but no result saved.
    data = _with_cell_xml(corpus.training(ROWS[1]), "G2", b'<c r="G2"><f>SUM(50,10)</f></c>')
    batch = upload(clerk, data)
    (error,) = batch.errors
    assert error["column"] == "G2" and "含公式但没有保存计算结果" in error["message"]
    assert not TrainingFigure.objects.exists()


def test_hidden_rows_are_imported_and_pointed_out_in_the_preview(clerk):
    batch = upload(clerk, corpus.training(ROWS[0], ROWS[1], hidden_rows=(3,)))
    assert batch.created == 2
    assert any("隐藏行（第 3 行）" in w["message"] for w in batch.warnings)


@pytest.mark.parametrize("offset", [-6, -3, 0])
def test_the_sheet_scan_finds_a_mark_that_straddles_two_chunks(offset):
    """The scan reads a sheet a megabyte at a time: a hidden row whose attribute is cut by a
    chunk boundary is still found."""
    from imports.reader import _scan

    head = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
    mark = b'<row r="2" hidden="1"></row>'
    padding = b" " * (2**20 - len(head) + offset - mark.index(b"hidden="))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sheet.xml", head + padding + mark + b"</sheetData></worksheet>")
    with zipfile.ZipFile(buffer) as archive:
        assert _scan(archive, "sheet.xml").hidden_rows == (2,)


@contextlib.contextmanager
def _hang_guard(seconds: int):
    """Fail instead of hanging: the searches below take milliseconds, and the patterns they
    replaced took minutes to hours on the same input."""
    def stop(_signum, _frame):
        raise AssertionError(f"still searching after {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("junk", [
    b'<c r="A1" ' * 20_000,  # a cell tag that never ends: the formula search
    b"<row " * 60_000 + b' hidden="1"',  # row tags that never end: the hidden-row search
    b"<row" + b' r="1"' * 60_000,  # one row tag with the same attribute again and again
])
def test_the_sheet_scans_stay_linear_on_hostile_xml(junk):
    from imports.reader import _scan

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sheet.xml", b"<worksheet><sheetData><f>" + junk)
    with zipfile.ZipFile(buffer) as archive, _hang_guard(30):
        _scan(archive, "sheet.xml")


def test_header_matching_stays_linear_on_a_long_cell():
    from imports.reader import header_key, unit_note

    with _hang_guard(30):
        assert header_key("(" * 50_000 + "a") and unit_note("(" * 50_000) == ""


def test_a_partner_departments_monthly_report_through_preview_and_confirm(client):
    """Issue #5, done when: 温州市应急管理局 uploads its sector's training figures — its own
    and the county 应急管理局s' — through the pages; rows for a unit itself or for another
    sector are refused on the server, row by row."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from org.models import Department

    wenzhou, lucheng = unit("全国/浙江省/温州市"), unit("全国/浙江省/温州市/鹿城区")
    Department.objects.create(org_unit=lucheng, name="区应急管理局", sector="emergency")
    Department.objects.create(org_unit=lucheng, name="区教育局", sector="education")
    city_department = Department.objects.get(org_unit=wenzhou, name="市应急管理局")
    statistician = UserFactory(username="wz_emergency_import")
    Membership.objects.create(user=statistician, org_unit=wenzhou, department=city_department,
                              role="data_entry")
    header = ["单位", "部门", "月份", "培训对象", "培训类型", "培训人次"]
    good = [["温州市", "市应急管理局", "2024-05", "企业职工", "岗位技能提升培训", 300],
            ["鹿城区", "应急管理局", "2024-05", "企业职工", "岗位技能提升培训", 120]]
    client.force_login(statistician)
    upload_file = SimpleUploadedFile("应急.xlsx", corpus.xlsx([header, *good]))
    response = client.post("/imports/", {"kind": "training", "basis": "month",
                                         "file": upload_file})
    batch = ImportBatch.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert (batch.error_count, batch.created) == (0, 2), batch.errors
    client.post(f"/imports/{batch.pk}/action/", {"action": "confirm"})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert TrainingFigure.objects.filter(department__sector="emergency").count() == 2

    bad = [["鹿城区", "", "2024-05", "企业职工", "岗位技能提升培训", 10],
           ["鹿城区", "区教育局", "2024-05", "企业职工", "岗位技能提升培训", 10]]
    refused = upload(statistician, corpus.xlsx([header, *good, *bad]))
    assert messages(refused) == ["4|A（单位）|您无权填报该单位的数据（超出您的管辖范围）",
                                 "5|B（部门）|您无权填报该部门的数据"]
    assert (refused.unchanged, refused.created) == (0, 0)  # nothing is compared when rows fail


# --- manual data values ---------------------------------------------------------------------
DV_HEADER = ["单位", "月份", "指标", "数值"]


def test_manual_data_values_import_by_indicator_code_or_name(clerk, longling):
    from targets.models import DataValue

    rows = [["龙陵县", "2024-05", "技能人才总量", 52000], ["龙陵县", "2024-05", "employed_persons", "18.5万"],
            ["龙陵县", "2024-06", "技能人才总量", 0]]
    batch = upload(clerk, corpus.xlsx([DV_HEADER, *rows]), kind="datavalues")
    assert (batch.error_count, batch.created) == (0, 3), batch.errors
    services.confirm(batch, user=clerk)
    values = {(v.indicator.code, v.period.month): v.value
              for v in DataValue.objects.filter(org_unit=longling).select_related("indicator")}
    # A stock's 0 is a reported level, kept as a value.
    assert values == {("skill_talent_total", 5): 52000, ("employed_persons", 5): 185000,
                      ("skill_talent_total", 6): 0}
    again = upload(clerk, corpus.xlsx([DV_HEADER, *rows]), kind="datavalues")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_data_values_refuse_computed_indicators_and_year_to_date(clerk):
    batch = upload(clerk, corpus.xlsx([DV_HEADER, ["龙陵县", "2024-05", "职业技能培训人次", 5]]),
                   kind="datavalues")
    (message,) = messages(batch)
    assert message.startswith("2|C（指标）|「职业技能培训人次」不是手工填报的指标")
    ytd = upload(clerk, corpus.xlsx([DV_HEADER, ["龙陵县", "2024-05", "技能人才总量", 5]]),
                 kind="datavalues", basis="ytd")
    assert "不接受累计数" in ytd.errors[0]["message"]


def test_an_identical_re_upload_says_when_the_same_file_was_uploaded_before(client, clerk):
    """Issue #24: the same file again is recognised by its hash; its preview page says who
    uploaded it before, when, and whether it was applied."""
    data = corpus.training(*ROWS)
    first = upload(clerk, data, name="五月.xlsx")
    services.confirm(first, user=clerk)
    client.force_login(clerk)
    assert "之前上传过" not in client.get(f"/imports/{first.pk}/").content.decode()
    again = upload(clerk, data, name="五月（再传）.xlsx")
    assert again.sha256 == first.sha256
    assert list(again.earlier_uploads(clerk)) == [ImportBatch.objects.get(pk=first.pk)]
    page = client.get(f"/imports/{again.pk}/").content.decode()
    assert "这个文件之前上传过" in page
    assert "longling_import" in page and "已导入" in page
    assert f"{timezone.localtime(ImportBatch.objects.get(pk=first.pk).created_at):%Y-%m-%d %H:%M}" in page
    other = upload(clerk, corpus.training(ROWS[0]))
    assert not other.earlier_uploads(clerk).exists()
