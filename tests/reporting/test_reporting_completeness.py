"""Completeness rolled up the tree in one query, deadlines per plan, reminders' timing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import OrgUnit
from reporting.choices import ReportStatus
from reporting.models import MonthlyReport, ReportingSchedule
from reporting.schedule import rules_for
from reporting.selectors import completeness, not_reported
from reporting.services import report_for
from targets.models import Plan
from tests.conftest import unit

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)


def add(org_unit, status, late=False):
    return MonthlyReport.objects.create(org_unit=org_unit, period=MAY, status=status,
                                        is_late=late, deadline=dt.date(2024, 6, 5))


def test_completeness_rolls_up_the_tree_in_one_query(longling):
    baoshan = longling.parent
    counties = list(baoshan.children.order_by("code"))
    add(longling, ReportStatus.APPROVED)
    add(counties[0] if counties[0] != longling else counties[1], ReportStatus.SUBMITTED, late=True)
    other = next(c for c in counties if c != longling and not MonthlyReport.objects.filter(
        org_unit=c).exists())
    add(other, ReportStatus.RETURNED)  # returned: not counted as submitted
    add(unit("全国/浙江省/温州市/鹿城区"), ReportStatus.SUBMITTED)
    nation = OrgUnit.objects.get(parent=None)
    units = [nation, *OrgUnit.objects.filter(level__lte=2)]
    with CaptureQueriesContext(connection) as ctx:
        rows = {c.unit.pk: c for c in completeness(units=units, period=MAY)}
    assert len(ctx.captured_queries) == 1
    city = rows[baoshan.pk]
    assert city.expected == 1 + len(counties)
    assert (city.submitted, city.on_time, city.approved) == (2, 1, 1)
    assert city.rate == round(100 * 2 / city.expected, 1)
    yunnan = rows[baoshan.parent.pk]
    assert (yunnan.submitted, yunnan.approved) == (2, 1)
    assert rows[nation.pk].submitted == 3
    assert rows[nation.pk].expected == OrgUnit.objects.filter(level__in=(1, 2, 3)).count()
    missing = {u.name for u in not_reported(root=baoshan, period=MAY)}
    assert "保山市" in missing and other.name in missing and longling.name not in missing


def test_deadline_per_plan_and_default(longling):
    shidian = unit("全国/云南省/保山市/施甸县")
    assert report_for(org_unit=shidian, period=MAY).deadline == dt.date(2024, 6, 5)
    ReportingSchedule.objects.create(plan=None, deadline_day=8)
    ReportingSchedule.objects.create(plan=Plan.objects.get(code="longling-2022"), deadline_day=10,
                                     entry_close_days=40)
    rules = rules_for([(longling.pk, MAY), (shidian.pk, MAY),
                       (longling.pk, dt.date(2026, 5, 1))])  # the plan ends in 2025
    assert rules[(longling.pk, MAY)].deadline(MAY) == dt.date(2024, 6, 10)
    assert rules[(longling.pk, MAY)].entry_closes(MAY) == dt.date(2024, 7, 10)
    assert rules[(shidian.pk, MAY)].deadline(MAY) == dt.date(2024, 6, 8)
    assert rules[(shidian.pk, MAY)].entry_closes(MAY) is None
    assert rules[(longling.pk, dt.date(2026, 5, 1))].deadline_day == 8
    # A day past the end of a short month is clamped to it.
    feb = dt.date(2024, 1, 1)
    default = ReportingSchedule.objects.get(plan=None)
    default.deadline_day = 28
    default.save()  # as the admin and the API save it (a bare UPDATE is seen within seconds)
    assert rules_for([(shidian.pk, feb)])[(shidian.pk, feb)].deadline(feb) == dt.date(2024, 2, 28)


def test_only_one_default_schedule():
    from django.core.exceptions import ValidationError

    ReportingSchedule.objects.create(plan=None)
    with pytest.raises(ValidationError):
        ReportingSchedule(plan=None, deadline_day=3).full_clean()


def test_a_month_that_has_not_started_cannot_be_submitted(longling):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from reporting.services import submit
    from tests.factories import UserFactory

    today = timezone.localdate()
    future = dt.date(today.year + 1, today.month, 1)
    clerk = UserFactory()
    clerk.memberships.create(org_unit=longling, role="data_entry")
    with pytest.raises(ValidationError) as exc:
        submit(user=clerk, report=report_for(org_unit=longling, period=future))
    assert "尚未开始" in exc.value.messages[0]


def test_send_reminders_command(longling, capsys):
    from django.core.management import call_command

    from reporting.models import Reminder

    call_command("send_reminders", "--month", "2024-05", "--today", "2024-06-04")
    out = capsys.readouterr().out
    assert out.startswith("2024-05:") and "units reminded" in out
    assert Reminder.objects.filter(org_unit=longling, period=MAY).exists()
    call_command("send_reminders", "--month", "2024-05", "--today", "2024-06-04")
    assert "0 units reminded" in capsys.readouterr().out


def test_nobody_approves_a_report_they_submitted(longling):
    from django.core.exceptions import PermissionDenied

    from reporting.services import approve, submit
    from tests.factories import UserFactory

    city_admin = UserFactory()
    city_admin.memberships.create(org_unit=longling.parent, role="admin")
    report = submit(user=city_admin, report=report_for(org_unit=longling, period=MAY),
                    zero_report=True)
    with pytest.raises(PermissionDenied):
        approve(user=city_admin, report=report)
    other = UserFactory()
    other.memberships.create(org_unit=longling.parent, role="reviewer")
    assert approve(user=other, report=report).status == ReportStatus.APPROVED
