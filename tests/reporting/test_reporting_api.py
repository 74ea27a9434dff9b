"""The reporting workflow over the API and for a partner department; the lock as a form error
in the admin and on the award form; reports are invisible outside scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from competitions.models import Award
from org.models import Department
from reporting.choices import ReportStatus
from reporting.models import MonthlyReport, Notice
from tests.api_helpers import API, client_for, member, results
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)
MR = API + "monthly-reports/"


def test_submit_return_resubmit_approve_over_the_api(longling):
    clerk, reviewer = member(longling), member(longling.parent, role="reviewer")
    api_clerk, api_reviewer = client_for(clerk), client_for(reviewer)
    response = api_clerk.post(MR + "submit/", {"org_unit": longling.pk, "period": "2024-05"},
                              format="json")
    assert response.status_code == 400 and "zero_report" in response.json()  # no figures
    assert "本月无新增" in response.json()["zero_report"][0]
    response = api_clerk.post(MR + "submit/", {"org_unit": longling.pk, "period": "2024-05",
                                               "zero_report": True}, format="json")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["is_zero_report"] is True
    assert report["status"] == "submitted" and report["is_late"] and report["period"] == "2024-05"
    url = f"{MR}{report['id']}/"
    assert api_clerk.post(url + "approve/", {}, format="json").status_code == 403
    response = api_reviewer.post(url + "return/", {"comment": ""}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    response = api_reviewer.post(url + "return/", {"comment": "请补充农村妇女数据"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "returned"
    assert response.json()["events"][-1]["comment"] == "请补充农村妇女数据"
    assert api_clerk.post(MR + "submit/", {"org_unit": longling.pk, "period": "2024-05",
                                           "zero_report": True},
                          format="json").json()["status"] == "submitted"
    response = api_reviewer.post(url + "approve/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    # Listed in scope, filtered by month and status.
    rows = results(api_reviewer.get(MR, {"month": "2024-05", "status": "approved"}))
    assert [r["id"] for r in rows] == [report["id"]]
    # Completeness over the API.
    data = api_reviewer.get(API + "reporting-completeness/", {"month": "2024-05"}).json()
    assert data["rows"][0]["unit"]["name"] == "保山市"
    longling_row = next(r for r in data["rows"] if r["unit"]["name"] == "龙陵县")
    assert (longling_row["expected"], longling_row["submitted"], longling_row["approved"]) == \
        (1, 1, 1)
    assert "施甸县" in [u["name"] for u in data["not_reported"]]
    # The clerk's notices over the API.
    notices = results(api_clerk.get(API + "notices/"))
    assert any("退回" in n["title"] for n in notices)
    first = notices[0]["id"]
    assert api_clerk.post(f"{API}notices/{first}/read/").json()["read_at"]


def test_reports_are_not_reachable_outside_scope(longling, lucheng):
    report = MonthlyReport.objects.create(org_unit=longling, period=MAY, deadline=dt.date(2024, 6, 5),
                                          status=ReportStatus.SUBMITTED)
    outsider = client_for(member(lucheng, role="reviewer"))
    assert outsider.get(f"{MR}{report.pk}/").status_code == 404
    assert outsider.post(f"{MR}{report.pk}/approve/", {}, format="json").status_code == 404
    assert results(outsider.get(MR)) == []
    response = outsider.post(MR + "submit/", {"org_unit": longling.pk, "period": "2024-05"},
                             format="json")
    assert response.status_code == 400 and "org_unit" in response.json()
    assert outsider.get(API + "reporting-completeness/", {"unit": longling.pk}).status_code == 404
    # Someone else's notices are not listed.
    Notice.objects.create(user=member(longling), title="龙陵县的通知")
    assert results(outsider.get(API + "notices/")) == []


def test_a_partner_department_submits_its_own_report(wenzhou):
    emergency = Department.objects.get(org_unit=wenzhou, name="市应急管理局")
    uploader = member(wenzhou, department=emergency)
    client = Client()
    client.force_login(uploader)
    page = client.get("/reporting/?month=2024-05").content.decode()
    assert "市应急管理局" in page and 'id="unit-reports"' not in page
    url = f"/reporting/{wenzhou.pk}/2024-05/?department={emergency.pk}"
    assert client.post(url, {"action": "submit", "department": emergency.pk}).status_code == 400
    assert "本月无新增" in client.get(url).content.decode()
    assert client.post(url, {"action": "submit", "department": emergency.pk,
                             "zero_report": "on"}).status_code == 302
    report = MonthlyReport.objects.get(department=emergency, period=MAY)
    assert report.status == ReportStatus.SUBMITTED
    # The department uploader cannot submit the city's own report.
    assert client.post(f"/reporting/{wenzhou.pk}/2024-05/", {"action": "submit"}).status_code \
        in (403, 404)
    # A Wenzhou reviewer approves the department's report (same unit, a department below it).
    reviewer = member(wenzhou, role="reviewer")
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    assert reviewer_client.post(url, {"action": "approve", "department": emergency.pk}) \
        .status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_locked_month_is_a_form_error_on_the_award_form_and_in_the_admin(longling):
    MonthlyReport.objects.create(org_unit=longling, period=MAY, deadline=dt.date(2024, 6, 5),
                                 status=ReportStatus.APPROVED)
    clerk = member(longling)
    client = Client()
    client.force_login(clerk)
    response = client.post("/competitions/awards/new/", {
        "medal": "无", "honour_title": "技术能手", "honour_level": "市级", "recipient_kind": "team",
        "recipient_name": "龙陵县护理队", "org_unit": longling.pk, "awarded_on": "2024-05-09"})
    assert response.status_code in (200, 400)
    assert "已审核通过" in response.content.decode()
    assert not Award.objects.filter(org_unit=longling).exists()
    # The admin shows the same refusal on the form, not a server error.
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/training/trainingfigure/add/", {
        "org_unit": longling.pk, "period": "2024-05-01", "training_type": "就业技能培训",
        "target_group": "企业职工", "trained": 5, "persons": 0, "completed": 0, "certified": 0})
    assert response.status_code == 200 and "已审核通过" in response.content.decode()



def test_admin_delete_of_a_locked_figure_is_refused_with_the_reason(longling):
    from training.models import TrainingFigure

    figure = TrainingFigure.objects.create(org_unit=longling, period=MAY, target_group="企业职工",
                                           training_type="就业技能培训", trained=5)
    MonthlyReport.objects.create(org_unit=longling, period=MAY, deadline=dt.date(2024, 6, 5),
                                 status=ReportStatus.APPROVED)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/training/trainingfigure/{figure.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200 and "已审核通过" in page.content.decode()
    client.post(url, {"post": "yes"})
    assert TrainingFigure.objects.filter(pk=figure.pk).exists()


def test_administrators_grant_entry_exceptions_in_their_subtree_only(longling, lucheng, wenzhou):
    from django.core.exceptions import PermissionDenied

    from reporting.models import EntryWindowException
    from reporting.services import save_exception

    admin = member(wenzhou, role="admin")
    granted = save_exception(user=admin, exception=EntryWindowException(
        org_unit=lucheng, period=dt.date(2024, 5, 20), open_until=dt.date(2024, 8, 31),
        reason="系统故障，延期补报"))
    assert granted.period == MAY and granted.granted_by == admin
    with pytest.raises(PermissionDenied):
        save_exception(user=admin, exception=EntryWindowException(
            org_unit=longling, period=MAY, open_until=dt.date(2024, 8, 31), reason="越权"))
    assert not EntryWindowException.objects.filter(org_unit=longling).exists()


@pytest.mark.parametrize("model", ["monthlyreport", "reportingschedule", "entrywindowexception",
                                   "reminder", "notice"])
def test_reporting_admin_pages_open(longling, model):
    MonthlyReport.objects.create(org_unit=longling, period=MAY, deadline=dt.date(2024, 6, 5))
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(f"/admin/reporting/{model}/").status_code == 200
    add = client.get(f"/admin/reporting/{model}/add/").status_code
    assert add == (200 if model in ("reportingschedule", "entrywindowexception") else 403)
