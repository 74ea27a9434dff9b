"""The business date (skills_portal/clock.py): today, unless PORTAL_TODAY fixes it, as the
demo does (its figures end in September 2025). The month being reported, the entry pages,
imports and report submission follow it; timestamps stay real."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from imports import services as imports
from org.models import Membership
from reporting.services import report_for, submit
from skills_portal import clock
from skills_portal.settings.env import env_date
from tests import xlsx_corpus as corpus
from tests.factories import UserFactory

DEMO_DAY = dt.date(2025, 10, 3)


def test_the_business_date_is_today_unless_fixed(settings):
    settings.PORTAL_TODAY = None
    assert clock.today() == timezone.localdate()
    settings.PORTAL_TODAY = DEMO_DAY
    assert (clock.today(), clock.previous_month()) == (DEMO_DAY, dt.date(2025, 9, 1))


def test_the_setting_is_read_as_a_date_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setenv("PORTAL_TODAY", "2025-10-03")
    assert env_date("PORTAL_TODAY") == DEMO_DAY
    monkeypatch.setenv("PORTAL_TODAY", "")
    assert env_date("PORTAL_TODAY") is None
    monkeypatch.setenv("PORTAL_TODAY", "10/03/2025")
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TODAY must be a date"):
        env_date("PORTAL_TODAY")


@pytest.mark.django_db
def test_pages_imports_and_submission_follow_the_fixed_date(settings, longling):
    settings.PORTAL_TODAY = DEMO_DAY
    clerk = UserFactory(username="clock_clerk")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    client = Client()
    client.force_login(clerk)
    # The month being reported is September 2025, in the pages' default month.
    page = client.get("/reporting/")
    assert page.status_code == 200 and page.context["period"] == dt.date(2025, 9, 1)
    # An import may name September (and October) but not November, a future month then.
    row = ["龙陵县", "2025-09", "企业职工", "岗位技能提升培训", "", "否", 10, 0, 0, 0]
    later = ["龙陵县", "2025-11", "脱贫人口", "就业技能培训", "", "否", 10, 0, 0, 0]
    batch = imports.upload(user=clerk, kind="training", basis="month", file_name="a.xlsx",
                           data=corpus.training(row, later))
    assert [e["message"] for e in batch.errors] == ["2025-11 是未来的月份，不能填报"]
    # Submitted on 3 October, September's report is on time (due on the 5th), while by the
    # real date it would be a year late; its timestamp is the real time.
    report = report_for(org_unit=longling, period=dt.date(2025, 9, 1))
    submit(user=clerk, report=report, zero_report=True)  # the import above wrote nothing
    report.refresh_from_db()
    assert report.is_late is False
    assert report.submitted_at.date() >= timezone.localdate() - dt.timedelta(days=1)
