"""Reviewers see what they approve (issue #24): the report page lists every figure of the
unit for the month (this month, last month, cumulative, target, status) and marks those
changed since the last submission; approval is refused while figures changed after the
submission; a report without figures is submitted only as an explicit zero report (本月无新增);
/reporting/ groups the units by the tree with counts per status and a status filter."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from reporting.choices import ReportStatus
from reporting.models import MonthlyReport, ReportSubmission
from reporting.selectors import expected_units
from reporting.services import approve, report_for, submit
from targets.models import Target
from tests.api_helpers import member
from tests.conftest import unit
from tests.reporting.conftest import MAY, login
from tests.reporting.conftest import grid as save_cell

pytestmark = pytest.mark.django_db





def grid(client, org_unit, value, month="2024-05"):
    response = save_cell(client, org_unit, value, month)
    assert response.status_code == 302, response.content.decode()[:2000]


def report_url(org_unit, month="2024-05"):
    return f"/reporting/{org_unit.pk}/{month}/"


def figure_row(page: str, key: str) -> str:
    match = re.search(rf'<tr data-row="{key}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no figure row {key}"
    return match.group(0)


def cell(row: str, css: str) -> str:
    return re.search(rf'<td class="num {css}">([^<]*)', row).group(1)


def training_target(longling) -> Target:
    return Target.objects.get(org_unit=longling, indicator__code="training_person_times",
                              plan__is_reference=False, department=None,
                              period_start__lte=MAY, period_end__gte=MAY)


def test_the_reviewer_sees_the_units_figures_before_approving(demo, longling):
    clerk, reviewer = login(demo["longling_clerk"]), login(demo["baoshan_reviewer"])
    grid(clerk, longling, "7", month="2024-04")
    grid(clerk, longling, "10")
    assert clerk.post(report_url(longling), {"action": "submit"}).status_code == 302
    page = reviewer.get(report_url(longling)).content.decode()
    assert 'id="report-figures-table"' in page and "本月各项指标数据" in page
    target = training_target(longling)
    row = figure_row(page, f"t{target.pk}")
    assert target.indicator.name in row and target.plan.short_name in row
    assert cell(row, "month-value") == "10" and cell(row, "previous-value") == "7"
    assert cell(row, "cumulative") == "17"  # the target's window so far
    assert f"{int(target.value):,}" in row
    assert re.search(r'class="badge \w+">(完成|超序时|正常|滞后|严重滞后|待定)<', row)
    assert "有变化" not in row  # as submitted
    # Every target of the unit in force in the month has a row, and the approve button shows.
    in_force = Target.objects.filter(org_unit=longling, plan__is_reference=False,
                                     period_start__lte=MAY, period_end__gte=MAY)
    assert page.count('<tr data-row="t') == in_force.count()
    assert 'value="approve"' in page
    # The cell-by-cell figures as submitted are there too.
    assert 'id="submitted-cells"' in page


def test_approval_is_refused_while_figures_changed_after_submission(demo, longling):
    clerk, reviewer = login(demo["longling_clerk"]), login(demo["baoshan_reviewer"])
    grid(clerk, longling, "10")
    assert clerk.post(report_url(longling), {"action": "submit"}).status_code == 302
    grid(clerk, longling, "25")  # after the submission: the report is not approved yet
    report = MonthlyReport.objects.get(org_unit=longling, period=MAY, department=None)

    # The service refuses, in Chinese, for the page and the API alike.
    with pytest.raises(ValidationError) as refused:
        approve(user=demo["baoshan_reviewer"], report=report)
    assert "报送后数据又有改动" in refused.value.messages[0]
    api = APIClient()
    api.force_login(demo["baoshan_reviewer"])
    response = api.post(f"/api/v1/monthly-reports/{report.pk}/approve/", {}, format="json")
    assert response.status_code == 400 and "报送后数据又有改动" in response.content.decode()
    response = reviewer.post(report_url(longling), {"action": "approve"})
    assert response.status_code == 400 and "报送后数据又有改动" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    # The page offers no approve button, says why, offers to return, and marks the row.
    page = reviewer.get(report_url(longling)).content.decode()
    assert 'value="approve"' not in page and 'value="return"' in page
    assert 'id="pending-changes"' in page and "重新报送" in page
    row = figure_row(page, f"t{training_target(longling).pk}")
    assert cell(row, "month-value") == "25" and "有变化" in row

    # The clerk is asked to resubmit and may, without waiting for a return.
    page = clerk.get(report_url(longling)).content.decode()
    assert 'id="pending-changes"' in page and 'value="submit"' in page
    assert clerk.post(report_url(longling), {"action": "submit"}).status_code == 302
    assert report.submissions.count() == 2
    page = reviewer.get(report_url(longling)).content.decode()
    assert 'id="pending-changes"' not in page and 'value="approve"' in page
    assert "有变化" not in figure_row(page, f"t{training_target(longling).pk}")
    assert reviewer.post(report_url(longling), {"action": "approve"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_a_report_without_figures_is_submitted_only_as_a_zero_report(demo, longling):
    clerk, reviewer = login(demo["longling_clerk"]), login(demo["baoshan_reviewer"])
    page = clerk.get(report_url(longling)).content.decode()
    assert 'name="zero_report"' in page and "本月无新增" in page
    response = clerk.post(report_url(longling), {"action": "submit"})
    assert response.status_code == 400
    assert "本月没有任何数据" in response.content.decode()
    assert not MonthlyReport.objects.filter(org_unit=longling, period=MAY,
                                            status=ReportStatus.SUBMITTED).exists()
    response = clerk.post(report_url(longling), {"action": "submit", "zero_report": "on"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get(org_unit=longling, period=MAY, department=None)
    assert report.status == ReportStatus.SUBMITTED and report.is_zero_report
    assert ReportSubmission.objects.get(report=report).is_zero_report
    page = reviewer.get(report_url(longling)).content.decode()
    assert 'id="zero-report-notice"' in page and "零报告" in page
    assert "本月无新增" in page
    assert "零报告" in reviewer.get("/reporting/?month=2024-05").content.decode()


def test_a_report_with_figures_is_never_a_zero_report(demo, longling):
    grid(login(demo["longling_clerk"]), longling, "10")
    report = report_for(org_unit=longling, period=MAY)
    with pytest.raises(ValidationError) as refused:
        submit(user=demo["longling_clerk"], report=report, zero_report=True)
    assert "不能作为零报告报送" in refused.value.messages[0]
    report = submit(user=demo["longling_clerk"], report=report)
    assert report.status == ReportStatus.SUBMITTED and not report.is_zero_report


def test_the_month_list_shows_one_level_at_a_time_and_filters_by_status(demo, longling):
    baoshan, shidian = longling.parent, unit("全国/云南省/保山市/施甸县")
    yunnan = baoshan.parent
    submit(user=demo["longling_clerk"], report=report_for(org_unit=longling, period=MAY),
           zero_report=True)
    province = member(yunnan, role="reviewer")
    client = login(province)
    page = client.get("/reporting/?month=2024-05").content.decode()
    # The province's own row, then one row per city standing for its subtree, with counts.
    section = page.split(f'id="group-{yunnan.pk}"')[1].split("</section>")[0]
    assert "云南省（本级）" in section and f'data-unit="{baoshan.pk}"' in section
    assert f'data-unit="{longling.pk}"' not in section  # the counties are a level further
    counties = expected_units().filter(parent=baoshan).count()
    baoshan_row = section.split(f'data-unit="{baoshan.pk}"')[1].split("</tr>")[0]
    assert f"?month=2024-05&amp;unit={baoshan.pk}" in baoshan_row
    assert f"下级 {counties} 个单位" in baoshan_row
    assert 'data-status="submitted">已报送 1<' in baoshan_row
    assert f'data-status="draft">未报送 {counties}<' in baoshan_row
    # Drilling down: the city's own report and its counties.
    page = client.get(f"/reporting/?month=2024-05&unit={baoshan.pk}").content.decode()
    section = page.split(f'id="group-{baoshan.pk}"')[1].split("</section>")[0]
    assert "保山市（本级）" in section and "龙陵县" in section and "施甸县" in section
    assert f'<a href="?month=2024-05&amp;unit={yunnan.pk}">云南省</a>' in page  # the path up
    # Filtered by status: every unit of the subtree with that status, whatever its level.
    page = client.get("/reporting/?month=2024-05&status=submitted").content.decode()
    rows = re.findall(r'<tr data-unit="(\d+)" data-status="(\w+)">', page)
    assert rows == [(str(longling.pk), "submitted")]
    page = client.get("/reporting/?month=2024-05&status=approved").content.decode()
    assert 'id="no-unit-reports"' in page
    # Found by name anywhere below.
    page = client.get("/reporting/?month=2024-05&q=施甸").content.decode()
    assert re.findall(r'<tr data-unit="(\d+)"', page) == [str(shidian.pk)]
    # A city reviewer sees the city's level only; an unknown status is a message, not a 500.
    page = login(demo["baoshan_reviewer"]).get("/reporting/?month=2024-05").content.decode()
    assert f'id="group-{baoshan.pk}"' in page and f'id="group-{yunnan.pk}"' not in page
    response = client.get("/reporting/?month=2024-05&status=nonsense")
    assert response.status_code == 200 and "未知的状态" in response.content.decode()


def test_the_month_list_costs_the_same_queries_for_a_province_as_for_a_city(demo, longling):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    yunnan = longling.parent.parent
    client = login(member(yunnan, role="reviewer"))
    client.get(f"/reporting/?month=2024-05&unit={yunnan.pk}")
    with CaptureQueriesContext(connection) as province:
        client.get(f"/reporting/?month=2024-05&unit={yunnan.pk}")
    with CaptureQueriesContext(connection) as city:
        client.get(f"/reporting/?month=2024-05&unit={longling.parent.pk}")
    assert len(province) == len(city)

