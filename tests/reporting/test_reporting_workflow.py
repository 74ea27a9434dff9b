"""The monthly reporting workflow end to end through the pages (issue #7's "done when"):
a 龙陵县 clerk submits a month, a 保山市 reviewer returns it with a comment, the clerk fixes
and resubmits, the reviewer sees what changed and approves; the figures are then locked on
the grid, the API and the import; the audit trail shows each step; completeness shows who has
not reported; a reminder goes to a late unit. Plus the rules around it: who may do what,
override with a reason, withdrawing an approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from audit.models import AuditEntry
from imports import services as imports
from org.models import Membership
from reporting.choices import ReportStatus
from reporting.models import MonthlyReport, Notice, Reminder, ReportSubmission
from reporting.services import approve, report_for, send_reminders, submit, unapprove
from tests import xlsx_corpus as corpus
from tests.conftest import unit
from tests.factories import UserFactory
from tests.reporting.conftest import MAY, grid, login
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db






def report_url(org_unit, month="2024-05"):
    return f"/reporting/{org_unit.pk}/{month}/"


def test_clerk_submits_reviewer_returns_clerk_resubmits_reviewer_approves_and_locks(
        demo, longling):
    clerk, reviewer = login(demo["longling_clerk"]), login(demo["baoshan_reviewer"])
    assert grid(clerk, longling, "10").status_code == 302

    # The clerk's month list shows the unit; the entry grid shows the report status.
    assert "龙陵县" in clerk.get("/reporting/?month=2024-05").content.decode()
    assert "未报送" in clerk.get("/entry/training/?month=2024-05").content.decode()

    # 1. Submit (late: the deadline was 2024-06-05).
    response = clerk.post(report_url(longling), {"action": "submit"})
    assert response.status_code == 302, response.content.decode()
    report = MonthlyReport.objects.get(org_unit=longling, period=MAY, department=None)
    assert report.status == ReportStatus.SUBMITTED and report.is_late
    assert report.deadline == dt.date(2024, 6, 5)
    first = ReportSubmission.objects.get(report=report, number=1)
    assert first.snapshot["training.person_times"] == {"就业技能培训 / 企业职工": 10}
    # The Baoshan reviewer is told.
    assert Notice.objects.filter(user=demo["baoshan_reviewer"], title__contains="龙陵县").exists()
    # A clerk cannot approve their own report.
    assert clerk.post(report_url(longling), {"action": "approve"}).status_code == 403

    # 2. Return: a comment is required.
    response = reviewer.post(report_url(longling), {"action": "return", "comment": ""})
    assert response.status_code == 400 and "意见" in response.content.decode()
    response = reviewer.post(report_url(longling), {"action": "return",
                                                    "comment": "企业职工培训人次偏低，请核实。"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    notice = Notice.objects.get(user=demo["longling_clerk"], title__contains="退回")
    assert "请核实" in notice.body
    page = clerk.get(report_url(longling)).content.decode()
    assert "企业职工培训人次偏低" in page and "重新报送" in page

    # 3. The clerk fixes the figure and resubmits.
    assert grid(clerk, longling, "25").status_code == 302
    assert clerk.post(report_url(longling), {"action": "submit"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submissions.count() == 2
    assert report.is_late  # the first submission decides

    # 4. The reviewer sees what changed since the previous submission, then approves.
    page = reviewer.get(report_url(longling)).content.decode()
    assert "与上次报送相比的变化" in page
    assert "<td class=\"num\">10</td><td class=\"num\">25</td><td class=\"num\">+15</td>" in page
    assert reviewer.post(report_url(longling), {"action": "approve"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.approved_level == 2

    # 5. Locked on the grid (nothing saved), the API and the import.
    response = grid(clerk, longling, "99")
    assert response.status_code == 400 and "已审核通过" in response.content.decode()
    assert TrainingFigure.objects.get(org_unit=longling, period=MAY).trained == 25
    assert "本月数据已锁定" in clerk.get("/entry/training/?month=2024-05").content.decode()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(demo["longling_clerk"])
    response = api.post("/api/v1/training-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "target_group": "企业职工",
        "training_type": "就业技能培训", "trained": 99, "persons": 0, "completed": 0,
        "certified": 0}, format="json")
    assert response.status_code == 400 and "已审核通过" in response.content.decode()
    batch = imports.upload(user=demo["longling_clerk"], kind="training", basis="month",
                           file_name="may.xlsx", data=corpus.training(
                               ["龙陵县", "2024-05", "企业职工", "就业技能培训", "", "否", 99, 0, 0, 0]))
    assert batch.error_count == 1 and "已审核通过" in batch.errors[0]["message"]
    assert TrainingFigure.objects.get(org_unit=longling, period=MAY).trained == 25

    # 6. The audit trail shows each step.
    steps = list(AuditEntry.objects.filter(model_label="reporting.monthlyreport",
                                           object_id=str(report.pk))
                 .order_by("created_at", "pk").values_list("action", flat=True))
    assert steps == ["submit", "return", "resubmit", "approve"]
    assert AuditEntry.objects.filter(object_id=str(report.pk), action="return",
                                     note__contains="请核实").exists()
    page = reviewer.get(report_url(longling)).content.decode()
    history_url = f"/audit/record/reporting.monthlyreport/{report.pk}/"
    assert history_url in page
    history = reviewer.get(history_url)
    assert history.status_code == 200 and "企业职工培训人次偏低" in history.content.decode()

    # 7. Completeness shows who has not reported (施甸县 …) and not 龙陵县.
    page = reviewer.get("/reporting/completeness/?month=2024-05").content.decode()
    missing = page.split('id="not-reported"')[1]
    assert "施甸县" in missing and "龙陵县" not in missing
    assert "保山市" in page


def test_a_reminder_goes_once_to_a_unit_that_has_not_reported(demo, longling):
    shidian = unit("全国/云南省/保山市/施甸县")
    clerk = UserFactory(username="shidian_clerk", email="shidian@example.org")
    Membership.objects.create(user=clerk, org_unit=shidian, role="data_entry")
    report = report_for(org_unit=longling, period=MAY)
    submit(user=demo["longling_clerk"], report=report, zero_report=True)  # no figures in May
    mail.outbox.clear()

    assert send_reminders(today=dt.date(2024, 6, 1), period=MAY)["units"] == 0  # too early
    sent = send_reminders(today=dt.date(2024, 6, 8), period=MAY)  # past the deadline: late
    assert sent["units"] > 0
    assert Reminder.objects.filter(org_unit=shidian, period=MAY).exists()
    assert not Reminder.objects.filter(org_unit=longling, period=MAY).exists()  # submitted
    to_shidian = [m for m in mail.outbox if "shidian@example.org" in m.to]
    assert len(to_shidian) == 1 and "施甸县" in to_shidian[0].subject
    assert "逾期" in to_shidian[0].subject
    assert Notice.objects.filter(user=clerk, title__contains="施甸县").count() == 1
    # The notice shows in the header.
    page = login(clerk).get("/reporting/notices/").content.decode()
    assert "施甸县" in page
    # Once only.
    outbox = len(mail.outbox)
    assert send_reminders(today=dt.date(2024, 6, 9), period=MAY)["units"] == 0
    assert len(mail.outbox) == outbox
    assert Notice.objects.filter(user=clerk, title__contains="施甸县").count() == 1


def test_reviewers_review_only_units_below_them(demo, longling):
    baoshan = unit("全国/云南省/保山市")
    city_report = report_for(org_unit=baoshan, period=MAY)
    city_clerk = UserFactory()
    Membership.objects.create(user=city_clerk, org_unit=baoshan, role="data_entry")
    submit(user=city_clerk, report=city_report, zero_report=True)
    # The Baoshan reviewer may not approve Baoshan's own report…
    response = login(demo["baoshan_reviewer"]).post(report_url(baoshan), {"action": "approve"})
    assert response.status_code == 403
    # …a Yunnan reviewer may, once the counties are approved or with a reason.
    province = UserFactory()
    Membership.objects.create(user=province, org_unit=baoshan.parent, role="reviewer")
    client = login(province)
    response = client.post(report_url(baoshan), {"action": "approve"})
    assert response.status_code == 400 and "龙陵县" in response.content.decode()
    response = client.post(report_url(baoshan), {"action": "approve",
                                                 "override_reason": "县级报表已线下核对"})
    assert response.status_code == 302
    city_report.refresh_from_db()
    assert city_report.status == ReportStatus.APPROVED
    assert city_report.override_reason == "县级报表已线下核对"
    # The city's approval locks the counties below it.
    response = grid(login(demo["longling_clerk"]), longling, "5")
    assert response.status_code == 400 and "保山市" in response.content.decode()
    # A Wenzhou clerk cannot even see the report.
    assert login(demo["lucheng_clerk"]).get(report_url(baoshan)).status_code == 404
    assert login(demo["lucheng_clerk"]).post(report_url(longling),
                                             {"action": "submit"}).status_code == 404


def test_withdrawing_an_approval_needs_a_reason_and_the_approvers_level(demo, longling):
    report = report_for(org_unit=longling, period=MAY)
    submit(user=demo["longling_clerk"], report=report, zero_report=True)
    province = UserFactory()
    Membership.objects.create(user=province, org_unit=unit("全国/云南省"), role="reviewer")
    approve(user=province, report=report)
    report.refresh_from_db()
    assert report.approved_level == 1
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        unapprove(user=province, report=report, reason=" ")
    with pytest.raises(PermissionDenied):  # the city is below the approver's level
        unapprove(user=demo["baoshan_reviewer"], report=report, reason="数据有误")
    unapprove(user=province, report=report, reason="培训人次重复统计")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.approved_by is None
    # Unlocked: the clerk can correct the month again.
    assert grid(login(demo["longling_clerk"]), longling, "7").status_code == 302
    assert report.events.filter(action="unapprove", comment="培训人次重复统计").exists()
