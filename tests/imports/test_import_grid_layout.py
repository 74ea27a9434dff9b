"""Issue #5: monthly figures in the grid layout — the entry page's tables as a spreadsheet,
downloaded from the grid page, filled in offline and uploaded through the same preview and
confirm as the long layout, with every error pointing at the grid cell."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from certification.models import CertificateFigure
from imports import services
from imports.choices import ImportStatus
from org.models import Membership
from tests import xlsx_corpus as corpus
from tests.factories import UserFactory
from training.models import Programme, TrainingFigure

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)
TYPES = ["就业技能培训", "岗位技能提升培训", "创业培训", "企业新型学徒制", "项目制培训"]


@pytest.fixture
def clerk(longling):
    user = UserFactory(username="longling_grid")
    Membership.objects.create(user=user, org_unit=longling, role="data_entry")
    return user


def upload(user, data: bytes, *, kind="training"):
    return services.upload(user=user, kind=kind, basis="month", file_name="grid.xlsx", data=data)


def messages(batch) -> list[str]:
    return [f"{e['sheet']}|{e['row']}|{e['column']}|{e['message']}" for e in batch.errors]


def training_grid(*, unit="龙陵县", month="2024-05", programme="", blocks=None, title=True,
                  total_row=None) -> list[list]:
    """A sheet as a clerk would type it: title, unit and month, then one table per field."""
    rows: list[list] = [["培训月报（龙陵县）"]] if title else []
    rows.append([f"单位：{unit}", f"月份：{month}", f"项目品牌：{programme}"])
    for label, lines in (blocks or {}).items():
        rows += [[], [label], ["培训对象", *TYPES, "合计"]]
        for group, numbers in lines:
            rows.append([group, *numbers, sum(n for n in numbers if isinstance(n, int))])
        if total_row is not None:
            rows.append(["合计", *total_row])
    return rows


MAY_BLOCKS = {
    "培训人次": [("脱贫人口（含监测对象）", [40, 10, None, None, None]),
              ("企业职工", [None, 60, None, None, None])],
    "结业人次": [("脱贫人口（含监测对象）", [35, 8, None, None, None]),
              ("企业职工", [None, 50, None, None, None])],
}


def test_a_grid_sheet_imports_like_the_page_and_again_changes_nothing(clerk, longling):
    data = corpus.xlsx(training_grid(blocks=MAY_BLOCKS), title="5月")
    batch = upload(clerk, data)
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
    assert (batch.created, batch.updated) == (3, 0)
    services.confirm(batch, user=clerk)
    stored = {(f.target_group, f.training_type): (f.trained, f.completed)
              for f in TrainingFigure.objects.filter(org_unit=longling, period=MAY)}
    assert stored == {("脱贫人口", "就业技能培训"): (40, 35), ("脱贫人口", "岗位技能提升培训"): (10, 8),
                      ("企业职工", "岗位技能提升培训"): (60, 50)}
    again = upload(clerk, data)
    assert (again.created, again.updated, again.error_count) == (0, 0, 0)


def test_a_blank_cell_clears_the_figure_as_on_the_entry_page(clerk, longling):
    services.confirm(upload(clerk, corpus.xlsx(training_grid(blocks=MAY_BLOCKS))), user=clerk)
    fewer = {"培训人次": [("脱贫人口", [40, None, None, None, None])],
             "结业人次": [("脱贫人口", [35, None, None, None, None])]}
    batch = upload(clerk, corpus.xlsx(training_grid(blocks=fewer)))
    assert batch.error_count == 0, batch.errors
    assert (batch.created, batch.updated) == (0, 2)  # two cells cleared
    # The preview names rows of the grid sheet (12 rows), not of the long rows built from it.
    assert {c["row"] for c in batch.changes} <= set(range(1, 13)), batch.changes
    services.confirm(batch, user=clerk)
    assert TrainingFigure.objects.filter(org_unit=longling, period=MAY).count() == 1


def test_a_bad_cell_is_reported_at_its_place_in_the_grid(clerk):
    blocks = {"培训人次": [("脱贫人口", [40, "十", None, None, None])],
              "结业人次": [("脱贫人口", [50, None, None, None, None])]}
    batch = upload(clerk, corpus.xlsx(training_grid(blocks=blocks), title="5月"))
    found = messages(batch)
    # Row 6 is 脱贫人口 in the 培训人次 table; column C is 岗位技能提升培训.
    assert any(m.startswith("5月|6|C（培训人次 · 脱贫人口（含监测对象） / 岗位技能提升培训）|")
               for m in found), found
    # 结业人次 (row 11, column B) may not exceed 培训人次: reported on the 结业 cell's row.
    assert any(m.startswith("5月|") and "结业人次（50）多于培训人次（40）：结业人次不能多于培训人次" in m
               for m in found), found
    assert not TrainingFigure.objects.exists()


def test_a_total_that_does_not_add_up_is_an_error_at_the_total(clerk):
    rows = training_grid(blocks={"培训人次": [("脱贫人口", [40, 10, None, None, None]),
                                          ("企业职工", [None, 60, None, None, None])]},
                         total_row=[40, 70, None, None, None, 111])
    batch = upload(clerk, corpus.xlsx(rows, title="5月"))
    found = messages(batch)
    assert any("|8|G（培训人次 · 合计）|合计 111 与各项之和 110 不符" in m for m in found), found
    assert not TrainingFigure.objects.exists()


def test_the_unit_and_programme_above_the_tables_are_checked(clerk, longling):
    rows = training_grid(unit="龙湾区", blocks=MAY_BLOCKS)
    found = messages(upload(clerk, corpus.xlsx(rows, title="5月")))
    assert any(m.startswith("5月|2|A（单位）|") and "无权" in m for m in found), found

    rows = training_grid(programme="康养云师傅", blocks=MAY_BLOCKS)
    batch = upload(clerk, corpus.xlsx(rows))
    assert batch.error_count == 0, batch.errors
    services.confirm(batch, user=clerk)
    assert set(TrainingFigure.objects.filter(org_unit=longling).values_list(
        "programme__name", flat=True)) == {"康养云师傅"}


def test_several_months_as_several_sheets(clerk, longling):
    june = training_grid(month="2024年6月", blocks={"培训人次": [("企业职工", [5, None, None, None, None])]})
    data = corpus.xlsx(training_grid(blocks=MAY_BLOCKS), title="5月", extra_sheets={"6月": june})
    batch = upload(clerk, data)
    assert batch.error_count == 0, batch.errors
    services.confirm(batch, user=clerk)
    assert TrainingFigure.objects.get(org_unit=longling, period=dt.date(2024, 6, 1)).trained == 5


def test_a_certificate_grid_refuses_a_level_the_certificate_type_cannot_have(clerk):
    levels = ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师", "特级技师",
              "首席技师", "无等级"]
    rows = [["单位：龙陵县", "月份：2024-05"], ["证书类型", *levels],
            ["职业技能等级证书", 10, 5, 2, None, None, None, None, None],
            ["专项职业能力证书", 3, None, None, None, None, None, None, None]]
    found = messages(upload(clerk, corpus.xlsx(rows, title="取证"), kind="certificates"))
    assert any(m.startswith("取证|4|B（取证人数 · 专项职业能力证书 / 五级/初级工）|") for m in found), found
    rows[3] = ["专项职业能力证书", None, None, None, None, None, None, None, 3]
    batch = upload(clerk, corpus.xlsx(rows, title="取证"), kind="certificates")
    assert batch.error_count == 0, batch.errors
    services.confirm(batch, user=clerk)
    assert CertificateFigure.objects.filter(period=MAY).count() == 4


def test_the_grid_page_downloads_its_month_and_the_download_imports_unchanged(client, clerk, longling):
    programme = Programme.objects.get(name="生态卫士")
    services.confirm(upload(clerk, corpus.xlsx(training_grid(programme="生态卫士", blocks=MAY_BLOCKS))),
                     user=clerk)
    client.force_login(clerk)
    response = client.get("/entry/training/", {"unit": longling.pk, "month": "2024-05",
                                               "programme": programme.pk, "format": "xlsx"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "单位：龙陵县" in cells[1] and "项目品牌：生态卫士" in cells[1]
    assert ["企业职工", None, 60, None, None, None, "=SUM(B6:F6)"] in [list(r[:7]) for r in cells]

    again = upload(clerk, response.content)
    assert (again.created, again.updated, again.error_count) == (0, 0, 0), again.errors

    # Filled in offline: one more cell, and the upload adds exactly that.
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    first_enterprise_row = next(row for row in sheet.iter_rows() if row[0].value == "企业职工")
    first_enterprise_row[1].value = 7  # 培训人次 · 企业职工 / 就业技能培训
    buffer = io.BytesIO()
    book.save(buffer)
    batch = upload(clerk, buffer.getvalue())
    assert (batch.created, batch.updated, batch.error_count) == (1, 0, 0), batch.errors
