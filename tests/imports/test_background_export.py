"""Large exports are built in the background (#21): the list's link answers at once with the
row count and a button; the job writes the same rows the inline export would, only its
requester reads it, and an .xlsx too long for a sheet is refused with a way out."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from imports import exports
from imports.choices import ExportStatus
from imports.models import ExportJob
from imports.tasks import build_export
from org.models import Membership
from tests.factories import UserFactory
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(longling):
    user = UserFactory(username="longling_big_export")
    Membership.objects.create(user=user, org_unit=longling, role="data_entry")
    return user


@pytest.fixture
def twelve_months(longling):
    for month in range(1, 13):
        TrainingFigure.objects.create(org_unit=longling, period=dt.date(2024, month, 1),
                                      training_type="就业技能培训", target_group="脱贫人口",
                                      trained=month * 10, completed=month)


@pytest.fixture
def small_inline(settings):
    settings.EXPORT_INLINE_ROWS = 5


def _start(client, fmt="xlsx", query="") -> ExportJob:
    response = client.post(f"/imports/export/training.{fmt}/build/", {"query": query})
    assert response.status_code == 302
    job = ExportJob.unscoped.latest("pk")
    assert response["Location"] == f"/imports/exports/{job.pk}/"
    return job


def test_export_over_the_limit_answers_a_page_with_the_count_not_a_file(
        client, clerk, twelve_months, small_inline):
    client.force_login(clerk)
    page = client.get("/imports/export/training.xlsx?month_from=2024-01-01")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "共 12 行" in html and "生成文件" in html and "month_from=2024-01-01" in html
    assert not ExportJob.unscoped.exists()  # a GET builds nothing


def test_export_under_the_limit_is_still_a_file_at_once(client, clerk, twelve_months, settings):
    settings.EXPORT_INLINE_ROWS = 12
    client.force_login(clerk)
    response = client.get("/imports/export/training.csv")
    assert response["Content-Type"].startswith("text/csv")


def test_background_export_writes_the_same_rows_as_the_inline_one(
        client, clerk, twelve_months, settings):
    client.force_login(clerk)
    inline = load_workbook(io.BytesIO(client.get("/imports/export/training.xlsx").content)).active
    settings.EXPORT_INLINE_ROWS = 5
    job = _start(client)
    waiting = client.get(f"/imports/exports/{job.pk}/").content.decode()
    assert "等待生成" in waiting and 'http-equiv="refresh"' in waiting
    assert client.get(f"/imports/exports/{job.pk}/download/").status_code == 404
    assert build_export(job.pk) == ExportStatus.DONE
    page = client.get(f"/imports/exports/{job.pk}/").content.decode()
    assert "可以下载" in page and "12" in page and 'http-equiv="refresh"' not in page
    download = client.get(f"/imports/exports/{job.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    built = load_workbook(io.BytesIO(download.content)).active
    assert [[c.value for c in row] for row in built.iter_rows()] == [
        [c.value for c in row] for row in inline.iter_rows()]


def test_background_csv_keeps_the_filters_and_the_bom(client, clerk, twelve_months, small_inline):
    client.force_login(clerk)
    job = _start(client, "csv", "month_from=2024-07-01")
    build_export(job.pk)
    body = client.get(f"/imports/exports/{job.pk}/download/").content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 6 and rows[0][0] == "单位"


def test_a_job_sent_twice_is_built_once(client, clerk, twelve_months, small_inline):
    client.force_login(clerk)
    job = _start(client)
    assert build_export(job.pk) == ExportStatus.DONE
    assert build_export(job.pk) == ExportStatus.DONE  # redelivered: left as it is
    assert ExportJob.unscoped.get(pk=job.pk).rows == 12


def test_only_the_requester_reads_an_export(client, clerk, twelve_months, small_inline, longling):
    client.force_login(clerk)
    job = _start(client)
    build_export(job.pk)
    other = UserFactory(username="longling_other_clerk")
    Membership.objects.create(user=other, org_unit=longling, role="data_entry")
    client.force_login(other)
    assert client.get(f"/imports/exports/{job.pk}/").status_code == 404
    assert client.get(f"/imports/exports/{job.pk}/download/").status_code == 404


def test_an_xlsx_longer_than_a_sheet_is_refused_with_the_way_out(
        client, clerk, twelve_months, small_inline, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 10)
    client.force_login(clerk)
    job = _start(client)
    assert build_export(job.pk) == ExportStatus.FAILED
    page = client.get(f"/imports/exports/{job.pk}/").content.decode()
    assert "超过 Excel 工作表" in page and "CSV" in page


def test_a_bad_filter_is_refused_before_a_job_is_made(client, clerk, small_inline):
    client.force_login(clerk)
    response = client.post("/imports/export/training.xlsx/build/", {"query": "month_from=tomorrow"})
    assert response.status_code == 400 and "筛选条件有误" in response.content.decode()
    assert not ExportJob.unscoped.exists()
    assert client.get("/imports/export/training.xlsx/build/").status_code == 405


def test_a_job_that_never_finished_offers_to_build_again(client, clerk, twelve_months,
                                                         small_inline):
    from django.utils import timezone

    client.force_login(clerk)
    job = _start(client, "csv", "month_from=2024-07-01")
    ExportJob.unscoped.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, created_at=timezone.now() - dt.timedelta(hours=2))
    page = client.get(f"/imports/exports/{job.pk}/").content.decode()
    assert 'id="export-stalled"' in page and 'http-equiv="refresh"' not in page
    assert 'value="month_from=2024-07-01"' in page
    again = _start(client, "csv", "month_from=2024-07-01")
    assert again.pk != job.pk and build_export(again.pk) == ExportStatus.DONE
