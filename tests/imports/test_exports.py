"""Issue #5: exports of figures, targets and progress, filtered like the lists, scoped, and
safe to open in a spreadsheet (no cell runs as a formula)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from certification.models import CertificateFigure
from imports import services
from org.models import Membership
from progress.rollup import rollup_month
from skills_portal.exporting import escape_formula
from tests.conftest import unit
from tests.factories import UserFactory
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)


@pytest.fixture
def clerk(longling):
    user = UserFactory(username="longling_export")
    Membership.objects.create(user=user, org_unit=longling, role="data_entry")
    return user


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_escaped(text):
    assert escape_formula(text) == "'" + text
    assert escape_formula("龙陵县") == "龙陵县" and escape_formula(-2) == -2


def test_figures_export_is_scoped_filtered_and_formula_safe(client, clerk, longling):
    shidian = unit("全国/云南省/保山市/施甸县")
    CertificateFigure.objects.create(org_unit=longling, period=MAY, certificate_type="职业技能等级证书",
                                     level="四级/中级工", occupation='=HYPERLINK("http://x","y")',
                                     count=8)
    CertificateFigure.objects.create(org_unit=longling, period=dt.date(2024, 6, 1),
                                     certificate_type="职业技能等级证书", level="四级/中级工", count=3)
    CertificateFigure.objects.create(org_unit=shidian, period=MAY, certificate_type="职业技能等级证书",
                                     level="四级/中级工", count=99)
    client.force_login(clerk)
    response = client.get("/imports/export/certificates.csv?month_from=2024-05-01&month_to=2024-05-01")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["单位", "单位代码", "部门", "月份"]
    assert len(rows) == 2  # 施甸县 is outside the clerk's scope, June outside the filter
    assert rows[1][0] == "龙陵县" and rows[1][6] == "'=HYPERLINK(\"http://x\",\"y\")"

    book = load_workbook(io.BytesIO(client.get("/imports/export/certificates.xlsx").content))
    sheet = book.active
    counts = [row[8].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(counts) == [3, 8]  # numbers stay numbers
    assert all(isinstance(c, int) for c in counts)


def test_an_exported_month_imports_back_unchanged(client, clerk, longling):
    TrainingFigure.objects.create(org_unit=longling, period=MAY, training_type="就业技能培训",
                                  target_group="脱贫人口", subsidised=True, trained=40, completed=30)
    client.force_login(clerk)
    exported = client.get("/imports/export/training.xlsx").content
    batch = services.upload(user=clerk, kind="training", basis="month", file_name="back.xlsx",
                            data=exported)
    assert batch.error_count == 0, batch.errors
    assert (batch.created, batch.updated, batch.unchanged) == (0, 0, 1)


def test_targets_and_progress_exports_follow_the_list_filters(client, clerk):
    rollup_month(dt.date(2024, 5, 1))
    client.force_login(clerk)
    targets = load_workbook(io.BytesIO(
        client.get("/imports/export/targets.xlsx?plan=longling-2022").content)).active
    header = [c.value for c in targets[1]]
    assert header[:3] == ["方案代码", "方案", "目标代码"]
    plans = {row[0].value for row in targets.iter_rows(min_row=2)}
    assert plans == {"longling-2022"} and targets.max_row > 5

    progress = client.get("/imports/export/progress.csv?plan=longling-2022&month=2024-05-01")
    rows = list(csv.DictReader(io.StringIO(progress.content.decode("utf-8-sig"))))
    assert rows and {r["月份"] for r in rows} == {"2024-05"}
    assert {"完成率", "序时进度", "状态", "排名"} <= set(rows[0])
    assert client.get("/imports/export/progress.csv?month=not-a-date").status_code == 400
    assert client.get("/imports/export/nothing.csv").status_code == 404
