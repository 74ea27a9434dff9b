"""The reporting lock on every entry path: an approved report (own, department's or a unit's
above) and a closed entry window refuse writes, with a Chinese message naming unit and month;
an administrator's exception reopens a closed month but never an approved one."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from competitions.models import Award
from competitions.services import save_award
from imports import services as imports
from imports.choices import ImportStatus
from org.models import Membership
from reporting.choices import ReportStatus
from reporting.models import EntryWindowException, MonthlyReport, ReportingSchedule
from reporting.services import assert_entry_open, entry_problems
from targets.models import DataValue, Indicator
from targets.services import record_data_value
from tests import xlsx_corpus as corpus
from tests.conftest import unit
from tests.factories import UserFactory
from training.forms import TRAINING_GRID
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)


@pytest.fixture
def clerk(longling):
    user = UserFactory(username="longling_lock_clerk")
    Membership.objects.create(user=user, org_unit=longling, role="data_entry")
    return user


def approve(org_unit, period=MAY, department=None):
    return MonthlyReport.objects.create(org_unit=org_unit, department=department, period=period,
                                        status=ReportStatus.APPROVED, deadline=dt.date(2024, 6, 5))


def grid_post(client, org_unit, value="10"):
    name = TRAINING_GRID.name("trained", "企业职工", "就业技能培训")
    return client.post(f"/entry/training/?unit={org_unit.pk}&month=2024-05", {name: value})


def test_open_month_passes_and_approved_month_is_refused_with_unit_and_month(clerk, longling):
    assert entry_problems([(longling.pk, None, MAY)]) == []
    approve(longling)
    with pytest.raises(ValidationError) as exc:
        assert_entry_open(user=clerk, cells=[(longling.pk, None, dt.date(2024, 5, 17))])
    assert "龙陵县" in exc.value.messages[0] and "2024-05" in exc.value.messages[0]
    assert "审核" in exc.value.messages[0]
    # Other months and units stay open.
    assert entry_problems([(longling.pk, None, dt.date(2024, 6, 1)),
                           (unit("全国/云南省/保山市/施甸县").pk, None, MAY)]) == []


def test_an_approved_report_above_locks_the_subtree(clerk, longling):
    approve(unit("全国/云南省/保山市"))
    problems = entry_problems([(longling.pk, None, MAY)])
    assert len(problems) == 1 and "保山市" in problems[0] and "龙陵县" in problems[0]


def test_the_check_costs_a_few_queries_whatever_the_number_of_cells(clerk, longling):
    cells = [(u.pk, None, dt.date(2024, m, 1)) for u in longling.parent.children.all()
             for m in range(1, 13)]
    approve(longling)
    with CaptureQueriesContext(connection) as ctx:
        problems = entry_problems(cells)
    assert len(problems) == 1
    assert len(ctx.captured_queries) <= 6


def test_grid_save_is_refused_on_an_approved_month_and_saves_nothing(client, clerk, longling):
    client.force_login(clerk)
    assert grid_post(client, longling).status_code == 302
    approve(longling)
    response = grid_post(client, longling, "99")
    assert response.status_code == 400
    assert "已审核" in response.content.decode() or "approved" in response.content.decode()
    assert TrainingFigure.objects.get(org_unit=longling, period=MAY).trained == 10


def test_data_value_and_award_saves_are_refused(clerk, longling):
    approve(longling)
    indicator = Indicator.objects.filter(source="manual").first()
    with pytest.raises(ValidationError):
        record_data_value(user=clerk, indicator=indicator, org_unit=longling, period=MAY,
                          value=Decimal(3))
    assert not DataValue.objects.filter(org_unit=longling, period=MAY).exists()
    award = Award(medal="无", honour_title="技术能手", honour_level="市级", recipient_kind="team",
                  recipient_name="龙陵县护理队", org_unit=longling, awarded_on=dt.date(2024, 5, 9))
    with pytest.raises(ValidationError):
        save_award(user=clerk, award=award)
    assert not Award.objects.filter(org_unit=longling).exists()


def test_import_of_an_approved_month_is_an_error_in_preview_and_confirm(clerk, longling):
    rows = [["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 60, 0, 50, 0]]
    batch = imports.upload(user=clerk, kind="training", basis="month", file_name="r.xlsx",
                           data=corpus.training(*rows))
    assert batch.error_count == 0, batch.errors
    approve(longling)  # approved between preview and confirm
    batch = imports.confirm(batch, user=clerk)
    assert batch.status != ImportStatus.APPLIED
    assert any("龙陵县" in e["message"] and "2024-05" in e["message"] for e in batch.errors)
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()
    again = imports.upload(user=clerk, kind="training", basis="month", file_name="r.xlsx",
                           data=corpus.training(*rows))
    assert again.error_count == 1


def test_entry_window_closes_and_an_exception_reopens_it(clerk, longling):
    ReportingSchedule.objects.create(plan=None, entry_close_days=10)
    today = dt.date(2024, 6, 20)
    problems = entry_problems([(longling.pk, None, MAY)], today=today)
    assert len(problems) == 1 and "2024-06-10" in problems[0]
    assert entry_problems([(longling.pk, None, MAY)], today=dt.date(2024, 6, 10)) == []
    EntryWindowException.objects.create(org_unit=longling, period=MAY,
                                        open_until=dt.date(2024, 6, 30), reason="补报")
    assert entry_problems([(longling.pk, None, MAY)], today=today) == []
    assert entry_problems([(longling.pk, None, MAY)], today=dt.date(2024, 7, 1)) != []
    approve(longling)  # an exception never reopens an approved month
    assert "审核" in entry_problems([(longling.pk, None, MAY)], today=today)[0]


def _grid_inputs(html: str) -> list[str]:
    return re.findall(r"<input id=\"trained~[^>]*>", html)


def test_a_locked_grid_is_read_only_and_says_who_approved_and_who_may_reopen(client, clerk,
                                                                             longling):
    """Issue #24: an approved month shows its figures with every input disabled and no save
    button; the banner names the approver, the time and the level that may withdraw it; a
    POST is still refused."""
    client.force_login(clerk)
    assert grid_post(client, longling).status_code == 302
    open_page = client.get(f"/entry/training/?unit={longling.pk}&month=2024-05")
    html = open_page.content.decode()
    assert _grid_inputs(html) and not any("disabled" in i for i in _grid_inputs(html))
    assert "保存本月数据" in html and "lock-banner" not in html

    reviewer = UserFactory(username="baoshan_lock_reviewer", first_name="", last_name="")
    approved_at = timezone.make_aware(dt.datetime(2024, 6, 4, 9, 30))
    report = approve(longling)
    MonthlyReport.objects.filter(pk=report.pk).update(approved_by=reviewer,
                                                      approved_at=approved_at, approved_level=2)
    html = client.get(f"/entry/training/?unit={longling.pk}&month=2024-05").content.decode()
    inputs = _grid_inputs(html)
    assert inputs and all(" disabled" in i for i in inputs)
    assert 'value="10"' in html  # the figures are still shown
    assert "保存本月数据" not in html and 'type="submit">保存' not in html
    assert "本月数据已锁定" in html
    assert "baoshan_lock_reviewer" in html
    assert f"{timezone.localtime(approved_at):%Y-%m-%d %H:%M}" in html
    assert "保山市或其上级单位的审核人" in html
    assert "🔒" not in html and "⚠" not in html
    assert grid_post(client, longling, "99").status_code == 400
    assert TrainingFigure.objects.get(org_unit=longling, period=MAY).trained == 10


def test_a_month_locked_by_the_report_above_names_that_report(client, clerk, longling):
    client.force_login(clerk)
    city = unit("全国/云南省/保山市")
    report = approve(city)
    MonthlyReport.objects.filter(pk=report.pk).update(approved_level=1)
    html = client.get(f"/entry/training/?unit={longling.pk}&month=2024-05").content.decode()
    assert all(" disabled" in i for i in _grid_inputs(html))
    assert "保山市的月度报表" in html and "云南省或其上级单位的审核人" in html


def test_a_closed_entry_window_makes_the_grid_read_only(client, clerk, longling, settings):
    ReportingSchedule.objects.create(plan=None, entry_close_days=10)
    settings.PORTAL_TODAY = dt.date(2024, 6, 20)
    client.force_login(clerk)
    html = client.get(f"/entry/training/?unit={longling.pk}&month=2024-05").content.decode()
    assert all(" disabled" in i for i in _grid_inputs(html)) and _grid_inputs(html)
    assert "保存本月数据" not in html and "2024-06-10" in html
